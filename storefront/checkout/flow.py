"""Checkout use cases: place an order, pay it, reconcile it with Stripe, expire it.

These functions own their transaction boundaries, unlike plain services: a call to Stripe
never happens inside a database transaction (no row locks held across the network, no
SQLite snapshot going stale), so each step commits before the next network call. The web,
API and CLI edges call them and only send queued email afterwards.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.catalog.models import Product
from storefront.checkout.pricing import (
    CheckoutTotals,
    precautions_snapshot,
    price_checkout,
    price_items,
)
from storefront.checkout.settings import CheckoutSettings
from storefront.checkout.stripe_events import (
    Outcome,
    apply_charge_refunded,
    apply_intent_failed,
    apply_intent_succeeded,
)
from storefront.db import utcnow
from storefront.errors import Conflict, DomainError, ValidationError
from storefront.orders import service as orders
from storefront.orders.models import Channel, Order
from storefront.orders.states import CAPTURED, OrderStatus
from storefront.payments.gateway import (
    CardDeclined,
    Intent,
    PaymentRejected,
    PaymentsUnavailable,
    StripeGateway,
)
from storefront.payments.intents import ensure_intent, release_quietly
from storefront.promotions import service as promotions

log = logging.getLogger(__name__)


class OrderNotPayable(Conflict):
    code = "order_not_payable"


class TooManyUnpaidOrders(DomainError):
    """One client holds as many unpaid reservations as allowed (stock hoarding guard)."""

    code = "too_many_unpaid_orders"
    status = 429


def client_ref(secret: str, address: str | None) -> str:
    """A keyed hash of a client address (what the unpaid-orders cap counts by)."""
    import hashlib
    import hmac

    return hmac.new(secret.encode(), (address or "unknown").encode(),
                    hashlib.sha256).hexdigest()[:32]


@dataclass
class OrderRequest:
    items: list[dict[str, Any]]
    email: str
    shipping_address: dict[str, Any] | None
    precautions_acknowledged: bool
    channel: Channel = Channel.API
    idempotency_key: str | None = None  # namespaced by the edge ("api:…", "web:…")
    shipping_method: str | None = None  # None: the zone's first (cheapest standard) method
    promotion_code: str | None = None
    client_ref: str | None = None  # who is asking (keyed hash of the address): caps unpaid orders

    def fingerprint(self) -> str:
        body: dict[str, Any] = {"items": self.items, "email": self.email.lower(),
                                "shipping_address": self.shipping_address}
        if self.shipping_method or self.promotion_code:
            body.update(shipping_method=self.shipping_method,
                        promotion_code=(self.promotion_code or "").upper() or None)
        return orders.fingerprint(body)


@dataclass
class PlacedOrder:
    order: Order
    client_secret: str | None
    replayed: bool = False


@dataclass
class PaymentAttempt:
    status: str  # processing | requires_action | failed | paid
    client_secret: str | None = None
    message: str | None = None


@dataclass
class ExpiryReport:
    counts: Counter = field(default_factory=Counter)


def _client_secret(gateway: StripeGateway, order: Order) -> str | None:
    if order.status != OrderStatus.PENDING_PAYMENT or not order.payment_intent_id:
        return None
    return gateway.retrieve_intent(order.payment_intent_id).client_secret


def replay_order(gateway: StripeGateway, order: Order, fingerprint: str | None) -> PlacedOrder:
    """The order a repeated request already created, refused if the request differs."""
    if fingerprint is not None and order.request_fingerprint != fingerprint:
        raise ValidationError("This Idempotency-Key was used for a different order.",
                              errors={"Idempotency-Key": ["Reused with a different request."]},
                              code="idempotency_key_reused")
    return PlacedOrder(order, _client_secret(gateway, order), replayed=True)


def _free_stale_stock(session: Session, gateway: StripeGateway, settings: CheckoutSettings,
                      product_ids: list[int]) -> bool:
    """Expiry on read: expire overdue orders holding these products; True if any stock came back."""
    if not product_ids:
        return False
    report = expire_due(session, gateway, settings, product_ids=product_ids, limit=20)
    return bool(report.counts.get("expired"))


def place_order(session: Session, gateway: StripeGateway, req: OrderRequest,
                settings: CheckoutSettings) -> PlacedOrder:
    """Price the items, create the PaymentIntent, reserve stock and store the order (commits).

    Raises 422 (prescription_only, unknown items, precautions not acknowledged), 409
    (out_of_stock) or 503 (Stripe unavailable; nothing reserved).
    """
    if req.idempotency_key:
        existing = orders.find_by_idempotency_key(session, req.idempotency_key)
        if existing is not None:
            return replay_order(gateway, existing, req.fingerprint())
    if (req.client_ref and settings.unpaid_per_client
            and orders.count_unpaid(session, req.client_ref) >= settings.unpaid_per_client):
        raise TooManyUnpaidOrders(
            "You already have unpaid orders holding stock; pay or let them lapse first.")
    try:
        priced = price_items(session, req.items)
    except orders.OutOfStock:
        session.rollback()
        skus = [item["sku"] for item in req.items]
        ids = list(session.scalars(select(Product.id).where(Product.sku.in_(skus))))
        if not _free_stale_stock(session, gateway, settings, ids):
            raise
        priced = price_items(session, req.items)
    if req.precautions_acknowledged is not True:
        raise ValidationError(
            "Please confirm you have read the precautions for the products you are buying.",
            errors={"precautions_acknowledged": [
                "Tick the box to confirm you have read the precautions."]},
            code="precautions_not_acknowledged")
    totals = quote_order(session, priced, req, settings)
    precautions = precautions_snapshot(priced)
    public_id = orders.new_public_id(req.idempotency_key, settings.secret_key)
    request_key = req.idempotency_key or f"order:{public_id}"
    product_ids = sorted({line.product_id for line in priced.lines if line.product_id})
    session.commit()  # end the read transaction before talking to Stripe

    intent = ensure_intent(session, gateway, request_key=request_key, order_ref=public_id,
                           amount=totals.total, currency=totals.currency,
                           new_key=not req.idempotency_key)
    # A retry served by a process with another SECRET_KEY keeps the first attempt's order id.
    public_id = intent.metadata.get("order_id") or public_id

    def insert() -> Order:
        now = utcnow()
        order = orders.create_order(
            session, public_id=public_id, lines=totals.lines, email=req.email,
            currency=totals.currency, total_amount=totals.total, channel=req.channel,
            shipping_address=req.shipping_address, payment_intent_id=intent.id,
            precautions=precautions, acknowledged_at=now, idempotency_key=req.idempotency_key,
            request_fingerprint=req.fingerprint(), expires_at=now + settings.reservation,
            source=req.channel.value, shipping_amount=totals.shipping,
            shipping_method=totals.shipping_method,
            shipping_method_name=totals.shipping_method_name, discount_amount=totals.discount,
            tax_amount=totals.tax_amount, tax_included=totals.tax.included,
            tax_lines=[t.to_dict() for t in totals.tax.lines],
            promotion_code=totals.promotion.code if totals.promotion else None,
            client_ref=req.client_ref)
        if totals.promotion:
            # Holds one use in this transaction: a racer for the last use gets 422 here.
            promotions.hold(session, totals.promotion.promotion_id, order_id=order.id,
                            email=req.email, amount=totals.discount)
        return order

    try:
        try:
            order = insert()
        except orders.OutOfStock:
            session.rollback()
            if not _free_stale_stock(session, gateway, settings, product_ids):
                raise
            order = insert()
    except (orders.OutOfStock, promotions.PromotionInvalid):
        session.rollback()
        release_quietly(gateway, intent.id)
        raise
    except IntegrityError:
        # A concurrent identical request (same Idempotency-Key) stored the order first.
        session.rollback()
        existing = (orders.find_by_idempotency_key(session, req.idempotency_key)
                    if req.idempotency_key else None)
        if existing is None:
            raise
        return replay_order(gateway, existing, req.fingerprint())
    session.commit()
    return PlacedOrder(order, intent.client_secret)


def quote_order(session: Session, priced, req: OrderRequest,
                settings: CheckoutSettings) -> CheckoutTotals:
    """Discount, shipping and tax for a request's priced items (no writes)."""
    return price_checkout(session, priced, address=req.shipping_address,
                          shipping_method=req.shipping_method,
                          promotion_code=req.promotion_code, email=req.email,
                          table=settings.shipping_table(), tax=settings.tax_calculator())


