"""Orders, their line snapshots, stock reservations, status history and refunds."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow
from storefront.orders.states import OrderStatus


class Channel(enum.StrEnum):
    WEB = "web"  # the checkout pages
    API = "api"  # POST /api/v1/orders
    QUOTE = "quote"  # an accepted OEM / practitioner quote paid through checkout


class RefundStatus(enum.StrEnum):
    REQUESTED = "requested"  # recorded before Stripe is asked (write-ahead)
    SUBMITTED = "submitted"  # Stripe accepted it; waiting for charge.refunded
    SUCCEEDED = "succeeded"  # confirmed by Stripe's webhook (or a sync)
    FAILED = "failed"  # Stripe refused it


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total_amount >= 0", name="total_non_negative"),
        CheckConstraint("amount_paid >= 0", name="paid_non_negative"),
        CheckConstraint("amount_refunded >= 0 AND amount_refunded <= amount_paid",
                        name="refund_within_paid"),
        Index("ix_orders_status_expiry", "status", "reservation_expires_at"),
        Index("ix_orders_client_status", "client_ref", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unguessable token shown in URLs; the database id never leaves the server.
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    # Human order number (#10042) for people and support; sequential, never a key in URLs.
    number: Mapped[int | None] = mapped_column(Integer, unique=True, index=True)
    status: Mapped[OrderStatus] = mapped_column(
        StrEnumType(OrderStatus, 32), default=OrderStatus.PENDING_PAYMENT)
    channel: Mapped[Channel] = mapped_column(StrEnumType(Channel, 16), default=Channel.WEB)
    email: Mapped[str] = mapped_column(String(320))
    shipping_address: Mapped[dict | None] = mapped_column(JSONType)

    currency: Mapped[str] = mapped_column(String(3))
    subtotal_amount: Mapped[int] = mapped_column(Integer)
    shipping_amount: Mapped[int] = mapped_column(Integer, default=0)
    discount_amount: Mapped[int] = mapped_column(Integer, default=0)
    tax_amount: Mapped[int] = mapped_column(Integer, default=0)
    # True when the prices include the tax (EU / UK VAT): then it is not added to the total.
    tax_included: Mapped[bool] = mapped_column(Boolean, default=False)
    tax_lines: Mapped[list] = mapped_column(JSONType, default=list)  # [{name, rate, amount}]
    # total = subtotal - discount + shipping + (tax unless included); quote orders may differ.
    total_amount: Mapped[int] = mapped_column(Integer)
    amount_paid: Mapped[int] = mapped_column(Integer, default=0)
    amount_refunded: Mapped[int] = mapped_column(Integer, default=0)

    shipping_method: Mapped[str | None] = mapped_column(String(40))  # "standard", "express"
    shipping_method_name: Mapped[str | None] = mapped_column(String(120))
    promotion_code: Mapped[str | None] = mapped_column(String(40), index=True)

    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    charge_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_status: Mapped[str | None] = mapped_column(String(40))  # last PaymentIntent status seen
    payment_error: Mapped[str | None] = mapped_column(String(500))

    precautions_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The precautions text the buyer acknowledged, per SKU, as shown at checkout.
    precautions_snapshot: Mapped[list] = mapped_column(JSONType, default=list)

    # A client's Idempotency-Key (namespaced) so a retried request finds this order.
    idempotency_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))

    quote_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    quote_payment: Mapped[str | None] = mapped_column(String(16))  # deposit | full | balance

    # Who placed it (a keyed hash of the client address): caps unpaid orders per client.
    client_ref: Mapped[str | None] = mapped_column(String(64))
    # Something staff must look at (amount mismatch, a payment after release, ...).
    attention: Mapped[str | None] = mapped_column(Text)

    reservation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.position")
    reservations: Mapped[list[StockReservation]] = relationship(
        back_populates="order", cascade="all, delete-orphan")
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id")
    refunds: Mapped[list[OrderRefund]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderRefund.id")

    @property
    def refundable_amount(self) -> int:
        """What is left to refund, counting refunds Stripe has not confirmed yet."""
        pending = sum(r.amount for r in self.refunds
                      if r.status in (RefundStatus.REQUESTED, RefundStatus.SUBMITTED))
        return max(0, self.amount_paid - self.amount_refunded - pending)

    @property
    def display_number(self) -> str:
        """``#10042`` (the token for the rare order made before numbers existed)."""
        return f"#{self.number}" if self.number is not None else self.public_id

    @property
    def shipping_figures(self) -> dict:
        return {"method": self.shipping_method, "name": self.shipping_method_name,
                "amount": self.shipping_amount}

    @property
    def tax_figures(self) -> dict:
        return {"amount": self.tax_amount, "included": self.tax_included,
                "lines": list(self.tax_lines or [])}

    @property
    def discount_figures(self) -> dict:
        return {"code": self.promotion_code, "amount": self.discount_amount}

    def __repr__(self) -> str:
        return f"<Order {self.public_id} {self.status}>"


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_non_negative"),
        CheckConstraint("restocked_quantity >= 0 AND restocked_quantity <= quantity",
                        name="restock_within_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # Snapshot: the product may change or be archived later; the order keeps what was sold.
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True)
    sku: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    unit_price: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total: Mapped[int] = mapped_column(Integer)
    discount_amount: Mapped[int] = mapped_column(Integer, default=0)  # this line's share
    tax_amount: Mapped[int] = mapped_column(Integer, default=0)  # rounded per line
    # Units staff put back on the shelf after a refund (never more than were sold).
    restocked_quantity: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderNumberCounter(Base):
    """The last order number handed out (SQLite; PostgreSQL uses the order_number_seq sequence)."""

    __tablename__ = "order_number_counter"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class StockReservation(Base):
    __tablename__ = "stock_reservations"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set once the units went back on the shelf; a paid order's reservation is never released.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship(back_populates="reservations")


class OrderEvent(Base):
    """One status change (or notable fact) in an order's life, for audit and support."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(300), default="")
    source: Mapped[str] = mapped_column(String(120), default="")  # "webhook:evt_…", "cli", …
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")


class OrderRefund(Base):
    __tablename__ = "order_refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[RefundStatus] = mapped_column(
        StrEnumType(RefundStatus, 16), default=RefundStatus.REQUESTED)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    # What the refund covers, as chosen by staff: [{"line_id", "sku", "quantity", "amount"}]
    # and {"shipping": true, "amount"} (empty for an amount typed by hand).
    lines: Mapped[list] = mapped_column(JSONType, default=list)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="refunds")
