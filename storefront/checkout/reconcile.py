"""Payment reconciliation: ask Stripe about pending orders whose webhook never came.

A lost webhook (a database outage while Stripe delivered it, a killed worker) leaves an
order pending although its PaymentIntent succeeded. ``reconcile`` runs periodically (the
worker) and as ``storefront orders reconcile``: every pending order whose PaymentIntent is
older than the grace period is looked up and what Stripe says is applied. What cannot be
settled by a rule — a PaymentIntent Stripe does not know, a payment still in flight past
the reservation — is flagged for staff, never silently expired.
"""

from __future__ import annotations

import logging
from collections import Counter

from sqlalchemy.orm import Session

from storefront.checkout.flow import sync_order
from storefront.checkout.settings import CheckoutSettings
from storefront.db import utcnow
from storefront.orders import service as orders
from storefront.orders.states import OrderStatus
from storefront.payments.gateway import PaymentRejected, PaymentsUnavailable, StripeGateway

log = logging.getLogger(__name__)

UNKNOWN_INTENT = "PaymentIntent {intent} is unknown at Stripe: check the payment before releasing stock"
CHARGED_PAST_RESERVATION = ("PaymentIntent {intent} is {status} at Stripe but the order is past "
                            "its reservation: confirm the payment and ship, or refund")


def reconcile_order(session: Session, gateway: StripeGateway, settings: CheckoutSettings,
                    public_id: str, *, source: str = "reconcile") -> str:
    """Bring one pending order in line with Stripe; flag it when no rule settles it."""
    try:
        outcome = sync_order(session, gateway, settings, public_id, source=source)
    except PaymentRejected:
        session.rollback()
        order = orders.get_order(session, public_id, lock=True)
        if order.status == OrderStatus.PENDING_PAYMENT:
            orders.flag(session, order, UNKNOWN_INTENT.format(intent=order.payment_intent_id),
                        source=source)
        session.commit()
        return "unknown_intent"
    order = orders.get_order(session, public_id)
    if (order.status == OrderStatus.PENDING_PAYMENT and order.reservation_expires_at is not None
            and order.reservation_expires_at <= utcnow()
            and order.payment_status in ("succeeded", "processing")):
        order = orders.get_order(session, public_id, lock=True)
        orders.flag(session, order, CHARGED_PAST_RESERVATION.format(
            intent=order.payment_intent_id, status=order.payment_status), source=source)
        session.commit()
        return "flagged"
    session.commit()
    return outcome


def reconcile(session: Session, gateway: StripeGateway, settings: CheckoutSettings, *,
              limit: int = 500, source: str = "reconcile") -> Counter:
    """Reconcile pending orders past the grace period; counts per outcome."""
    ids = orders.due_for_reconcile(session, older_than=utcnow() - settings.reconcile_grace,
                                   limit=limit)
    session.commit()
    counts: Counter = Counter()
    for public_id in ids:
        try:
            counts[reconcile_order(session, gateway, settings, public_id, source=source)] += 1
        except PaymentsUnavailable as exc:
            session.rollback()
            log.warning("reconcile stopped at %s: %s", public_id, exc.message)
            counts["stripe_unavailable"] += len(ids) - sum(counts.values())
            break
    return counts
