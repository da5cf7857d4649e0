"""Refunds by staff: recorded first, sent to Stripe, confirmed by the charge.refunded webhook.

When no webhook comes (localstripe never sends ``charge.refunded``; a delivery was lost),
``refresh_from_stripe`` reads the PaymentIntent, its Charge and each Refund from Stripe and
applies what they say through the same code the webhook uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.checkout.settings import CheckoutSettings
from storefront.errors import Conflict, ValidationError
from storefront.money import format_money
from storefront.orders import service as orders
from storefront.orders.models import OrderRefund, RefundStatus
from storefront.orders.states import REFUNDABLE
from storefront.payments.gateway import PaymentRejected, PaymentsUnavailable, StripeGateway


class NotRefundable(Conflict):
    code = "not_refundable"


def refund_key(refund: OrderRefund) -> str:
    """The deterministic Stripe idempotency key of one refund request."""
    return f"storefront:refund:{refund.id}"


def request_refund(session: Session, gateway: StripeGateway, public_id: str, *,
                   amount: int | None = None, actor: str = "", reason: str = "",
                   lines: list[dict] | None = None) -> OrderRefund:
    """Refund ``amount`` minor units (default: all that is left) of a paid order (commits).

    The request is stored before Stripe is called, so a crash in between leaves a
    ``requested`` row that ``resume_refund`` sends again under the same idempotency key.
    The order's status changes only when Stripe's charge.refunded webhook arrives.
    """
    order = orders.get_order(session, public_id, lock=True)
    if order.status not in REFUNDABLE or not order.payment_intent_id:
        raise NotRefundable(f"Order {public_id} is {order.status}; there is no payment to refund.")
    if any(r.status == RefundStatus.REQUESTED for r in order.refunds):
        raise NotRefundable("A refund for this order was requested but not sent to Stripe yet; "
                            "resume it first.", code="refund_in_progress")
    left = order.refundable_amount
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise ValidationError(f"The refund must be between 1 and {left} minor units.",
                              errors={"amount": [f"Must be between 1 and {left}."]})
    refund = OrderRefund(order_id=order.id, amount=amount, currency=order.currency,
                         status=RefundStatus.REQUESTED, reason=reason[:300], requested_by=actor[:200],
                         lines=list(lines or []))
    session.add(refund)
    orders.note(session, order, f"refund of {format_money(amount, order.currency)} requested",
                source=actor)
    session.commit()
    return submit_refund(session, gateway, refund.id)


def submit_refund(session: Session, gateway: StripeGateway, refund_id: int) -> OrderRefund:
    """Send a recorded refund request to Stripe (safe to repeat: same idempotency key)."""
    refund = session.get(OrderRefund, refund_id)
    if refund is None or refund.status != RefundStatus.REQUESTED:
        raise NotRefundable("No refund request is waiting to be sent.")
    order = refund.order
    session.commit()
    try:
        data = gateway.create_refund(payment_intent=order.payment_intent_id, amount=refund.amount,
                                     metadata={"order_id": order.public_id, "refund": str(refund.id)},
                                     idempotency_key=refund_key(refund))
    except PaymentRejected as exc:
        refund = session.get(OrderRefund, refund_id)
        refund.status = RefundStatus.FAILED
        refund.error = exc.message[:500]
        session.commit()
        raise
    except PaymentsUnavailable:
        session.rollback()
        raise  # stays "requested": resume it later
    refund = session.get(OrderRefund, refund_id)
    refund.stripe_refund_id = data["id"]
    refund.status = (RefundStatus.FAILED if data.get("status") in ("failed", "canceled")
                     else RefundStatus.SUBMITTED)
    session.commit()
    return refund


def resume_refund(session: Session, gateway: StripeGateway, public_id: str) -> OrderRefund:
    """Send the order's pending (requested, never sent) refund request again."""
    order = orders.get_order(session, public_id)
    pending = session.scalar(select(OrderRefund).where(
        OrderRefund.order_id == order.id, OrderRefund.status == RefundStatus.REQUESTED))
    if pending is None:
        raise NotRefundable("This order has no refund waiting to be sent.")
    return submit_refund(session, gateway, pending.id)


@dataclass
class Refreshed:
    """What a refresh from Stripe found."""

    payment: str  # sync_order's outcome ("partially_refunded", "already_paid", ...)
    confirmed: int = 0  # refunds now confirmed
    failed: int = 0  # refunds Stripe reports failed or cancelled
    waiting: int = 0  # refunds Stripe still processes


def refresh_from_stripe(session: Session, gateway: StripeGateway, settings: CheckoutSettings,
                        public_id: str, *, source: str = "refresh") -> Refreshed:
    """Read the order's PaymentIntent, Charge and Refunds from Stripe and apply them (commits).

    The charge's ``amount_refunded`` moves the order (partially_refunded / refunded) exactly
    as a ``charge.refunded`` webhook would; a Refund that Stripe reports failed or cancelled
    is marked failed, so its amount can be refunded again.
    """
    from storefront.checkout.flow import sync_order

    before = {r.id: r.status for r in orders.get_order(session, public_id).refunds}
    outcome = sync_order(session, gateway, settings, public_id, source=source)
    order = orders.get_order(session, public_id)
    sent = [(r.id, r.stripe_refund_id) for r in order.refunds
            if r.status == RefundStatus.SUBMITTED and r.stripe_refund_id]
    session.commit()
    result = Refreshed(outcome)
    for refund_id, stripe_id in sent:
        data = gateway.retrieve_refund(stripe_id)  # outside any transaction
        status = data.get("status")
        if status not in ("failed", "canceled"):
            result.waiting += status != "succeeded"
            continue
        order = orders.get_order(session, public_id, lock=True)
        row = session.get(OrderRefund, refund_id)
        if row is not None and row.status == RefundStatus.SUBMITTED:
            row.status = RefundStatus.FAILED
            row.error = str(data.get("failure_reason") or f"Stripe reports the refund {status}")[:500]
            orders.note(session, order, f"refund of {format_money(row.amount, row.currency)} "
                        f"{status} at Stripe", source=source, attention=True)
            result.failed += 1
        session.commit()
    order = orders.get_order(session, public_id)
    result.confirmed = sum(1 for r in order.refunds if r.status == RefundStatus.SUCCEEDED
                           and before.get(r.id) != RefundStatus.SUCCEEDED)
    waiting_rows = sum(1 for r in order.refunds if r.status == RefundStatus.SUBMITTED)
    result.waiting = max(result.waiting, waiting_rows)
    session.commit()
    return result
