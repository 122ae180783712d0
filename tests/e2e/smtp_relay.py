"""A company-style SMTP relay for the end-to-end tests (tests/e2e/smtp_tls.rs): aiosmtpd
with TLS and authentication required, writing accepted mail to a Maildir.

usage: smtp_relay.py MODE PORT CERT KEY MAILDIR USER PASSWORD [MECHANISM]

MODE starttls: plain connection that must be upgraded (require_starttls) before AUTH or
mail; MODE implicit: TLS from the first byte (smtps). AUTH is required and checks USER
and PASSWORD; MECHANISM (PLAIN or LOGIN) leaves only that one offered. Serves on
127.0.0.1:PORT until killed.
"""

import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword


def main() -> None:
    mode, port, cert, key, maildir, user, password = sys.argv[1:8]
    only = sys.argv[8] if len(sys.argv) > 8 else None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == user.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)

    params = dict(auth_required=True, authenticator=authenticator)
    if only:
        params["auth_exclude_mechanism"] = [m for m in ("PLAIN", "LOGIN") if m != only]
    if mode == "starttls":
        params.update(tls_context=ctx, require_starttls=True)
        controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=int(port), **params)
    elif mode == "implicit":
        # aiosmtpd does not count implicit TLS as TLS for AUTH: the connection is TLS.
        params.update(auth_require_tls=False)
        controller = Controller(
            Mailbox(maildir), hostname="127.0.0.1", port=int(port), ssl_context=ctx, **params
        )
    else:
        sys.exit(f"unknown mode {mode!r}")
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
