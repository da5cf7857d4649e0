"""Quote requests, their lines, event and message history, attachments and reference counter."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.catalog.models import Kind, Product
from storefront.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow


class QuoteStatus(enum.StrEnum):
    NEW = "new"  # submitted by the buyer; nobody has picked it up yet
    IN_REVIEW = "in_review"  # staff are working out prices and lead times
    QUOTED = "quoted"  # prices and a validity date sent; the accept link is live
    ACCEPTED = "accepted"  # the buyer accepted before expiry; an order carries the payment
    DECLINED = "declined"  # declined by staff, or by the buyer through the link
    EXPIRED = "expired"  # the validity date passed without acceptance


OPEN_STATUSES = (QuoteStatus.NEW, QuoteStatus.IN_REVIEW, QuoteStatus.QUOTED)


class BuyerType(enum.StrEnum):
    BRAND = "brand"  # sells under its own label (private label / OEM)
    DISTRIBUTOR = "distributor"  # resells catalogue devices
    CLINIC = "clinic"  # practice buying for its own use
    OTHER = "other"


class PaymentOption(enum.StrEnum):
    DEPOSIT = "deposit"  # pays deposit_pct of the total now, the rest before shipping
    FULL = "full"  # pays the whole quoted total now


class Quote(Base):
    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint("target_unit_price IS NULL OR target_unit_price >= 0",
                        name="target_price_non_negative"),
        CheckConstraint("quoted_total IS NULL OR quoted_total >= 0", name="quoted_total_non_negative"),
        CheckConstraint("deposit_pct IS NULL OR (deposit_pct BETWEEN 1 AND 99)", name="deposit_pct_range"),
        CheckConstraint("amount_due IS NULL OR amount_due > 0", name="amount_due_positive"),
        CheckConstraint(
            "status IN ('new', 'in_review', 'quoted', 'accepted', 'declined', 'expired')",
            name="status_known",
        ),
        Index("ix_quotes_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Q-<year>-<6-digit sequence>, allocated from QuoteSequence (see intake.next_reference).
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[QuoteStatus] = mapped_column(StrEnumType(QuoteStatus, 16), default=QuoteStatus.NEW)

    # Buyer
    company: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))
    buyer_type: Mapped[BuyerType] = mapped_column(StrEnumType(BuyerType, 16))
    # Practitioner details, required when a line is a prescription (rx_only) device.
    licence_number: Mapped[str | None] = mapped_column(String(80))
    practice_name: Mapped[str | None] = mapped_column(String(200))

    # What the buyer asked for
    target_unit_price: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    needed_by: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(8), default="api")  # api / web / cli
    client_ip: Mapped[str | None] = mapped_column(String(45))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    # Staff answer
    quote_currency: Mapped[str | None] = mapped_column(String(3))
    quoted_total: Mapped[int | None] = mapped_column(BigInteger)
    deposit_pct: Mapped[int | None] = mapped_column(Integer)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    quoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    terms: Mapped[str | None] = mapped_column(Text)  # shown to the buyer with the quote
    # Only a SHA-256 of the accept token is stored: a database leak does not leak live links.
    accept_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    # Buyer's answer
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payment_option: Mapped[PaymentOption | None] = mapped_column(StrEnumType(PaymentOption, 8))
    amount_due: Mapped[int | None] = mapped_column(BigInteger)
    # Public id of the order that carries the payment (orders live in another package).
    order_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # declined / expired

    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteLine.position"
    )
    events: Mapped[list[QuoteEvent]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteEvent.id"
    )
    messages: Mapped[list[QuoteMessage]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteMessage.id"
    )
    attachments: Mapped[list[QuoteAttachment]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteAttachment.id"
    )

    @property
    def needs_practitioner(self) -> bool:
        return any(line.prescription for line in self.lines)

    @property
    def lines_total(self) -> int | None:
        """Sum of quoted line totals, or None while any line is unpriced."""
        if any(line.quoted_unit_price is None for line in self.lines):
            return None
        return sum(line.quoted_unit_price * line.quantity for line in self.lines)

    def __repr__(self) -> str:
        return f"<Quote {self.reference} {self.status}>"


class QuoteLine(Base):
    __tablename__ = "quote_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("quoted_unit_price IS NULL OR quoted_unit_price >= 0",
                        name="quoted_unit_price_non_negative"),
        UniqueConstraint("quote_id", "position", name="uq_quote_lines_quote_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    # A catalogue line keeps its product; a custom line has only a kind and a description.
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    sku: Mapped[str | None] = mapped_column(String(64))  # snapshot: survives product edits
    product_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[Kind] = mapped_column(StrEnumType(Kind, 16))
    prescription: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(String(500), default="")
    quantity: Mapped[int] = mapped_column(Integer)
    customisations: Mapped[dict] = mapped_column(JSONType, default=dict)

    # Indicative price shown to the buyer at request time (catalogue lines only).
    indicative_unit_price: Mapped[int | None] = mapped_column(Integer)
    indicative_currency: Mapped[str | None] = mapped_column(String(3))
    moq: Mapped[int | None] = mapped_column(Integer)
    below_moq: Mapped[bool] = mapped_column(Boolean, default=False)

    # Staff answer
    quoted_unit_price: Mapped[int | None] = mapped_column(Integer)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)

    quote: Mapped[Quote] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()

    @property
    def is_custom(self) -> bool:
        return self.sku is None

    @property
    def quoted_line_total(self) -> int | None:
        if self.quoted_unit_price is None:
            return None
        return self.quoted_unit_price * self.quantity


class QuoteEvent(Base):
    """One change to a quote: who did what, when, and the status move if any."""

    __tablename__ = "quote_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))  # "buyer:<email>", "staff:<who>", "system:<job>"
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[QuoteStatus | None] = mapped_column(StrEnumType(QuoteStatus, 16))
    to_status: Mapped[QuoteStatus | None] = mapped_column(StrEnumType(QuoteStatus, 16))
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)

    quote: Mapped[Quote] = relationship(back_populates="events")


class QuoteMessage(Base):
    """A message on a quote: between buyer and staff, or an internal staff note."""

    __tablename__ = "quote_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author: Mapped[str] = mapped_column(String(200))
    from_buyer: Mapped[bool] = mapped_column(Boolean, default=False)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # never shown to the buyer
    body: Mapped[str] = mapped_column(Text)

    quote: Mapped[Quote] = relationship(back_populates="messages")


class QuoteAttachment(Base):
    """A file the buyer sent (logo or spec); bytes live under UPLOAD_DIR, never in the web root."""

    __tablename__ = "quote_attachments"
    __table_args__ = (CheckConstraint("size_bytes > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)  # random; the file name on disk
    filename: Mapped[str] = mapped_column(String(200))  # sanitised name the buyer gave
    content_type: Mapped[str] = mapped_column(String(64))  # detected from the bytes, not the client
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    quote: Mapped[Quote] = relationship(back_populates="attachments")


class QuoteSequence(Base):
    """Per-year counter behind quote references; incremented with a single UPDATE."""

    __tablename__ = "quote_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
