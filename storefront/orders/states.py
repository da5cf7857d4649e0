"""The order state machine: which moves are legal, and which are never allowed."""

from __future__ import annotations

import enum


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"  # created, stock reserved, waiting for Stripe to confirm
    PAID = "paid"  # Stripe confirmed the payment (webhook); the stock is sold
    FULFILLED = "fulfilled"  # shipped by staff
    PAYMENT_FAILED = "payment_failed"  # declined or authentication failed; stock released
    CANCELLED = "cancelled"  # cancelled before payment; stock released
    EXPIRED = "expired"  # the reservation ran out before payment; stock released
    PARTIALLY_REFUNDED = "partially_refunded"  # part of the payment went back (webhook-confirmed)
    REFUNDED = "refunded"  # the whole payment went back (webhook-confirmed); final


S = OrderStatus

# A late payment Stripe confirms for a released order may still make it paid (only when the
# stock can be reserved again); nothing ever returns to pending_payment or leaves refunded.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.PAYMENT_FAILED, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.FULFILLED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.FULFILLED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED, S.FULFILLED}),
    S.PAYMENT_FAILED: frozenset({S.PAID}),
    S.CANCELLED: frozenset({S.PAID}),
    S.EXPIRED: frozenset({S.PAID}),
    S.REFUNDED: frozenset(),
}

RELEASED = frozenset({S.PAYMENT_FAILED, S.CANCELLED, S.EXPIRED})
CAPTURED = frozenset({S.PAID, S.FULFILLED, S.PARTIALLY_REFUNDED, S.REFUNDED})
# Orders with a payment of which something may still go back (given an amount left to refund).
REFUNDABLE = CAPTURED - {S.REFUNDED}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether the state machine allows moving from ``current`` to ``target``."""
    return target in TRANSITIONS[OrderStatus(current)]
