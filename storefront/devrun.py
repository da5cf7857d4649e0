"""`make run`: a development SMTP sink beside the shop, then ``storefront.devserver``.

When ``MAIL_SERVER`` is not set, an aiosmtpd sink (``storefront.mail.sink``) listens on
127.0.0.1:``MAIL_SINK_PORT`` (default 8025) and the shop sends its mail there, so the outbox
is drained over SMTP as in production and no email leaves the machine. Every email is
readable at /staff/dev/mail. When the sink's port is taken, the shop runs without SMTP and
that page (which reads the outbox) is still where the mail arrives.
"""

from __future__ import annotations

import os

HOST = "127.0.0.1"


def prepare(env: dict[str, str], report=print):
    """Start the sink unless the environment names a mail server; returns its controller or None."""
    from storefront.mail import sink
    from storefront.ports import port_free

    if env.get("MAIL_SERVER"):
        return None
    port = int(env.get("MAIL_SINK_PORT") or 8025)
    if not port_free(HOST, port):
        report(f"Mail: port {port} is taken, so no SMTP sink; every email is still readable at "
               "/staff/dev/mail (set MAIL_SINK_PORT to use another port).")
        return None
    controller, _ = sink.start(HOST, port, report=lambda line: report(line, flush=True))
    env["MAIL_SERVER"], env["MAIL_PORT"] = HOST, str(port)
    report(f"Mail: SMTP sink on {HOST}:{port}; read every email at /staff/dev/mail", flush=True)
    return controller


def main() -> None:
    """Start the mail sink, then migrate, seed and serve as ``storefront.devserver`` does."""
    from storefront import devserver

    controller = prepare(os.environ)  # type: ignore[arg-type]  # devserver copies os.environ
    try:
        devserver.main()
    finally:
        if controller is not None:
            controller.stop()


if __name__ == "__main__":
    main()
