"""A local SMTP sink for development (aiosmtpd): accepts every message, delivers none.

``make run`` starts one beside the shop and points ``MAIL_SERVER`` at it, so the outbox is
drained over real SMTP exactly as in production (rows go ``sending`` -> ``sent``) while no
email leaves the machine. What arrived is printed one line per message; the full messages
are read at the staff area's development mail page (/staff/dev/mail), which reads the
outbox, so nothing needs to be kept here.
"""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage


class Sink:
    """aiosmtpd handler: count each message and report it through ``report``."""

    def __init__(self, report: Callable[[str], None] = print):
        self.report = report
        self.received: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append(msg)
        self.report(f"mail sink: to {', '.join(envelope.rcpt_tos)} — {msg['Subject']} "
                    "(read it at /staff/dev/mail)")
        return "250 OK: kept in the development sink"



def start(host: str = "127.0.0.1", port: int = 8025, report: Callable[[str], None] = print):
    """Start the sink in a thread; returns (controller, sink). Stop with ``controller.stop()``."""
    from aiosmtpd.controller import Controller

    sink = Sink(report)
    controller = Controller(sink, hostname=host, port=port)
    controller.start()
    return controller, sink