def estimate_order(session: Session, req: OrderRequest, settings: CheckoutSettings):
    """Figures for a cart or a half-filled form: (totals or None, the problem or None).

    An unusable promotion code is reported but the rest of the figures are still shown.
    """
    from storefront.errors import DomainError

    try:
        priced = price_items(session, req.items)
        try:
            return quote_order(session, priced, req, settings), None
        except promotions.PromotionInvalid as err:
            plain = OrderRequest(**{**req.__dict__, "promotion_code": None})
            return quote_order(session, priced, plain, settings), err
    except DomainError as err:
        return None, err


def _past_expiry(order: Order) -> bool:
    return (order.status == OrderStatus.PENDING_PAYMENT and order.reservation_expires_at is not None
            and order.reservation_expires_at <= utcnow())


def _record_progress(session: Session, order_id: int, intent: Intent,
                     customer_id: str | None = None) -> None:
    values: dict[str, Any] = {"payment_status": intent.status[:40]}
    if customer_id:
        values["stripe_customer_id"] = customer_id
    session.execute(update(Order).where(Order.id == order_id,
                                        Order.status == OrderStatus.PENDING_PAYMENT)
                    .values(**values).execution_options(synchronize_session=False))
    session.commit()


def _fail_now(session: Session, gateway: StripeGateway, public_id: str, message: str, *,
              source: str, intent_id: str | None) -> None:
    """A decline seen by the shop itself (no webhook may follow): cancel the intent, release."""
    release_quietly(gateway, intent_id)
    order = orders.get_order(session, public_id, lock=True)
    if orders.fail_released(session, order, OrderStatus.PAYMENT_FAILED, reason=message, source=source):
        order.payment_error = message[:500]
        order.payment_status = "requires_payment_method"
    session.commit()


