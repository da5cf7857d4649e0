"""Apply what Stripe reports (webhook events, or a sync) to orders, exactly once and never backwards."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.checkout.settings import CheckoutSettings
from storefront.db import conflict_insert, utcnow
from storefront.money import format_money
from storefront.orders import emails
from storefront.orders import service as orders
from storefront.orders.models import Order, RefundStatus
from storefront.orders.states import CAPTURED, RELEASED, OrderStatus
from storefront.payments.gateway import Intent
from storefront.payments.models import StripeEvent
from storefront.promotions import service as promotions

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    outcome: str
    order_ref: str | None = None
    # A PaymentIntent to cancel once the transaction committed (a failed payment's leftovers).
    cancel_intent: str | None = None


def record_event(session: Session, event: dict[str, Any], outcome: str = "") -> int | None:
    """Insert the event id; None when it was already recorded (by us, or a concurrent delivery).

    The unique index makes a concurrent duplicate wait for the first delivery's transaction:
    if that commits, this one finds the id taken and does nothing. ``outcome`` is stored at
    once when it is known before applying (events never applied).
    """
    values = {"event_id": event["id"][:255], "type": str(event["type"])[:100], "outcome": outcome,
              "received_at": utcnow()}
    insert = conflict_insert(session, StripeEvent)
    if insert is not None:
        stmt = (insert.values(**values)
                .on_conflict_do_nothing(index_elements=["event_id"]).returning(StripeEvent.id))
        return session.execute(stmt).scalar()
    try:
        with session.begin_nested():
            row = StripeEvent(**values)
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row.id


# What each applied event type must carry: the object kind and the statuses it may report.
EXPECTED: dict[str, tuple[str, frozenset[str] | None]] = {
    "payment_intent.succeeded": ("payment_intent", frozenset({"succeeded"})),
    "payment_intent.payment_failed": ("payment_intent",
                                      frozenset({"requires_payment_method", "canceled"})),
    "charge.refunded": ("charge", None),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def shape_problem(event: Any) -> str | None:
    """Why a (signed) event must not be applied, or None when its shape is what we expect."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        return "malformed_event"
    if not isinstance(event.get("type"), str):
        return "malformed_event"
    expected = EXPECTED.get(event["type"])
    if expected is None:
        return None  # not applied anyway
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    kind, statuses = expected
    if not isinstance(obj, dict) or obj.get("object", kind) != kind:
        return "unexpected_shape"
    if not isinstance(obj.get("id"), str) or not obj["id"]:
        return "unexpected_shape"
    for key in ("amount", "amount_received", "amount_refunded"):
        if key in obj and obj[key] is not None and not _is_int(obj[key]):
            return "unexpected_shape"
    if "currency" in obj and not isinstance(obj["currency"], str):
        return "unexpected_shape"
    if not isinstance(obj.get("metadata") or {}, dict):
        return "unexpected_shape"
    if statuses is not None and obj.get("status") not in statuses:
        return "unexpected_status"
    return None


def handle_event(session: Session, event: dict[str, Any], settings: CheckoutSettings) -> Outcome:
    """Record a verified webhook event and apply it in the caller's transaction.

    A signed event with an unexpected shape or status (``payment_intent.succeeded`` saying
    "processing") is acknowledged and recorded, never applied.
    """
    problem = shape_problem(event)
    if problem == "malformed_event":
        log.warning("signed Stripe event without an id or type; acknowledged, not applied")
        return Outcome(problem)
    kind = event["type"]
    if problem is not None or kind not in EXPECTED:
        # Never applied: the row is recorded with its outcome in one statement.
        outcome = problem or "ignored"
        if record_event(session, event, outcome) is None:
            return Outcome("duplicate")
        if problem is not None:
            log.warning("Stripe event %s (%s): %s; recorded, not applied", event["id"],
                        kind, problem)
        return Outcome(outcome)
    row_id = record_event(session, event)
    if row_id is None:
        return Outcome("duplicate")
    obj = event["data"]["object"]
    source = f"webhook:{event['id']}"[:120]
    if kind == "payment_intent.succeeded":
        result = apply_intent_succeeded(session, Intent.from_dict(obj), settings, source=source)
    elif kind == "payment_intent.payment_failed":
        result = apply_intent_failed(session, Intent.from_dict(obj), source=source)
    else:
        result = apply_charge_refunded(session, obj, settings, source=source)
    session.execute(update(StripeEvent).where(StripeEvent.id == row_id)
                    .values(outcome=result.outcome[:60], order_ref=result.order_ref))
    return result


def _mark_paid(session: Session, order: Order, *, amount: int, charge_id: str | None,
               settings: CheckoutSettings, source: str) -> Outcome:
    ref = order.public_id
    paid = {"amount_paid": amount, "charge_id": charge_id or order.charge_id, "paid_at": utcnow(),
            "payment_status": "succeeded", "payment_error": None}
    if order.status == OrderStatus.PENDING_PAYMENT:
        moved = orders.transition(session, order, OrderStatus.PAID, reason="payment confirmed",
                                  source=source, changes=paid)
    elif order.status in RELEASED:
        # The payment landed after the stock went back: sell it again only if it is still there.
        if not orders.rereserve_stock(session, order):
            orders.note(session, order, f"Payment of {format_money(amount, order.currency)} confirmed after the order was "
                        f"{order.status}, and the stock is gone: refund or restock.",
                        source=source, attention=True)
            return Outcome("paid_after_release", ref)
        moved = orders.transition(session, order, OrderStatus.PAID,
                                  reason=f"payment confirmed after the order was {order.status}",
                                  source=source, changes=paid)
    else:
        return Outcome(f"already_{order.status}", ref)
    if not moved:
        return Outcome("unchanged", ref)
    if order.promotion_code and promotions.redeem(session, order.id) == "over_limit":
        orders.note(session, order, f"Paid with code {order.promotion_code} after its hold was "
                    "released, and its last use has gone since: the discount was given but "
                    "not counted.", source=source, attention=True)
    emails.queue_confirmation(session, order, site_url=settings.site_url)
    emails.queue_fulfilment_request(session, order, staff_email=settings.staff_email)
    return Outcome("paid", ref)


