"""Staff order work: find orders, refund through the checkout's refund service, ship.

The order and refund rules live in ``orders`` / ``checkout.refunds``; this module adds
the audit trail around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from storefront import money
from storefront.errors import ValidationError
from storefront.orders import refund_lines
from storefront.orders.models import Order, OrderRefund, RefundStatus
from storefront.staff.audit import record
from storefront.staff.models import StaffUser


def list_orders(session: Session, *, status: str = "", q: str = "", refund_pending: bool = False,
                attention: bool = False, page: int = 1, per_page: int = 50) -> tuple[list[Order], int]:
    """A page of orders, newest first, and the total matching."""
    stmt = select(Order)
    if status:
        stmt = stmt.where(Order.status == status)
    if refund_pending:
        stmt = stmt.where(Order.id.in_(select(OrderRefund.order_id).where(
            OrderRefund.status.in_((RefundStatus.REQUESTED, RefundStatus.SUBMITTED)))))
    if attention:
        stmt = stmt.where(Order.attention.is_not(None))
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


@dataclass(frozen=True)
class RefundPlan:
    """A refund as staff chose it, priced on the server: what the confirmation shows."""

    amount: int
    selection: refund_lines.RefundSelection
    typed: bool  # the amount was typed by hand rather than added up from the lines

    @property
    def lines(self) -> list[dict]:
        return self.selection.to_json()


def plan_refund(order: Order, form) -> RefundPlan:
    """Read the refund form: chosen units (``qty-<line>``), ``shipping``, or a typed amount.

    A typed amount wins over the lines' sum (the lines then only say what it covers); with
    neither, the refund is everything left. Never more than is left to refund.
    """
    quantities = refund_lines.parse_quantities(form, order)
    selection = refund_lines.select(order, quantities, shipping=form.get("shipping") == "1")
    typed = parse_amount(form.get("amount", ""), order.currency)
    left = order.refundable_amount
    if typed is not None:
        amount = typed
    elif selection.lines or selection.shipping:
        amount = selection.amount
    else:
        amount = left
        # "Everything left": name the units and shipping it covers when they add up to it.
        rest = refund_lines.select(order, {k: v for k, v in refund_lines.refundable_units(order).items() if v},
                                   shipping=refund_lines.shipping_charged(order) > 0
                                   and not refund_lines.shipping_refunded(order))
        if rest.amount == left:
            selection = rest
    if amount <= 0 or amount > left:
        limit = money.format_money(left, order.currency)
        raise ValidationError(f"A refund must be more than nothing and at most {limit}, what is "
                              "left to refund.",
                              errors={"amount": [f"At most {limit} is left to refund."]})
    return RefundPlan(amount, selection, typed is not None)


def refund(session: Session, gateway, actor: StaffUser, order: Order, *, amount: int | None,
           reason: str = "", lines: list[dict] | None = None, ip: str | None = None) -> OrderRefund:
    """Refund through the checkout's refund service, audited (that service commits)."""
    from storefront.checkout import refunds

    before = snapshot(order)
    requested = order.refundable_amount if amount is None else amount
    # Added now so it is committed with the refund request itself (write-ahead, like it).
    record(session, actor, "order.refund_requested", "order", order.public_id, before=before,
           after={"amount": requested, "currency": order.currency, "reason": reason[:300],
                  **({"lines": _line_words(lines)} if lines else {})},
           ip=ip)
    result = refunds.request_refund(session, gateway, order.public_id, amount=amount,
                                    actor=f"staff:{actor.email}", reason=reason, lines=lines)
    record(session, actor, f"order.refund_{result.status.value}", "order", order.public_id,
           after={"refund_id": result.id, "stripe_refund_id": result.stripe_refund_id,
                  "amount": result.amount, "status": result.status.value}, ip=ip)
    session.flush()
    return result


def _line_words(lines: list[dict]) -> list[str]:
    return ["shipping" if item.get("shipping")
            else f"{item.get('quantity')} × {item.get('sku') or item.get('name')}" for item in lines]


def refresh(session: Session, gateway, settings, actor: StaffUser, order: Order, *,
            ip: str | None = None):
    """Read the order's payment and refunds from Stripe and apply them, audited."""
    from storefront.checkout import refunds

    public_id = order.public_id
    before = snapshot(order)
    session.commit()
    result = refunds.refresh_from_stripe(session, gateway, settings, public_id,
                                         source=f"staff:{actor.email}")
    order = get_order(session, public_id)
    after = snapshot(order)
    record(session, actor, "order.refresh", "order", public_id, before=before, after=after, ip=ip,
           note=f"{result.confirmed} refund(s) confirmed, {result.failed} failed, "
                f"{result.waiting} still with Stripe")
    session.flush()
    return result


def resume(session: Session, gateway, actor: StaffUser, order: Order, *,
           ip: str | None = None) -> OrderRefund:
    """Send the order's refund that was recorded but never reached Stripe, audited."""
    from storefront.checkout import refunds

    public_id = order.public_id
    record(session, actor, "order.refund_resumed", "order", public_id, ip=ip)
    session.commit()  # the intent to resend is on record before Stripe is asked
    result = refunds.resume_refund(session, gateway, public_id)
    record(session, actor, f"order.refund_{result.status.value}", "order", public_id,
           after={"refund_id": result.id, "stripe_refund_id": result.stripe_refund_id,
                  "amount": result.amount, "currency": result.currency,
                  "status": result.status.value}, ip=ip)
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

