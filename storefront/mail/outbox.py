"""The email outbox table, enqueueing, and the SMTP drain."""

from __future__ import annotations

import enum
import smtplib
import threading
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Integer, String, Text, and_, or_, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storefront.db import Base, StrEnumType, UTCDateTime, conflict_insert, utcnow

# app.extensions key of the callable that asks a worker for a drain (see send_after_commit).
DRAIN_HOOK = "storefront_request_mail_drain"


class MailStatus(enum.StrEnum):
    PENDING = "pending"  # waiting to be sent (next_attempt_at, when set, says from when)
    SENDING = "sending"  # claimed by a drain until sending_until; after that anyone may retry
    SENT = "sent"  # the SMTP server accepted it
    DEAD = "dead"  # gave up after MAIL_MAX_ATTEMPTS; staff can resend it


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
    status: Mapped[MailStatus] = mapped_column(StrEnumType(MailStatus, 16),
                                               default=MailStatus.PENDING, index=True)
    # The lease of the drain that claimed it; a killed drain's rows come back when it ends.
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
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
    values = {"dedupe_key": dedupe_key, "to_addr": _clean_header(to),
              "subject": _clean_header(subject), "body_text": body_text, "body_html": body_html}
    insert = conflict_insert(session, OutboxEmail)
    if insert is not None:
        # One statement: a message already queued (by us, or by a concurrent transaction,
        # which this waits for on the unique index) inserts nothing and returns no row.
        return session.scalars(
            insert.values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxEmail)).first()
    existing = session.scalar(select(OutboxEmail).where(OutboxEmail.dedupe_key == dedupe_key))
    if existing is not None:
        return None
    msg = OutboxEmail(**values)
    try:
        with session.begin_nested():
            session.add(msg)
            session.flush()
    except IntegrityError:
        # A concurrent transaction queued the same message first.
        return None
    return msg


