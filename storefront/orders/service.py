"""Order services: create with reserved stock, look up, move through the state machine."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from storefront.catalog.models import Product, Status
from storefront.db import utcnow
from storefront.errors import Conflict, NotFound
from storefront.orders.models import (
    Channel,
    Order,
    OrderEvent,
    OrderLine,
    OrderNumberCounter,
    StockReservation,
)
from storefront.orders.states import CAPTURED, RELEASED, OrderStatus, can_transition
from storefront.promotions import service as promotions


class OutOfStock(Conflict):
    code = "out_of_stock"


class IllegalTransition(Conflict):
    code = "illegal_transition"


@dataclass(frozen=True)
class LineSpec:
    """One line to sell: ``product_id`` None for free-form (quote) lines that reserve nothing."""

    sku: str | None
    name: str
    unit_price: int
    quantity: int
    product_id: int | None = None
    path: str = ""  # field path of the request item, for error messages
    discount_amount: int = 0  # this line's share of a promotion
    tax_amount: int = 0  # tax on this line, rounded per line

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


def next_number(session: Session) -> int:
    """The next human order number (10001, 10002, ...), unique however many buyers race.

    PostgreSQL hands it out from a sequence (no lock held); SQLite increments a counter row,
    whose UPDATE takes the database's write lock until the order commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        return int(session.execute(text("SELECT nextval('order_number_seq')")).scalar_one())
    return int(session.execute(
        update(OrderNumberCounter).where(OrderNumberCounter.id == 1)
        .values(last_value=OrderNumberCounter.last_value + 1)
        .returning(OrderNumberCounter.last_value)).scalar_one())


def format_number(number: int | None) -> str:
    """``10042`` -> ``"#10042"``."""
    return f"#{number}" if number is not None else ""


def new_public_id(request_key: str | None = None, secret: str = "") -> str:
    """An unguessable order id; derived from the request key when there is one, so retries agree."""
    if request_key and secret:
        digest = hmac.new(secret.encode(), f"order:{request_key}".encode(), hashlib.sha256).digest()
    else:
        digest = secrets.token_bytes(20)
    return base64.b32encode(digest[:15]).decode().lower()


def fingerprint(payload: Any) -> str:
    """A stable hash of a request body, to refuse an idempotency key reused for another request."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _order_query():
    return select(Order).options(selectinload(Order.lines), selectinload(Order.refunds))


PUBLIC_ID_RE = re.compile(r"^[a-z0-9]{8,40}\Z")


def find_order(session: Session, public_id: str, *, lock: bool = False,
               related: bool = True) -> Order | None:
    """The order with this public id (row-locked when ``lock``), lines and refunds loaded.

    ``related=False`` loads the order row alone (one statement instead of three), for callers
    that only read its own columns; lines and refunds then load if touched.
    """
    if not isinstance(public_id, str) or not PUBLIC_ID_RE.match(public_id):
        return None  # not an id we could have issued; no need to ask the database
    stmt = (_order_query() if related else select(Order)).where(Order.public_id == public_id)
    if lock:
        stmt = stmt.with_for_update(of=Order).execution_options(populate_existing=True)
    return session.scalar(stmt)


def get_order(session: Session, public_id: str, *, lock: bool = False,
              related: bool = True) -> Order:
    """Like ``find_order`` but a missing order is a 404."""
    order = find_order(session, public_id, lock=lock, related=related)
    if order is None:
        raise NotFound("No such order.")
    return order


def find_by_idempotency_key(session: Session, key: str) -> Order | None:
    """The order a previous request with this idempotency key created, if any."""
    return session.scalar(_order_query().where(Order.idempotency_key == key))


def find_by_intent(session: Session, intent_id: str, order_ref: str | None = None, *,
                   lock: bool = False) -> Order | None:
    """The order paid by a PaymentIntent (by intent id, else by the order id in its metadata)."""
    # Lines come in the same statement (an order has a handful; the emails list them).
    stmt = (select(Order).options(joinedload(Order.lines))
            .where(Order.payment_intent_id == intent_id))
    if lock:
        stmt = stmt.with_for_update(of=Order).execution_options(populate_existing=True)
    order = session.scalars(stmt).unique().first()
    if order is None and order_ref:
        order = find_order(session, order_ref, lock=lock)
        if order is not None and order.payment_intent_id not in (None, intent_id):
            return None  # the metadata names an order paid by another intent: not ours
    return order


def reserve_stock(session: Session, specs: list[LineSpec]) -> None:
    """Take units off the shelf with conditional UPDATEs in product-id order; all or nothing."""
    wanted: dict[int, LineSpec] = {}
    for spec in specs:
        if spec.product_id is not None:
            prev = wanted.get(spec.product_id)
            qty = spec.quantity + (prev.quantity if prev else 0)
            wanted[spec.product_id] = LineSpec(spec.sku, spec.name, spec.unit_price, qty,
                                               spec.product_id, spec.path)
    # A fixed order means two buyers of the same products never wait on each other in a cycle.
    for product_id in sorted(wanted):
        spec = wanted[product_id]
        res = session.execute(
            update(Product)
            .where(Product.id == product_id, Product.stock >= spec.quantity,
                   Product.status == Status.PUBLISHED)
            .values(stock=Product.stock - spec.quantity, updated_at=Product.updated_at)
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:
            errors = {spec.path: ["Not enough stock left."]} if spec.path else {}
            raise OutOfStock(f"{spec.sku} is out of stock (or has fewer units left than requested).",
                             errors=errors)


def release_stock(session: Session, order: Order) -> int:
    """Put an order's reserved units back; each reservation is released at most once."""
    rows = session.scalars(
        select(StockReservation)
        .where(StockReservation.order_id == order.id, StockReservation.released_at.is_(None))
        .order_by(StockReservation.product_id)
    ).all()
    released = 0
    now = utcnow()
    for row in rows:
        res = session.execute(
            update(StockReservation)
            .where(StockReservation.id == row.id, StockReservation.released_at.is_(None))
            .values(released_at=now).execution_options(synchronize_session=False))
        if res.rowcount == 1:
            session.execute(
                update(Product).where(Product.id == row.product_id)
                .values(stock=Product.stock + row.quantity, updated_at=Product.updated_at)
                .execution_options(synchronize_session=False))
            set_committed_value(row, "released_at", now)
            released += row.quantity
    return released


