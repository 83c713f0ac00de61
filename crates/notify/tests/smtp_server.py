#!/usr/bin/env python3
"""A real SMTP server for rolesync-notify's tests (aiosmtpd), on 127.0.0.1 only.

Writes each received message to OUT/<n>.eml and its envelope and login to OUT/<n>.json, and
prints "READY <port>" on stdout once it accepts connections. Runs until killed.

  smtp_server.py OUT [--cert CERT --key KEY [--implicit-tls]] [--user U --password P]

With --cert/--key it offers STARTTLS and requires it (or, with --implicit-tls, speaks TLS from the
first byte). With --user/--password it requires AUTH (PLAIN, LOGIN) with those values and
XOAUTH2 with the password as the token.
"""
import argparse
import asyncio
import base64
import json
import os
import socket
import ssl
import sys
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def _text(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, LoginPassword):
        return v.login.decode()
    return v


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    def __init__(self, out, user, password):
        self.out = out
        self.user = user
        self.password = password
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.out, "%03d" % self.count)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "login": _text(getattr(session, "auth_data", None)),
                    "tls": session.ssl is not None
                    or server.transport.get_extra_info("ssl_object") is not None,
                },
                f,
            )
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"

    async def auth_XOAUTH2(self, server, args):
        # XOAUTH2 initial response: base64("user=" U "\x01auth=Bearer " T "\x01\x01")
        if len(args) < 2:
            return AuthResult(success=False, handled=False)
        try:
            raw = base64.b64decode(args[1]).decode()
        except Exception:
            return AuthResult(success=False, handled=False)
        fields = dict(p.split("=", 1) for p in raw.split("\x01") if "=" in p)
        ok = fields.get("user") == self.user and fields.get("auth") == "Bearer " + self.password
        return AuthResult(success=ok, handled=False, auth_data=fields.get("user"))

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            ok = auth_data.login.decode() == self.user and auth_data.password.decode() == self.password
            return AuthResult(success=ok, handled=False, auth_data=auth_data.login)
        return AuthResult(success=False, handled=False)


class TlsController(Controller):
    def __init__(self, handler, smtp_kwargs, **kw):
        self.smtp_kwargs = smtp_kwargs
        super().__init__(handler, **kw)

    def factory(self):
        return SMTP(self.handler, **self.smtp_kwargs)

    def _trigger_server(self):
        # The base class connects to check readiness; with implicit TLS it must wrap the socket
        # with a context that trusts the test certificate, so just check the port accepts.
        with socket.create_connection((self.hostname, self.port), 1.0):
            pass


def main():
    warnings.simplefilter("ignore", DeprecationWarning)
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--user")
    ap.add_argument("--password")
    a = ap.parse_args()

    handler = Handler(a.out, a.user, a.password)
    ctx = None
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
    kwargs = dict(hostname="localhost", ident="rolesync-test-smtp")
    if a.user:
        kwargs.update(authenticator=handler.authenticate, auth_required=True, auth_require_tls=True)
    if ctx is not None and not a.implicit_tls:
        kwargs.update(tls_context=ctx, require_starttls=True)
    port = free_port()
    ckw = dict(hostname="127.0.0.1", port=port)
    if ctx is not None and a.implicit_tls:
        ckw["ssl_context"] = ctx
    controller = TlsController(handler, kwargs, **ckw)
    controller.start()
    print("READY %d" % port, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
