"""The record that SMTP accepted a message survives a database blip (no second send later)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select

from storefront.extensions import db
from storefront.mail import MailStatus, OutboxEmail, drain, enqueue


def test_a_failed_sent_record_is_retried_not_resent(app, db_session, smtp_server):
    enqueue(db_session, to="buyer@example.com", subject="Order #1 confirmed", body_text="Thanks",
            dedupe_key="order-paid:blip")
    db_session.commit()
    failures = []

    def blip(conn, cursor, statement, params, context, executemany):
        # The first attempt to record "sent" meets a dropped connection, as in a restart.
        if statement.lstrip().upper().startswith("UPDATE OUTBOX_EMAILS") and "sent_at" in statement \
                and not failures:
            failures.append(statement)
            raise sa.exc.OperationalError(statement, params, Exception("server closed the connection"))

    sa.event.listen(db.engine, "before_cursor_execute", blip)
    try:
        config = {**app.config, "MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port,
                  "MAIL_LEASE_SECONDS": 10}
        assert drain(db_session, config)["sent"] == 1
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", blip)
    assert failures, "the blip never happened: the test proves nothing"
    row = db_session.scalar(select(OutboxEmail).where(OutboxEmail.dedupe_key == "order-paid:blip"))
    assert row.status == MailStatus.SENT
    assert drain(db_session, {**config, "MAIL_LEASE_SECONDS": 0})["sent"] == 0
    assert [m["Subject"] for m in smtp_server.messages] == ["Order #1 confirmed"]
