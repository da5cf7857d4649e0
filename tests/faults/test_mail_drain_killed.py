"""A mail drain killed mid-send (SIGKILL while the SMTP server holds a message): nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from storefront.extensions import db
from storefront.mail import MailStatus, OutboxEmail, drain, enqueue
from tests.conftest import (
    ROOT,
    drop_database,
    free_port,
    fresh_database_url,
    make_app,
    require_postgres,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


class SlowSink:
    """SMTP server that pauses at RCPT (before accepting anything) and records accepted mail."""

    def __init__(self, pause: float):
        from aiosmtpd.controller import Controller

        self.pause = pause
        self.messages = []
        self.rcpts = 0
        self.fifth_rcpt = threading.Event()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.rcpts += 1
        if self.rcpts == 5:
            self.fifth_rcpt.set()
        await asyncio.sleep(self.pause)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"


@pytest.mark.timeout(120)
def test_killed_drain_loses_and_doubles_nothing(tmp_path):
    require_postgres()
    url = fresh_database_url(tmp_path, "maildrain")
    sink = SlowSink(pause=0.5)
    try:
        app = make_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port, MAIL_LEASE_SECONDS=2)
        with app.app_context():
            for i in range(12):
                enqueue(db.session, to=f"b{i}@example.com", subject=f"order {i}",
                        body_text="thanks", dedupe_key=f"kill:{i}")
            db.session.commit()
        env = {**os.environ, "DATABASE_URL": url.replace("+psycopg", ""), "SECRET_KEY": "x",
               "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(sink.port), "MAIL_LEASE_SECONDS": "2"}
        proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "mail", "drain"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        assert sink.fifth_rcpt.wait(60), "the drain never reached the fifth message"
        proc.send_signal(signal.SIGKILL)  # mid-send: the server holds message 5 at RCPT
        proc.wait(10)
        assert len(sink.messages) == 4
        with app.app_context():
            stuck = db.session.scalar(select(OutboxEmail).where(
                OutboxEmail.status == MailStatus.SENDING))
            assert stuck is not None  # claimed, not marked sent: the old code lost it here
            time.sleep(2.2)  # the killed drain's lease runs out
            sink.pause = 0
            config = {**app.config}
            assert drain(db.session, config)["sent"] == 8
            statuses = set(db.session.scalars(select(OutboxEmail.status)))
        assert statuses == {MailStatus.SENT}
        subjects = sorted(m["Subject"] for m in sink.messages)
        assert subjects == sorted(f"order {i}" for i in range(12))  # each exactly once
    finally:
        sink.controller.stop()
        drop_database(url)
