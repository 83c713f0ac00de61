"""MSAL for Python (Microsoft's identity library) against the emulator's identity platform:
client credentials with a secret and with a certificate, device code, authorization code with
PKCE, refresh, and the documented errors (AADSTS codes from Microsoft's "Microsoft Entra
authentication and authorization error codes" page). An expired code is in test_clock.py, which
runs last: it moves the emulator's clock."""
import hashlib
import urllib.parse

import msal
import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from conftest import DEFAULT_SCOPE, DELEGATED_SCOPE


def confidential(emu, credential, client_id=None):
    return msal.ConfidentialClientApplication(
        client_id or emu.app_id,
        authority=emu.authority,
        client_credential=credential,
        verify=emu.ca,
        token_cache=msal.TokenCache(),
    )


def public(emu):
    return msal.PublicClientApplication(
        emu.public_client, authority=emu.authority, verify=emu.ca, token_cache=msal.TokenCache()
    )


def read(path):
    with open(path) as f:
        return f.read()


def test_client_credentials_with_a_secret(emu):
    r = confidential(emu, emu.app_secret).acquire_token_for_client(scopes=DEFAULT_SCOPE)
    assert "access_token" in r, r
    assert r["token_type"].lower() == "bearer"


def test_client_credentials_with_a_certificate(emu):
    cert_pem = read(emu.app_cert)
    der = x509.load_pem_x509_certificate(cert_pem.encode()).public_bytes(Encoding.DER)
    # The SHA-1 thumbprint form (x5t, RS256) ...
    sha1 = {"private_key": read(emu.app_key), "thumbprint": hashlib.sha1(der).hexdigest()}
    r = confidential(emu, sha1).acquire_token_for_client(scopes=DEFAULT_SCOPE)
    assert "access_token" in r, r
    # ... and with the public certificate given, as MSAL's docs recommend.
    with_cert = {"private_key": read(emu.app_key), "public_certificate": cert_pem}
    r = confidential(emu, with_cert).acquire_token_for_client(scopes=DEFAULT_SCOPE)
    assert "access_token" in r, r


def test_device_code(emu):
    app = public(emu)
    flow = app.initiate_device_flow(scopes=DELEGATED_SCOPE)
    assert "user_code" in flow, flow
    assert flow["verification_uri"].startswith("https://login.microsoftonline.com/")
    emu.approve_device_code(flow["user_code"])
    r = app.acquire_token_by_device_flow(flow)
    assert "access_token" in r, r
    assert r["id_token_claims"]["preferred_username"] == emu.user


def auth_code(emu, app, scopes):
    flow = app.initiate_auth_code_flow(scopes=scopes, redirect_uri="http://localhost")
    resp = requests.get(flow["auth_uri"], allow_redirects=False, verify=emu.ca, timeout=10)
    assert resp.status_code == 302, resp.text
    location = resp.headers["Location"]
    assert location.startswith("http://localhost"), location
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    return flow, query


def test_authorization_code_with_pkce_and_refresh(emu):
    app = public(emu)
    flow, query = auth_code(emu, app, DELEGATED_SCOPE)
    assert flow["code_verifier"] and "code_challenge" in flow["auth_uri"]
    r = app.acquire_token_by_auth_code_flow(flow, query)
    assert "access_token" in r, r
    assert "refresh_token" in r, r
    # Refresh: a silent call that has to use the refresh token.
    account = app.get_accounts()[0]
    again = app.acquire_token_silent(DELEGATED_SCOPE, account=account, force_refresh=True)
    assert again and "access_token" in again, again
    assert again["access_token"] != r["access_token"]


def test_wrong_secret_is_aadsts7000215(emu):
    r = confidential(emu, "not-the-secret").acquire_token_for_client(scopes=DEFAULT_SCOPE)
    assert r.get("error") == "invalid_client", r
    assert 7000215 in r.get("error_codes", []), r


def test_unknown_client_is_aadsts700016(emu):
    r = confidential(emu, "x", client_id="99999999-9999-4999-8999-999999999999").acquire_token_for_client(
        scopes=DEFAULT_SCOPE
    )
    assert 700016 in r.get("error_codes", []), r