def rereserve_stock(session: Session, order: Order) -> bool:
    """Reserve a released order's units again (a late payment); False when they are gone."""
    specs = [LineSpec(line.sku, line.name, line.unit_price, line.quantity, line.product_id)
             for line in order.lines if line.product_id is not None]
    try:
        with session.begin_nested():
            reserve_stock(session, specs)
    except OutOfStock:
        return False
    for spec in specs:
        session.add(StockReservation(order_id=order.id, product_id=spec.product_id,
                                     quantity=spec.quantity))
    return True


def create_order(session: Session, *, public_id: str, lines: list[LineSpec], email: str,
                 currency: str, total_amount: int, channel: Channel,
                 shipping_address: dict | None = None, payment_intent_id: str | None = None,
                 precautions: list[dict] | None = None, acknowledged_at: datetime | None = None,
                 idempotency_key: str | None = None, request_fingerprint: str | None = None,
                 expires_at: datetime | None = None, quote_ref: str | None = None,
                 quote_payment: str | None = None, source: str = "",
                 shipping_amount: int = 0, shipping_method: str | None = None,
                 shipping_method_name: str | None = None, discount_amount: int = 0,
                 tax_amount: int = 0, tax_included: bool = False,
                 tax_lines: list[dict] | None = None, promotion_code: str | None = None,
                 client_ref: str | None = None) -> Order:
    """Reserve stock, then insert the order with its line snapshots; raises OutOfStock."""
    # The conditional UPDATEs come first: on SQLite the transaction takes the write lock at
    # its first statement and never has to upgrade a stale read snapshot.
    reserve_stock(session, lines)
    subtotal = sum(spec.line_total for spec in lines)
    order = Order(
        public_id=public_id, number=next_number(session), status=OrderStatus.PENDING_PAYMENT,
        channel=channel, email=email,
        shipping_address=shipping_address, currency=currency.upper(), subtotal_amount=subtotal,
        shipping_amount=shipping_amount, shipping_method=shipping_method,
        shipping_method_name=shipping_method_name, discount_amount=discount_amount,
        tax_amount=tax_amount, tax_included=tax_included, tax_lines=tax_lines or [],
        promotion_code=promotion_code,
        total_amount=total_amount, amount_paid=0, amount_refunded=0,
        payment_intent_id=payment_intent_id, precautions_snapshot=precautions or [],
        precautions_acknowledged_at=acknowledged_at, idempotency_key=idempotency_key,
        request_fingerprint=request_fingerprint, reservation_expires_at=expires_at,
        quote_ref=quote_ref, quote_payment=quote_payment, client_ref=client_ref,
    )
    order.lines = [
        OrderLine(position=i, product_id=spec.product_id, sku=spec.sku, name=spec.name,
                  unit_price=spec.unit_price, quantity=spec.quantity, line_total=spec.line_total,
                  discount_amount=spec.discount_amount, tax_amount=spec.tax_amount,
                  restocked_quantity=0)
        for i, spec in enumerate(lines)
    ]
    wanted: dict[int, int] = {}
    for spec in lines:
        if spec.product_id is not None:
            wanted[spec.product_id] = wanted.get(spec.product_id, 0) + spec.quantity
    order.reservations = [StockReservation(product_id=pid, quantity=qty)
                          for pid, qty in sorted(wanted.items())]
    order.events = [OrderEvent(from_status=None, to_status=OrderStatus.PENDING_PAYMENT.value,
                               reason="order created", source=source)]
    session.add(order)
    session.flush()
    return order


