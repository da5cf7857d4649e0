"""Staff order work: find orders, refund through the checkout's refund service, ship.

The order and refund rules live in ``orders`` / ``checkout.refunds``; this module adds
the audit trail around them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront import money
from storefront.errors import ValidationError
from storefront.orders.models import Order, OrderRefund
from storefront.staff.audit import record
from storefront.staff.models import StaffUser


def list_orders(session: Session, *, status: str = "", q: str = "", page: int = 1,
                per_page: int = 50) -> tuple[list[Order], int]:
    """A page of orders, newest first, and the total matching."""
    stmt = select(Order)
    if status:
        stmt = stmt.where(Order.status == status)
    if q:
        term = q.strip().lower()
        stmt = stmt.where(or_(func.lower(Order.email) == term, Order.public_id == q.strip(),
                              Order.quote_ref == q.strip()))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Order.created_at.desc(), Order.id.desc())
                           .limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def get_order(session: Session, public_id: str) -> Order | None:
    """An order with its lines, refunds and history."""
    return session.scalar(
        select(Order).where(Order.public_id == public_id)
        .options(selectinload(Order.lines), selectinload(Order.refunds), selectinload(Order.events)))


def parse_amount(text: str, currency: str) -> int | None:
    """Turn "12.50" into minor units for ``currency``; blank means "everything left"."""
    if not (text or "").strip():
        return None
    try:
        return money.parse_major(text, currency)
    except ValueError as exc:
        raise ValidationError("invalid amount", errors={"amount": [str(exc)]}) from None


def snapshot(order: Order) -> dict[str, Any]:
    """What the audit log stores about an order before / after a staff action."""
    return {"status": str(order.status), "amount_paid": order.amount_paid,
            "amount_refunded": order.amount_refunded, "refundable": order.refundable_amount}


def parse_restock(form, order: Order) -> dict[int, int]:
    """``restock-<line id>`` fields: how many units of each line go back on the shelf."""
    out: dict[int, int] = {}
    for line in order.lines:
        raw = (form.get(f"restock-{line.id}") or "").strip()
        if not raw:
            continue
        if not raw.isdigit() or len(raw) > 4:
            raise ValidationError("invalid quantity", errors={f"restock-{line.id}": ["A whole number."]})
        if int(raw):
            out[line.id] = int(raw)
    return out


def restock(session: Session, actor: StaffUser, order: Order, quantities: dict[int, int], *,
            ip: str | None = None) -> int:
    """Put refunded units back on the shelf, audited."""
    from storefront.orders import service

    units = service.restock(session, order, quantities, source=f"staff:{actor.email}")
    record(session, actor, "order.restock", "order", order.public_id,
           after={"lines": {str(k): v for k, v in quantities.items()}, "units": units}, ip=ip)
    session.flush()
    return units


def refund(session: Session, gateway, actor: StaffUser, order: Order, *, amount: int | None,
           reason: str = "", ip: str | None = None) -> OrderRefund:
    """Refund through the checkout's refund service, audited (that service commits)."""
    from storefront.checkout import refunds

    before = snapshot(order)
    requested = order.refundable_amount if amount is None else amount
    # Added now so it is committed with the refund request itself (write-ahead, like it).
    record(session, actor, "order.refund_requested", "order", order.public_id, before=before,
           after={"amount": requested, "currency": order.currency, "reason": reason[:300]},
           ip=ip)
    result = refunds.request_refund(session, gateway, order.public_id, amount=amount,
                                    actor=f"staff:{actor.email}", reason=reason)
    record(session, actor, f"order.refund_{result.status.value}", "order", order.public_id,
           after={"refund_id": result.id, "stripe_refund_id": result.stripe_refund_id,
                  "amount": result.amount, "status": result.status.value}, ip=ip)
    session.flush()
    return result


def record_refund_failure(session: Session, actor: StaffUser, order: Order, message: str, *,
                          ip: str | None = None) -> None:
    """Note in the audit log that Stripe refused or could not be reached."""
    record(session, actor, "order.refund_error", "order", order.public_id,
           after={"error": message[:300]}, ip=ip)
    session.flush()


def fulfil(session: Session, actor: StaffUser, order: Order, *, ip: str | None = None) -> None:
    """Mark a paid order shipped, audited."""
    from storefront.orders import service

    before = snapshot(order)
    service.fulfil(session, order, actor=f"staff:{actor.email}")
    record(session, actor, "order.fulfil", "order", order.public_id, before=before,
           after=snapshot(order), ip=ip)
    session.flush()

