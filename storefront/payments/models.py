"""What the shop remembers about Stripe: PaymentIntents it created, webhook events it handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.db import Base, UTCDateTime, utcnow


class PaymentIntentRecord(Base):
    """A PaymentIntent the shop created, written in its own transaction right after Stripe answered.

    It survives a rollback of the order transaction, so a retried request reuses the intent
    instead of creating a second one (localstripe ignores idempotency keys; this does not).
    """

    __tablename__ = "payment_intent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_key: Mapped[str] = mapped_column(String(255), unique=True)
    order_ref: Mapped[str] = mapped_column(String(40), index=True)
    intent_id: Mapped[str] = mapped_column(String(255), unique=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StripeEvent(Base):
    """A webhook event id, inserted in the same transaction as its effects: a replay is a no-op."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    order_ref: Mapped[str | None] = mapped_column(String(40), index=True)
    outcome: Mapped[str] = mapped_column(String(60), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
