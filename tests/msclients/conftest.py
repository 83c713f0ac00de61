"""Microsoft's own clients against the Entra/Graph emulator, under Microsoft's real host names.

tests/real_endpoints (ms_clients) starts the emulator on 127.0.0.1:443 inside a private network
namespace where login.microsoftonline.com and graph.microsoft.com resolve to loopback, then runs
these tests there with the environment below. Nothing here knows it talks to an emulator except
the CA file it is told to trust (this machine sets REQUESTS_CA_BUNDLE globally, so every client
is given the CA explicitly).
"""
import os

import pytest

LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com"
DEFAULT_SCOPE = [f"{GRAPH}/.default"]
DELEGATED_SCOPE = [f"{GRAPH}/RoleManagement.ReadWrite.Directory"]


class Emulator:
    """What the test runner passes in."""

    def __init__(self):
        e = os.environ
        self.tenant = e["EMU_TENANT"]
        self.ca = e["EMU_CA"]
        self.app_id = e["EMU_APP_ID"]
        self.app_secret = e["EMU_APP_SECRET"]
        self.app_cert = e["EMU_APP_CERT"]
        self.app_key = e["EMU_APP_KEY"]
        self.public_client = e["EMU_PUBLIC_CLIENT_ID"]
        self.user = e["EMU_USER"]
        self.authority = f"{LOGIN}/{self.tenant}"

    def approve_device_code(self, user_code):
        import requests

        r = requests.post(
            f"{LOGIN}/_emulator/device/approve",
            json={"user_code": user_code, "user": self.user},
            verify=self.ca,
            timeout=10,
        )
        assert r.ok, r.text

    def portal_change(self, body):
        """A role change "in the portal" by a named administrator (the emulator's test hook)."""
        import requests

        r = requests.post(
            f"{LOGIN}/_emulator/portal/roleAssignment", json=body, verify=self.ca, timeout=10
        )
        assert r.status_code == 200, r.text
        return r.json()

    def advance_clock(self, seconds):
        import requests

        r = requests.post(
            f"{LOGIN}/_emulator/clock", json={"advanceSeconds": seconds}, verify=self.ca, timeout=10
        )
        assert r.status_code == 200, r.text


@pytest.fixture(scope="session")
def emu():
    e = Emulator()
    # Libraries that read the CA from the environment (requests inside azure-identity's MSAL,
    # httpx) get the emulator's CA too, not the machine-wide REQUESTS_CA_BUNDLE.
    os.environ["REQUESTS_CA_BUNDLE"] = e.ca
    os.environ["SSL_CERT_FILE"] = e.ca
    return e


def unknown_properties(obj, path="$"):
    """Every property a parsed Graph model did not know (kiota keeps them in additional_data),
    anywhere inside `obj`; OData control information (`@odata.*`) is not a property."""
    found = []
    if isinstance(obj, (list, tuple)):
        for i, x in enumerate(obj):
            found += unknown_properties(x, f"{path}[{i}]")
        return found
    extra = getattr(obj, "additional_data", None)
    if isinstance(extra, dict):
        found += [f"{path}.{k}" for k in extra if not k.startswith("@odata.")]
    fields = getattr(obj, "__dataclass_fields__", None)
    if fields:
        for name in fields:
            if name in ("additional_data", "backing_store"):
                continue
            value = getattr(obj, name, None)
            if value is not None and (hasattr(value, "__dataclass_fields__") or isinstance(value, list)):
                found += unknown_properties(value, f"{path}.{name}")
    return found