def pay_with_token(session: Session, gateway: StripeGateway, public_id: str, token: str,
                   settings: CheckoutSettings, *, source: str = "web") -> PaymentAttempt:
    """Pay a pending order with a Stripe.js card token, confirming on the server.

    The card is saved on a Customer (Stripe checks it there), set on the PaymentIntent and
    confirmed; a card needing 3-D Secure comes back as ``requires_action`` for Stripe.js.
    The order becomes paid only when Stripe's webhook says so.
    """
    order = orders.get_order(session, public_id, related=False)
    if _past_expiry(order):
        expire_order(session, gateway, settings, public_id, source=source)
        order = orders.get_order(session, public_id, related=False)
    if order.status in CAPTURED:
        return PaymentAttempt("paid")
    if order.status != OrderStatus.PENDING_PAYMENT or not order.payment_intent_id:
        raise OrderNotPayable(f"This order is {order.status.replace('_', ' ')}; it cannot be paid.")
    if order.payment_status in ("succeeded", "processing"):
        return PaymentAttempt("processing")
    intent_id, order_id, email = order.payment_intent_id, order.id, order.email
    session.commit()
    key = f"storefront:order:{public_id}"
    try:
        customer_id, card_id = gateway.attach_card(
            token=token, email=email, metadata={"order_id": public_id},
            idempotency_key=f"{key}:customer:{token}")
        gateway.update_intent(intent_id, customer=customer_id, payment_method=card_id,
                              idempotency_key=f"{key}:payment_method:{token}")
        intent = gateway.confirm_intent(intent_id, idempotency_key=f"{key}:confirm:{token}")
    except CardDeclined as exc:
        _fail_now(session, gateway, public_id, exc.message, source=source, intent_id=intent_id)
        return PaymentAttempt("failed", message=exc.message)
    except PaymentRejected:
        # A retry after a fault (say the database went away after Stripe confirmed, so the
        # buyer saw a 503): the intent is already paid and refuses changes. Stripe's word
        # stands; the webhook or the reconciliation makes the order paid.
        intent = gateway.retrieve_intent(intent_id)
        if intent.status not in ("succeeded", "processing"):
            raise
        _record_progress(session, order_id, intent)
        return PaymentAttempt("processing")
    _record_progress(session, order_id, intent, customer_id)
    if intent.status == "requires_action":
        return PaymentAttempt("requires_action", client_secret=intent.client_secret)
    if intent.status == "requires_payment_method":
        message = intent.last_error or "The payment failed."
        _fail_now(session, gateway, public_id, message, source=source, intent_id=intent_id)
        return PaymentAttempt("failed", message=message)
    return PaymentAttempt("processing")


def sync_order(session: Session, gateway: StripeGateway, settings: CheckoutSettings,
               public_id: str, *, source: str = "sync", apply_success: bool = True) -> str:
    """Bring an order in line with its PaymentIntent at Stripe (lost webhooks, 3-D Secure result).

    With ``apply_success=False`` only failures are applied (the checkout page leaves success
    to the webhook, so the order page shows "processing" until it lands).
    """
    order = orders.get_order(session, public_id)
    intent_id = order.payment_intent_id
    session.commit()
    if not intent_id:
        return "no_payment"
    intent = gateway.retrieve_intent(intent_id)
    result: Outcome | None = None
    if intent.status == "succeeded" and apply_success:
        result = apply_intent_succeeded(session, intent, settings, source=source)
        session.commit()
        charge_id = intent.latest_charge
        if charge_id:
            charge = gateway.retrieve_charge(charge_id)
            if int(charge.get("amount_refunded") or 0) > 0:
                result = apply_charge_refunded(session, charge, settings, source=source)
                session.commit()
    elif intent.status == "requires_payment_method" and intent.last_error:
        result = apply_intent_failed(session, intent, source=source)
        session.commit()
        if result.cancel_intent:
            release_quietly(gateway, result.cancel_intent)
    elif intent.status == "canceled":
        order = orders.get_order(session, public_id, lock=True)
        changed = orders.fail_released(session, order, OrderStatus.CANCELLED,
                                       reason="payment cancelled at Stripe", source=source)
        session.commit()
        return "cancelled" if changed else "unchanged"
    else:
        _record_progress(session, order.id, intent)
    return result.outcome if result else intent.status