def _matches(order: Order, amount: int, currency: str) -> bool:
    return amount == order.total_amount and currency.lower() == order.currency.lower()


def apply_intent_succeeded(session: Session, intent: Intent, settings: CheckoutSettings, *,
                           source: str) -> Outcome:
    """A PaymentIntent succeeded: pay its order once, if the amount and currency are the order's."""
    order = orders.find_by_intent(session, intent.id, intent.metadata.get("order_id"), lock=True)
    if order is None:
        log.warning("payment_intent.succeeded for unknown intent %s", intent.id)
        return Outcome("unknown_order")
    received = intent.amount_received if intent.amount_received is not None else intent.amount
    if not _matches(order, received, intent.currency):
        orders.note(session, order, f"Payment {intent.id} of {format_money(received, intent.currency)} "
                    f"does not match the order total {format_money(order.total_amount, order.currency)}.",
                    source=source, attention=True)
        return Outcome("amount_mismatch", order.public_id)
    if order.payment_intent_id is None:
        order.payment_intent_id = intent.id
    return _mark_paid(session, order, amount=received, charge_id=intent.latest_charge,
                      settings=settings, source=source)


def apply_intent_failed(session: Session, intent: Intent, *, source: str) -> Outcome:
    """A payment attempt failed: a pending order fails and releases its stock; others stay."""
    order = orders.find_by_intent(session, intent.id, intent.metadata.get("order_id"), lock=True)
    if order is None:
        return Outcome("unknown_order")
    if order.status != OrderStatus.PENDING_PAYMENT:
        return Outcome(f"ignored_{order.status}", order.public_id)  # never backwards
    message = intent.last_error or "The payment failed."
    if not orders.fail_released(session, order, OrderStatus.PAYMENT_FAILED, reason=message,
                                source=source):
        return Outcome("unchanged", order.public_id)
    order.payment_status = intent.status or "requires_payment_method"
    order.payment_error = message[:500]
    return Outcome("payment_failed", order.public_id, cancel_intent=intent.id)


def _id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value if isinstance(value, str) else None


def apply_charge_refunded(session: Session, charge: dict[str, Any], settings: CheckoutSettings, *,
                          source: str) -> Outcome:
    """Stripe refunded (part of) a charge: record the cumulative amount, only ever upwards."""
    intent_id = _id(charge.get("payment_intent"))
    order = None
    if intent_id:
        order = orders.find_by_intent(session, intent_id, (charge.get("metadata") or {}).get("order_id"),
                                      lock=True)
    if order is None and charge.get("id"):
        order = session.scalar(select(Order).where(Order.charge_id == charge["id"])
                               .with_for_update().execution_options(populate_existing=True))
    if order is None:
        return Outcome("unknown_order")
    ref = order.public_id
    currency = str(charge.get("currency") or "")
    if currency.lower() != order.currency.lower():
        orders.note(session, order, f"Refund on charge {charge.get('id')} in {currency.upper()} "
                    f"does not match the order currency {order.currency}.", source=source,
                    attention=True)
        return Outcome("currency_mismatch", ref)
    if order.status not in CAPTURED:
        # The refund overtook the payment event; the charge itself proves the payment.
        captured = int(charge.get("amount_captured") or charge.get("amount") or 0)
        if charge.get("status") != "succeeded" or not _matches(order, captured, currency):
            orders.note(session, order, f"Refund reported for charge {charge.get('id')} but the "
                        "payment is not confirmed.", source=source, attention=True)
            return Outcome("refund_before_payment", ref)
        paid = _mark_paid(session, order, amount=captured, charge_id=_id(charge.get("id")),
                          settings=settings, source=source)
        if order.status not in CAPTURED:
            return paid
    refunded = min(int(charge.get("amount_refunded") or 0), order.amount_paid)
    if refunded <= order.amount_refunded:
        return Outcome("stale", ref)  # an older (or repeated) picture of the refunds
    target = (OrderStatus.REFUNDED if refunded >= order.amount_paid
              else OrderStatus.PARTIALLY_REFUNDED)
    if not orders.transition(session, order, target, changes={"amount_refunded": refunded},
                             reason=f"refunded {format_money(refunded, order.currency)} of "
                             f"{format_money(order.amount_paid, order.currency)}", source=source):
        return Outcome("unchanged", ref)
    _confirm_refund_rows(order, charge, refunded)
    emails.queue_refund_notice(session, order)
    return Outcome(str(target), ref)


def _confirm_refund_rows(order: Order, charge: dict[str, Any], refunded: int) -> None:
    """Mark the shop's refund requests Stripe has now confirmed."""
    listed = {r.get("id") for r in ((charge.get("refunds") or {}).get("data") or [])
              if isinstance(r, dict) and r.get("status") in (None, "succeeded")}
    confirmed = sum(r.amount for r in order.refunds if r.status == RefundStatus.SUCCEEDED)
    for row in order.refunds:
        if row.status != RefundStatus.SUBMITTED:
            continue
        # Recent API versions omit charge.refunds; then confirm in order while the total allows.
        if row.stripe_refund_id in listed or (not listed and confirmed + row.amount <= refunded):
            row.status = RefundStatus.SUCCEEDED
            confirmed += row.amount