def transition(session: Session, order: Order, target: OrderStatus, *, reason: str = "",
               source: str = "", changes: dict[str, Any] | None = None) -> bool:
    """Move an order to ``target`` (with column ``changes``) if allowed and nobody moved it first.

    The UPDATE is conditional on the status we saw, so two processes can never both make the
    same move; False means the move was illegal or lost the race (nothing changed).
    """
    current = OrderStatus(order.status)
    if not can_transition(current, target):
        return False
    now = utcnow()
    values: dict[str, Any] = {**(changes or {}), "status": target, "updated_at": now}
    res = session.execute(
        update(Order).where(Order.id == order.id, Order.status == current)
        .values(**values).execution_options(synchronize_session=False))
    if res.rowcount != 1:
        session.refresh(order)
        return False
    for key, value in values.items():
        set_committed_value(order, key, value)
    session.add(OrderEvent(order_id=order.id, from_status=current.value, to_status=target.value,
                           reason=reason[:300], source=source[:120]))
    return True


def require_transition(session: Session, order: Order, target: OrderStatus, *, reason: str = "",
                       source: str = "") -> None:
    """``transition`` for staff actions: an illegal move is a 409 instead of a no-op."""
    if not transition(session, order, target, reason=reason, source=source):
        raise IllegalTransition(f"Order {order.public_id} cannot move from {order.status} to {target}.")


def note(session: Session, order: Order, reason: str, *, source: str = "",
         attention: bool = False) -> None:
    """Record a fact in the order's history; ``attention`` also flags it for staff."""
    session.add(OrderEvent(order_id=order.id, from_status=order.status.value,
                           to_status=order.status.value, reason=reason[:300], source=source[:120]))
    if attention:
        order.attention = ((order.attention + "\n") if order.attention else "") + reason


def fail_released(session: Session, order: Order, target: OrderStatus, *, reason: str,
                  source: str = "") -> bool:
    """Move a pending order to failed / cancelled / expired; put its stock and promotion back."""
    if target not in RELEASED:
        raise ValueError(f"{target} is not a releasing status")
    if not transition(session, order, target, reason=reason, source=source):
        return False
    release_stock(session, order)
    if order.promotion_code:
        promotions.release(session, order.id)
    return True


def fulfil(session: Session, order: Order, *, actor: str = "") -> None:
    """Mark a paid order as shipped (staff action)."""
    require_transition(session, order, OrderStatus.FULFILLED, reason="shipped", source=actor)
    order.fulfilled_at = utcnow()


def cancel(session: Session, order: Order, *, actor: str = "", reason: str = "cancelled") -> None:
    """Cancel an unpaid order and release its stock (the caller cancels the PaymentIntent first)."""
    if not fail_released(session, order, OrderStatus.CANCELLED, reason=reason, source=actor):
        raise IllegalTransition(f"Order {order.public_id} is {order.status}; only unpaid orders can be cancelled.")