def expire_order(session: Session, gateway: StripeGateway, settings: CheckoutSettings,
                 public_id: str, *, source: str = "expiry") -> str:
    """Expire one overdue pending order: cancel its intent first, so no payment can land after."""
    order = orders.get_order(session, public_id)
    if not _past_expiry(order):
        return "not_due"
    intent_id = order.payment_intent_id
    session.commit()
    if intent_id:
        try:
            intent = gateway.retrieve_intent(intent_id)
        except PaymentRejected:
            # Stripe does not know it: it may have been charged all the same (another account,
            # a restored emulator). Never release on a guess; staff look at it.
            order = orders.get_order(session, public_id, lock=True)
            orders.flag(session, order, f"PaymentIntent {intent_id} is unknown at Stripe: "
                        "check the payment before releasing stock", source=source)
            session.commit()
            return "unknown_intent"
        if intent.status not in ("canceled", "succeeded", "processing"):
            try:
                intent = gateway.cancel_intent(intent_id)
            except PaymentRejected:
                intent = gateway.retrieve_intent(intent_id)  # it moved on meanwhile
        if intent.status == "succeeded":
            outcome = apply_intent_succeeded(session, intent, settings, source=source)
            session.commit()
            return outcome.outcome
        if intent.status not in ("canceled", "requires_payment_method"):
            return intent.status  # still in flight; try again on the next run
    order = orders.get_order(session, public_id, lock=True)
    if not _past_expiry(order):
        session.rollback()
        return "not_due"
    changed = orders.fail_released(session, order, OrderStatus.EXPIRED,
                                   reason="reservation expired before payment", source=source)
    session.commit()
    return "expired" if changed else "unchanged"


def expire_due(session: Session, gateway: StripeGateway, settings: CheckoutSettings, *,
               limit: int = 100, product_ids: list[int] | None = None,
               source: str = "expiry") -> ExpiryReport:
    """Expire pending orders whose reservation ran out (optionally only those holding products)."""
    ids = orders.due_for_expiry(session, limit=limit, product_ids=product_ids)
    session.commit()
    report = ExpiryReport()
    for public_id in ids:
        try:
            report.counts[expire_order(session, gateway, settings, public_id, source=source)] += 1
        except PaymentsUnavailable as exc:
            session.rollback()
            log.warning("could not expire order %s: %s", public_id, exc.message)
            report.counts["skipped"] += 1
    return report


def view_order(session: Session, gateway: StripeGateway, settings: CheckoutSettings,
               public_id: str) -> Order:
    """An order for display, brought up to date on read.

    Past its reservation it is expired; a payment Stripe accepted whose webhook is overdue
    is looked up at Stripe (so a lost webhook delays an order, never loses it).
    """
    order = orders.get_order(session, public_id)
    overdue = (order.status == OrderStatus.PENDING_PAYMENT
               and order.payment_status in ("succeeded", "processing")
               and order.updated_at <= utcnow() - settings.webhook_grace)
    if not (_past_expiry(order) or overdue):
        return order
    try:
        if overdue:
            sync_order(session, gateway, settings, public_id, source="sync-on-read")
        else:
            expire_order(session, gateway, settings, public_id, source="expiry-on-read")
    except (PaymentsUnavailable, PaymentRejected):
        session.rollback()  # show it as it is; the next read or the expire command retries
    return orders.get_order(session, public_id)


def cancel_order(session: Session, gateway: StripeGateway, public_id: str, *,
                 actor: str = "") -> str:
    """Cancel an unpaid order (staff): its PaymentIntent first, so no payment can land after."""
    order = orders.get_order(session, public_id)
    if order.status != OrderStatus.PENDING_PAYMENT:
        raise orders.IllegalTransition(f"Order {public_id} is {order.status}; only unpaid orders can be cancelled.")
    intent_id = order.payment_intent_id
    session.commit()
    if intent_id:
        try:
            intent = gateway.cancel_intent(intent_id)
        except PaymentRejected:
            try:
                intent = gateway.retrieve_intent(intent_id)
            except PaymentRejected:
                intent = None  # unknown at Stripe: staff checked and cancel on purpose
        if intent is not None and intent.status != "canceled":
            raise OrderNotPayable(f"The payment is {intent.status} at Stripe; the order was not cancelled.",
                                  code="payment_in_progress")
    order = orders.get_order(session, public_id, lock=True)
    orders.cancel(session, order, actor=actor)
    session.commit()
    return order.status.value
