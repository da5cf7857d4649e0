"""The email outbox delivers through a real SMTP server, once per message."""

from sqlalchemy import select

from storefront.mail import OutboxEmail, drain, enqueue


def test_enqueue_is_idempotent_and_drain_sends_once(app, db_session, smtp_server):
    first = enqueue(db_session, to="buyer@example.com", subject="Order ABC paid",
                    body_text="Thanks", dedupe_key="order-paid:ABC")
    again = enqueue(db_session, to="buyer@example.com", subject="Order ABC paid",
                    body_text="Thanks", dedupe_key="order-paid:ABC")
    assert first is not None and again is None
    config = {**app.config, "MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}
    assert drain(db_session, config) == {"sent": 1, "failed": 0, "skipped": 0}
    assert drain(db_session, config)["sent"] == 0
    assert len(smtp_server.messages) == 1
    msg = smtp_server.messages[0]
    assert msg["To"] == "buyer@example.com" and msg["Subject"] == "Order ABC paid"
    row = db_session.scalar(select(OutboxEmail))
    assert row.sent_at is not None and row.attempts == 1


def test_failed_send_stays_pending(app, db_session):
    enqueue(db_session, to="a@example.com", subject="s", body_text="b", dedupe_key="k1")
    config = {**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1}  # nothing listens there
    assert drain(db_session, config)["failed"] == 1
    row = db_session.scalar(select(OutboxEmail))
    assert row.sent_at is None and row.last_error


def test_header_injection_refused(db_session):
    import pytest

    with pytest.raises(ValueError):
        enqueue(db_session, to="a@example.com\r\nBcc: x@example.com", subject="s",
                body_text="b", dedupe_key="k2")
