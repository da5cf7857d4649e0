"""Quote → order: the accepted amount is paid through the shoppers' checkout (Stripe).

Checkout owns orders and PaymentIntents (``storefront.checkout.quote_orders.create_order_for_quote``);
this module hands it the quoted lines and the amount the buyer chose (deposit or full) and
remembers the order on the quote. Once a deposit is paid, the buyer pays the balance (quoted
total minus the deposit kept) the same way, through a second order of kind "balance".
Checkout's call commits and is idempotent per quote and payment kind, so a retry after a
failure never creates a second order or PaymentIntent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from storefront.db import utcnow
from storefront.errors import Conflict
from storefront.quotes import workflow
from storefront.quotes.models import PaymentOption, Quote, QuoteStatus


def precautions(quote: Quote) -> list[dict[str, Any]]:
    """The precautions of each catalogue product on the quote, as checkout records them."""
    from storefront.catalog.gate import precautions_for

    seen: dict[str, dict[str, Any]] = {}
    for line in quote.lines:
        if line.product is not None and line.product.sku not in seen:
            seen[line.product.sku] = {"sku": line.product.sku, "name": line.product.name,
                                      "text": precautions_for(line.product).render_text()}
    return list(seen.values())


def order_lines(quote: Quote) -> list[dict[str, Any]]:
    """The quoted lines in checkout's shape (unit prices in minor units)."""
    return [{
        "sku": line.sku,
        "name": line.product_name or f"Custom {line.kind.value}: {line.description}",
        "quantity": line.quantity,
        "unit_price": line.quoted_unit_price,
    } for line in quote.lines]


def payable_online(quote: Quote) -> bool:
    """Accepted with an amount to pay by card (not settled by bank transfer)."""
    return (quote.status == QuoteStatus.ACCEPTED and quote.amount_due is not None
            and quote.payment_option is not None)


def start_payment(session: Session, gateway, quote: Quote, *, settings=None,
                  precautions_acknowledged: bool = False, actor: str | None = None):
    """Create (or find again) the order that collects the accepted amount; returns checkout's PlacedOrder.

    Commits (checkout does). Returns None when nothing is to be paid online.
    """
    from storefront.checkout.quote_orders import create_order_for_quote

    if not payable_online(quote):
        return None
    placed = create_order_for_quote(
        session, gateway, quote_ref=quote.reference, lines=order_lines(quote),
        amount=quote.amount_due, currency=quote.quote_currency or quote.currency, email=quote.email,
        payment=quote.payment_option.value, precautions=precautions(quote),
        precautions_acknowledged=precautions_acknowledged, settings=settings,
    )
    public_id = placed.order.public_id
    if quote.order_ref != public_id:
        workflow.attach_order(session, quote, order_ref=public_id, actor=actor or f"buyer:{quote.email}")
    return placed


def order_status(session: Session, quote: Quote) -> str | None:
    """Status of the quote's order (pending_payment, paid, …), or None without one."""
    if not quote.order_ref:
        return None
    from storefront.orders.service import find_order

    order = find_order(session, quote.order_ref)
    return str(order.status) if order is not None else None


@dataclass(frozen=True)
class Balance:
    """The rest of a deposit-paid quote: ``amount`` left, and the order collecting it if any."""

    amount: int
    order_ref: str | None = None
    order_status: str | None = None
    paid: bool = False


def balance(session: Session, quote: Quote) -> Balance | None:
    """The balance after the deposit, once the deposit is paid; None when there is none to pay."""
    from storefront.checkout.quote_orders import latest_quote_order, paid_for_quote
    from storefront.orders.states import CAPTURED

    if (quote.status != QuoteStatus.ACCEPTED or quote.payment_option != PaymentOption.DEPOSIT
            or quote.quoted_total is None):
        return None
    order = latest_quote_order(session, quote.reference, "balance")
    if order is not None and order.status in CAPTURED:
        return Balance(order.total_amount, order.public_id, str(order.status), paid=True)
    deposit = paid_for_quote(session, quote.reference, "deposit")
    if deposit <= 0 or quote.quoted_total - deposit <= 0:
        return None
    return Balance(quote.quoted_total - deposit, order.public_id if order else None,
                   str(order.status) if order else None)


def start_balance_payment(session: Session, gateway, quote: Quote, *, settings=None,
                          actor: str | None = None):
    """Create (or find again) the order for the balance after a paid deposit (commits).

    Raises 409 ``deposit_not_paid`` before the deposit is paid and ``nothing_to_pay`` when the
    deposit covers the total; a quote paid in full, or not accepted, has no balance (409).
    """
    from storefront.checkout.quote_orders import create_order_for_quote

    if quote.status != QuoteStatus.ACCEPTED or quote.payment_option != PaymentOption.DEPOSIT:
        raise Conflict("This quote has no balance to pay online.", code="no_balance",
                       errors={"payment": ["only an accepted quote paid by deposit has a balance"]})
    placed = create_order_for_quote(
        session, gateway, quote_ref=quote.reference, lines=order_lines(quote),
        quoted_total=quote.quoted_total, currency=quote.quote_currency or quote.currency,
        email=quote.email, payment="balance", precautions=precautions(quote),
        precautions_acknowledged=True, settings=settings,
    )
    if not placed.replayed:
        workflow.record(session, quote, actor=actor or f"buyer:{quote.email}",
                        action="balance_order_created", now=utcnow(),
                        order_ref=placed.order.public_id, amount=placed.order.total_amount)
        session.commit()
    return placed
