"""The email outbox table, enqueueing, and the SMTP drain."""

from __future__ import annotations

import smtplib
import threading
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Integer, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storefront.db import Base, UTCDateTime, utcnow

MAX_ATTEMPTS = 8


class OutboxEmail(Base):
    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique per logical message ("order-paid:<order id>") so replays enqueue once.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    to_addr: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def _clean_header(value: str) -> str:
    # Header injection guard: a CR or LF must never reach an SMTP header.
    if "\r" in value or "\n" in value:
        raise ValueError("header value contains a line break")
    return value


def enqueue(session: Session, *, to: str, subject: str, body_text: str, dedupe_key: str,
            body_html: str | None = None) -> OutboxEmail | None:
    """Add a message to the outbox in the caller's transaction; None if already queued."""
    existing = session.scalar(select(OutboxEmail).where(OutboxEmail.dedupe_key == dedupe_key))
    if existing is not None:
        return None
    msg = OutboxEmail(dedupe_key=dedupe_key, to_addr=_clean_header(to),
                      subject=_clean_header(subject), body_text=body_text, body_html=body_html)
    try:
        with session.begin_nested():
            session.add(msg)
            session.flush()
    except IntegrityError:
        # A concurrent transaction queued the same message first.
        return None
    return msg


def _smtp_send(config: dict[str, Any], row: OutboxEmail) -> None:
    msg = EmailMessage()
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Message-ID"] = f"<outbox-{row.id}-{row.dedupe_key.replace(':', '.')}@storefront>"
    msg.set_content(row.body_text)
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
    with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)


def drain(session: Session, config: dict[str, Any], limit: int = 100) -> dict[str, int]:
    """Send pending messages; each row is claimed with a conditional UPDATE so two drains never double-send."""
    if not config.get("MAIL_SERVER"):
        return {"sent": 0, "failed": 0, "skipped": 0}
    sent = failed = 0
    ids = list(session.scalars(
        select(OutboxEmail.id).where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxEmail.id).limit(limit)
    ))
    for oid in ids:
        claimed_at = utcnow()
        # Claim first (sent_at set) and commit, so a concurrent drain skips this row.
        res = session.execute(update(OutboxEmail).where(OutboxEmail.id == oid, OutboxEmail.sent_at.is_(None))
                              .values(sent_at=claimed_at, attempts=OutboxEmail.attempts + 1))
        session.commit()
        if res.rowcount != 1:
            continue
        row = session.get(OutboxEmail, oid)
        try:
            _smtp_send(config, row)
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            session.execute(update(OutboxEmail).where(OutboxEmail.id == oid)
                            .values(sent_at=None, last_error=str(exc)[:2000]))
            session.commit()
            failed += 1
    return {"sent": sent, "failed": failed, "skipped": 0}


def send_after_commit(app) -> None:
    """Drain the outbox in a background thread (best effort; the CLI drain is the backstop)."""
    if not app.config.get("MAIL_SERVER") or app.config.get("MAIL_SYNC_DRAIN") is False:
        return

    def run():
        from storefront.extensions import db

        with app.app_context():
            try:
                drain(db.session, app.config)
            finally:
                db.session.remove()

    if app.config.get("MAIL_SYNC_DRAIN"):
        run()
    else:
        threading.Thread(target=run, name="outbox-drain", daemon=True).start()
