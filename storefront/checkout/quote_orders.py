"""Orders that collect payment for an accepted quote, paid through the normal checkout.

``create_order_for_quote`` works from plain lines and amounts; ``start_quote_payment`` and
``start_balance_payment`` take the accepted quote itself (its lines, precautions, amount due)
and remember the order on it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.checkout.flow import PlacedOrder, replay_order
from storefront.checkout.pricing import check_amount
from storefront.checkout.settings import CheckoutSettings
from storefront.db import utcnow
from storefront.errors import Conflict, ValidationError
from storefront.orders import service as orders
from storefront.orders.models import Channel, Order
from storefront.orders.states import RELEASED
from storefront.payments.gateway import StripeGateway
from storefront.payments.intents import ensure_intent
from storefront.quotes import ordering, workflow
from storefront.quotes.models import PaymentOption, Quote, QuoteStatus

PAYMENTS = ("deposit", "full", "balance")


class DepositNotPaid(Conflict):
    code = "deposit_not_paid"


class NothingToPay(Conflict):
    code = "nothing_to_pay"


def balance_amount(session: Session, quote_ref: str, quoted_total: int) -> int:
    """What is left to pay after the deposit: the quoted total minus the deposit kept.

    Raises ``DepositNotPaid`` (409) before any deposit is paid and ``NothingToPay`` (409) when
    the deposit already covers the total.
    """
    deposit = orders.paid_for_quote(session, quote_ref, "deposit")
    if deposit <= 0:
        raise DepositNotPaid("The balance can be paid once the deposit has been received.",
                             errors={"payment": ["deposit not paid yet"]})
    remainder = quoted_total - deposit
    if remainder <= 0:
        raise NothingToPay("Nothing remains to be paid on this quote.",
                           errors={"payment": ["the deposit covers the quoted total"]})
    return remainder


def _line_specs(lines: list[dict[str, Any]]) -> list[orders.LineSpec]:
    specs, errors = [], {}
    for i, ln in enumerate(lines):
        name = (ln.get("name") or ln.get("description") or ln.get("sku") or "").strip()
        qty, price = ln.get("quantity"), ln.get("unit_price")
        if not name:
            errors[f"lines[{i}].name"] = ["Required."]
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            errors[f"lines[{i}].quantity"] = ["Must be a positive whole number."]
        if not isinstance(price, int) or isinstance(price, bool) or price < 0:
            errors[f"lines[{i}].unit_price"] = ["Must be a whole number of minor units, 0 or more."]
        if not errors:
            specs.append(orders.LineSpec(sku=ln.get("sku"), name=name[:300], unit_price=price,
                                         quantity=qty, product_id=None))
    if errors or not specs:
        raise ValidationError("The quote lines are invalid.", errors=errors or {"lines": ["Required."]})
    return specs


def create_order_for_quote(session: Session, gateway: StripeGateway, *, quote_ref: str,
                           lines: list[dict[str, Any]], amount: int | None = None, currency: str,
                           email: str, quoted_total: int | None = None,
                           payment: str = "deposit", shipping_address: dict | None = None,
                           precautions: list[dict] | None = None,
                           precautions_acknowledged: bool = False,
                           settings: CheckoutSettings | None = None) -> PlacedOrder:
    """Create the order that collects ``amount`` for an accepted quote and its PaymentIntent.

    - ``lines``: the quoted lines as ``{"sku"?, "name" (or "description"), "quantity",
      "unit_price"}`` in minor units; recorded on the order, not re-priced, and no stock is
      reserved (quoted goods are made or allocated to order).
    - ``amount``/``currency``: what this order charges now: the deposit or the full quoted
      total (``payment`` says which: "deposit" or "full").
    - ``payment="balance"``: what remains after a paid deposit. Give ``quoted_total``; the
      amount is computed here as ``quoted_total`` minus the deposit kept (paid, not refunded),
      and ``amount``, if given, must match it. Refused with 409 ``deposit_not_paid`` before the
      deposit is paid and 409 ``nothing_to_pay`` when nothing remains.
    - Idempotent per (``quote_ref``, ``payment``): while that order is pending or paid the
      same order comes back (``replayed=True``); after it failed or expired a new one is made.
    - Commits. Returns ``PlacedOrder(order, client_secret, replayed)``; send the buyer to
      ``/checkout/pay/<order.public_id>`` (card form, 3-D Secure) or give the client_secret
      to Stripe.js. The order becomes paid through the same webhook as shop orders, which
      queues the confirmation email and the staff "ship" request.
    - ``settings`` defaults to the current app's configuration.
    """
    if payment not in PAYMENTS:
        raise ValidationError("Unknown quote payment kind.",
                              errors={"payment": ["deposit, full or balance"]})
    latest = orders.latest_quote_order(session, quote_ref, payment)
    if latest is not None and latest.status not in RELEASED:
        return replay_order(gateway, latest, None)
    if payment == "balance":
        if not isinstance(quoted_total, int) or isinstance(quoted_total, bool):
            raise ValidationError("The balance needs the quoted total.",
                                  errors={"quoted_total": ["Integer."]})
        remainder = balance_amount(session, quote_ref, quoted_total)
        if amount is not None and amount != remainder:
            raise ValidationError("The amount is not the remaining balance.",
                                  errors={"amount": [f"Must be {remainder}."]})
        amount = remainder
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ValidationError("The amount must be whole minor units.", errors={"amount": ["Integer."]})
    check_amount(amount)
    if settings is None:
        from flask import current_app

        settings = CheckoutSettings.from_config(current_app.config)
    specs = _line_specs(lines)
    base = f"quote:{quote_ref}:{payment}"
    attempt = 1 + (session.scalar(select(func.count(Order.id)).where(
        Order.quote_ref == quote_ref, Order.quote_payment == payment)) or 0)
    request_key = f"{base}:{attempt}"
    public_id = orders.new_public_id(request_key, settings.secret_key)
    session.commit()
    intent = ensure_intent(session, gateway, request_key=request_key, order_ref=public_id,
                           amount=amount, currency=currency)
    now = utcnow()
    order = orders.create_order(
        session, public_id=public_id, lines=specs, email=email, currency=currency,
        total_amount=amount, channel=Channel.QUOTE, shipping_address=shipping_address,
        payment_intent_id=intent.id, precautions=precautions or [],
        acknowledged_at=now if precautions_acknowledged else None, idempotency_key=request_key,
        expires_at=now + settings.quote_reservation, quote_ref=quote_ref, quote_payment=payment,
        source=f"quote:{quote_ref}")
    session.commit()
    return PlacedOrder(order, intent.client_secret)


def start_quote_payment(session: Session, gateway, quote: Quote, *, settings=None,
                  precautions_acknowledged: bool = False, actor: str | None = None):
    """Create (or find again) the order that collects the accepted amount; returns checkout's PlacedOrder.

    Commits (checkout does). Returns None when nothing is to be paid online.
    """
    if not ordering.payable_online(quote):
        return None
    placed = create_order_for_quote(
        session, gateway, quote_ref=quote.reference, lines=ordering.order_lines(quote),
        amount=quote.amount_due, currency=quote.quote_currency or quote.currency, email=quote.email,
        payment=quote.payment_option.value, precautions=ordering.precautions(quote),
        precautions_acknowledged=precautions_acknowledged, settings=settings,
    )
    public_id = placed.order.public_id
    if quote.order_ref != public_id:
        workflow.attach_order(session, quote, order_ref=public_id, actor=actor or f"buyer:{quote.email}")
    return placed


def start_balance_payment(session: Session, gateway, quote: Quote, *, settings=None,
                          actor: str | None = None):
    """Create (or find again) the order for the balance after a paid deposit (commits).

    Raises 409 ``deposit_not_paid`` before the deposit is paid and ``nothing_to_pay`` when the
    deposit covers the total; a quote paid in full, or not accepted, has no balance (409).
    """
    if quote.status != QuoteStatus.ACCEPTED or quote.payment_option != PaymentOption.DEPOSIT:
        raise Conflict("This quote has no balance to pay online.", code="no_balance",
                       errors={"payment": ["only an accepted quote paid by deposit has a balance"]})
    placed = create_order_for_quote(
        session, gateway, quote_ref=quote.reference, lines=ordering.order_lines(quote),
        quoted_total=quote.quoted_total, currency=quote.quote_currency or quote.currency,
        email=quote.email, payment="balance", precautions=ordering.precautions(quote),
        precautions_acknowledged=True, settings=settings,
    )
    if not placed.replayed:
        workflow.record(session, quote, actor=actor or f"buyer:{quote.email}",
                        action="balance_order_created", now=utcnow(),
                        order_ref=placed.order.public_id, amount=placed.order.total_amount)
        session.commit()
    return placed
