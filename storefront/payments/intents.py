"""One PaymentIntent per order, even when a request is retried after a crash."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from storefront.payments import journal
from storefront.payments.gateway import Intent, PaymentRejected, PaymentsUnavailable, StripeGateway

log = logging.getLogger(__name__)

# PaymentIntent statuses in which amount and payment method may still change.
MUTABLE = frozenset({"requires_payment_method", "requires_confirmation", "requires_action"})


def intent_key(order_ref: str, attempt: int) -> str:
    """The deterministic Stripe idempotency key of an order's PaymentIntent."""
    return f"storefront:order:{order_ref}:payment_intent:{attempt}"


def ensure_intent(session: Session, gateway: StripeGateway, *, request_key: str, order_ref: str,
                  amount: int, currency: str, new_key: bool = False) -> Intent:
    """Return the PaymentIntent for this request, creating it only if none was recorded.

    Stripe dedupes by the deterministic idempotency key; the journal row (committed on its
    own) covers providers that do not (localstripe) and a retry after the order's
    transaction was rolled back. ``new_key``: the request key was just made up for this
    request (no Idempotency-Key, a random order id), so no earlier attempt can have recorded
    it and the lookup is skipped; the intent is still recorded.
    """
    currency = currency.lower()
    attempt = 1
    rec = None if new_key else journal.find(session, request_key)
    if rec is not None:
        intent = gateway.retrieve_intent(rec["intent_id"])
        if intent.status != "canceled":
            if (intent.amount, intent.currency) != (amount, currency):
                if intent.status not in MUTABLE:
                    raise PaymentRejected("This order's payment is already under way.")
                intent = gateway.update_intent(
                    intent.id, amount=amount, currency=currency,
                    idempotency_key=f"{intent_key(order_ref, rec['attempt'])}:amount:{amount}:{currency}")
            return intent
        attempt = rec["attempt"] + 1
    intent = gateway.create_intent(
        amount=amount, currency=currency, metadata={"order_id": order_ref},
        idempotency_key=intent_key(order_ref, attempt))
    stored = journal.save(session, request_key=request_key, order_ref=order_ref,
                          intent_id=intent.id, attempt=attempt, amount=amount, currency=currency)
    if stored["intent_id"] != intent.id:
        # A concurrent identical request recorded its intent first; use that one.
        release_quietly(gateway, intent.id)
        return gateway.retrieve_intent(stored["intent_id"])
    return intent


def release_quietly(gateway: StripeGateway, intent_id: str | None) -> Intent | None:
    """Cancel an intent nobody will pay, logging instead of failing (it is only tidiness)."""
    if not intent_id:
        return None
    try:
        return gateway.cancel_intent(intent_id)
    except (PaymentRejected, PaymentsUnavailable) as exc:
        log.warning("could not cancel PaymentIntent %s: %s", intent_id, exc.message)
        return None
