"""The development SMTP sink `make run` starts: the outbox drains into it over real SMTP."""

from __future__ import annotations

import socket

from storefront import devrun
from storefront.mail import MailStatus, drain, enqueue
from tests.conftest import free_port


def test_outbox_drains_into_the_sink_and_the_rows_read_sent(app, db_session):
    lines: list[str] = []
    env = {"MAIL_SINK_PORT": str(free_port())}
    controller = devrun.prepare(env, report=lambda line, **_: lines.append(line))
    try:
        assert env["MAIL_SERVER"] == "127.0.0.1" and env["MAIL_PORT"] == env["MAIL_SINK_PORT"]
        row = enqueue(db_session, to="ana@example.com", subject="Your quote Q-1 is ready",
                      body_text="Accept: https://shop.test/oem/quotes/abc", dedupe_key="sink-test:1")
        db_session.commit()
        config = {**app.config, "MAIL_SERVER": env["MAIL_SERVER"], "MAIL_PORT": int(env["MAIL_PORT"])}
        assert drain(db_session, config)["sent"] >= 1
        db_session.refresh(row)
        assert row.status == MailStatus.SENT
        assert any("to ana@example.com — Your quote Q-1 is ready" in line for line in lines)
        (received,) = [m for m in controller.handler.received if m["Subject"] == "Your quote Q-1 is ready"]
        assert "https://shop.test/oem/quotes/abc" in received.get_content()
    finally:
        controller.stop()


def test_no_sink_when_a_mail_server_is_configured_or_the_port_is_taken():
    env = {"MAIL_SERVER": "smtp.example.com"}
    assert devrun.prepare(env, report=lambda *a, **k: None) is None
    assert env == {"MAIL_SERVER": "smtp.example.com"}
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        notes: list[str] = []
        env = {"MAIL_SINK_PORT": str(busy.getsockname()[1])}
        assert devrun.prepare(env, report=lambda line, **_: notes.append(line)) is None
    assert "MAIL_SERVER" not in env and "/staff/dev/mail" in notes[0]