def _message(config: dict[str, Any], row: OutboxEmail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Message-ID"] = f"<outbox-{row.id}-{row.dedupe_key.replace(':', '.')}@storefront>"
    msg.set_content(row.body_text)
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
    return msg


def _smtp_open(config: dict[str, Any]) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _mark_sent(session: Session, oid: int, until: datetime) -> None:
    """Record that SMTP accepted row ``oid``, retrying through a database blip until ``until``.

    Giving up leaves the row ``sending``: after its lease another drain sends it again, so the
    retries stop well before the lease ends (two drains must never hold one row).
    """
    while True:
        try:
            session.execute(update(OutboxEmail).where(OutboxEmail.id == oid)
                            .values(status=MailStatus.SENT, sent_at=utcnow(), sending_until=None,
                                    last_error=None)
                            .execution_options(synchronize_session=False))
            session.commit()
            return
        except (OperationalError, InterfaceError):
            session.rollback()
            if utcnow() >= until:
                raise
            time.sleep(0.25)


def _due(now: datetime, max_attempts: int):
    """Rows a drain may claim: pending and due, or sending with an expired lease."""
    return and_(OutboxEmail.attempts < max_attempts, or_(
        and_(OutboxEmail.status == MailStatus.PENDING,
             or_(OutboxEmail.next_attempt_at.is_(None), OutboxEmail.next_attempt_at <= now)),
        and_(OutboxEmail.status == MailStatus.SENDING, OutboxEmail.sending_until < now)))


def backoff(config: dict[str, Any], attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure (doubling, at most an hour)."""
    base = float(config.get("MAIL_RETRY_BASE_SECONDS", 30))
    return timedelta(seconds=min(3600.0, base * 2 ** max(0, attempts - 1)))


def drain(session: Session, config: dict[str, Any], limit: int = 100) -> dict[str, int]:
    """Send due messages, each claimed with a lease; mark sent only after SMTP accepted it.

    The claim is a conditional UPDATE (status and lease in the WHERE clause) committed before
    SMTP is contacted, so two drains never send one row; a drain killed mid-send leaves its
    rows ``sending`` until the lease runs out, and the next drain retries them. Failures wait
    with back-off; after MAIL_MAX_ATTEMPTS a row is dead-lettered for staff.
    """
    if not config.get("MAIL_SERVER"):
        return {"sent": 0, "failed": 0, "skipped": 0}
    max_attempts = int(config.get("MAIL_MAX_ATTEMPTS", 8))
    lease = timedelta(seconds=float(config.get("MAIL_LEASE_SECONDS", 120)))
    now = utcnow()
    # Rows whose last lease ran out on their final attempt: dead, not retried forever.
    session.execute(update(OutboxEmail).where(
        OutboxEmail.status == MailStatus.SENDING, OutboxEmail.sending_until < now,
        OutboxEmail.attempts >= max_attempts).values(status=MailStatus.DEAD, sending_until=None))
    ids = list(session.scalars(select(OutboxEmail.id).where(_due(now, max_attempts))
                               .order_by(OutboxEmail.id).limit(limit)))
    session.commit()
    sent = failed = dead = 0
    for oid in ids:
        now = utcnow()
        res = session.execute(update(OutboxEmail).where(OutboxEmail.id == oid, _due(now, max_attempts))
                              .values(status=MailStatus.SENDING, sending_until=now + lease,
                                      attempts=OutboxEmail.attempts + 1)
                              .execution_options(synchronize_session=False))
        session.commit()
        if res.rowcount != 1:
            continue  # another drain claimed it first
        row = session.get(OutboxEmail, oid)
        session.refresh(row)
        try:
            smtp = _smtp_open(config)
            try:
                smtp.send_message(_message(config, row))
            except BaseException:
                smtp.close()
                raise
        except (OSError, smtplib.SMTPException) as exc:
            give_up = row.attempts >= max_attempts
            session.execute(update(OutboxEmail).where(OutboxEmail.id == oid,
                                                      OutboxEmail.status == MailStatus.SENDING)
                            .values(status=MailStatus.DEAD if give_up else MailStatus.PENDING,
                                    sending_until=None, last_error=str(exc)[:2000],
                                    next_attempt_at=None if give_up
                                    else utcnow() + backoff(config, row.attempts))
                            .execution_options(synchronize_session=False))
            session.commit()
            failed += 1
            dead += give_up
            continue
        # Accepted: only now is it sent. Recorded before QUIT, and through database blips for
        # up to half the lease, so the window in which a crash makes the next drain send it
        # again is one commit wide (the Message-ID is stable per row: receivers can drop such a
        # duplicate). A web process never sends when a worker runs (send_after_commit).
        try:
            _mark_sent(session, oid, until=now + lease / 2)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        sent += 1
    return {"sent": sent, "failed": failed, "skipped": 0, **({"dead": dead} if dead else {})}


def dead_letters(session: Session, limit: int = 200) -> list[OutboxEmail]:
    """Messages the drain gave up on, newest first (the staff list)."""
    return list(session.scalars(select(OutboxEmail).where(OutboxEmail.status == MailStatus.DEAD)
                                .order_by(OutboxEmail.id.desc()).limit(limit)))


def resend(session: Session, email_id: int) -> bool:
    """Put a dead-lettered message back in the queue with fresh attempts (staff action)."""
    res = session.execute(update(OutboxEmail).where(OutboxEmail.id == email_id,
                                                    OutboxEmail.status == MailStatus.DEAD)
                          .values(status=MailStatus.PENDING, attempts=0, next_attempt_at=None,
                                  sending_until=None)
                          .execution_options(synchronize_session=False))
    return res.rowcount == 1


def send_after_commit(app) -> None:
    """Get mail just queued sent soon: by the worker when one runs, else from this process.

    With a worker (REDIS_URL and jobs not inline) web processes never talk to SMTP: a drain job
    is queued for the worker (at most one a second; its schedule is the backstop). A web worker
    killed between the SMTP server's acceptance and the commit that records it would otherwise
    leave a row the next drain sends again. MAIL_SYNC_DRAIN: unset chooses that way; False
    leaves everything to the worker's schedule / `mail drain`; True sends in the request.
    """
    mode = app.config.get("MAIL_SYNC_DRAIN")
    if not app.config.get("MAIL_SERVER") or mode is False:
        return
    # The job queue registers this hook (storefront.jobs.request_mail_drain, set by
    # create_app); it answers False when jobs run inline, i.e. there is no worker.
    request_drain = app.extensions.get(DRAIN_HOOK)
    if mode is None and request_drain is not None and request_drain(app):
        return

    def run():
        from storefront.extensions import db

        with app.app_context():
            try:
                drain(db.session, app.config)
            finally:
                db.session.remove()

    if mode:
        run()
    else:
        threading.Thread(target=run, name="outbox-drain", daemon=True).start()

