"""Quote → order, the quote's side: what an accepted quote asks checkout to charge.

The accepted amount is paid through the shoppers' checkout (Stripe): checkout owns orders and
PaymentIntents and drives the payment (``storefront.checkout.quote_orders.start_quote_payment``
and ``start_balance_payment``), reading the quoted lines, precautions and amounts from here.
This module never calls checkout; it only reads orders (status, the balance after a deposit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

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
    from storefront.orders.service import latest_quote_order, paid_for_quote
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