def due_for_expiry(session: Session, *, now: datetime | None = None, limit: int = 100,
                   product_ids: list[int] | None = None) -> list[str]:
    """Public ids of pending orders whose reservation has run out (oldest first).

    Orders flagged for staff attention (a PaymentIntent Stripe does not know, a charge that
    needs a look) are left alone: staff decide, expiry never releases them silently.
    """
    stmt = (select(Order.public_id)
            .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.attention.is_(None),
                   Order.reservation_expires_at <= (now or utcnow()))
            .order_by(Order.reservation_expires_at).limit(limit))
    if product_ids:
        stmt = stmt.where(Order.id.in_(
            select(StockReservation.order_id).where(StockReservation.product_id.in_(product_ids),
                                                    StockReservation.released_at.is_(None))))
    return list(session.scalars(stmt))


def count_unpaid(session: Session, client_ref: str) -> int:
    """Pending orders of one client whose reservation still holds stock."""
    return session.scalar(select(func.count()).select_from(Order).where(
        Order.client_ref == client_ref, Order.status == OrderStatus.PENDING_PAYMENT,
        Order.reservation_expires_at > utcnow())) or 0


def due_for_reconcile(session: Session, *, older_than: datetime, limit: int = 500) -> list[str]:
    """Public ids of pending orders with a PaymentIntent created before ``older_than``."""
    return list(session.scalars(
        select(Order.public_id)
        .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.payment_intent_id.is_not(None),
               Order.created_at <= older_than)
        .order_by(Order.id).limit(limit)))


def flag(session: Session, order: Order, reason: str, *, source: str = "") -> bool:
    """Flag an order for staff attention once per reason; True when newly flagged."""
    if order.attention and reason in order.attention:
        return False
    note(session, order, reason, source=source, attention=True)
    return True


def paid_for_quote(session: Session, quote_ref: str, payment: str) -> int:
    """Money kept from the quote's ``payment`` orders: paid minus refunded, captured orders only."""
    return int(session.scalar(
        select(func.coalesce(func.sum(Order.amount_paid - Order.amount_refunded), 0))
        .where(Order.quote_ref == quote_ref, Order.quote_payment == payment,
               Order.status.in_(CAPTURED))) or 0)


def latest_quote_order(session: Session, quote_ref: str, payment: str) -> Order | None:
    """The newest order made for the quote's ``payment`` kind (deposit, full or balance)."""
    return session.scalar(select(Order).where(Order.quote_ref == quote_ref,
                                              Order.quote_payment == payment)
                          .order_by(Order.id.desc()).limit(1))


def check_restock(order: Order, quantities: dict[int, int]) -> None:
    """422 unless every quantity can go back (checked before a refund is sent)."""
    from storefront.errors import ValidationError

    lines = {line.id: line for line in order.lines}
    errors: dict[str, list[str]] = {}
    for line_id, qty in quantities.items():
        line = lines.get(line_id)
        if line is None or line.product_id is None:
            errors[f"restock-{line_id}"] = ["Not a line of this order that holds stock."]
        elif qty < 0 or qty > line.quantity - line.restocked_quantity:
            errors[f"restock-{line_id}"] = [
                f"Between 0 and {line.quantity - line.restocked_quantity}."]
    if errors:
        raise ValidationError("Cannot put those quantities back.", errors=errors)
    if quantities and order.status not in CAPTURED:
        raise IllegalTransition("Only a paid order's units can be put back after a refund.")


def restock(session: Session, order: Order, quantities: dict[int, int], *, source: str = "") -> int:
    """Put refunded units back on the shelf, per line (staff choose which and how many).

    Each line's ``restocked_quantity`` only grows, and never beyond what was sold (a
    conditional UPDATE, so two staff pressing at once cannot restock twice). Returns units.
    """
    check_restock(order, quantities)
    lines = {line.id: line for line in order.lines}
    total = 0
    for line_id in sorted(quantities):
        qty, line = quantities[line_id], lines[line_id]
        if qty == 0:
            continue
        res = session.execute(
            update(OrderLine).where(OrderLine.id == line_id,
                                    OrderLine.restocked_quantity + qty <= OrderLine.quantity)
            .values(restocked_quantity=OrderLine.restocked_quantity + qty)
            .execution_options(synchronize_session=False))
        if res.rowcount != 1:
            raise Conflict(f"{line.sku}: those units were already put back.", code="already_restocked")
        session.execute(update(Product).where(Product.id == line.product_id)
                        .values(stock=Product.stock + qty, updated_at=Product.updated_at)
                        .execution_options(synchronize_session=False))
        set_committed_value(line, "restocked_quantity", line.restocked_quantity + qty)
        note(session, order, f"put back {qty} x {line.sku} after a refund", source=source)
        total += qty
    return total
