"""JSON API for orders: create (priced on the server, with a PaymentIntent), read, pay."""

from __future__ import annotations

import re

from flask import current_app, request
from flask_smorest import Blueprint

from storefront.api import ErrorSchema
from storefront.checkout import flow
from storefront.checkout.schemas import (
    OrderCreatedSchema,
    OrderCreateSchema,
    OrderOutSchema,
    PaymentResultSchema,
    PaymentSchema,
)
from storefront.checkout.settings import CheckoutSettings
from storefront.errors import ValidationError
from storefront.extensions import db, limiter
from storefront.mail import send_after_commit
from storefront.orders.models import Channel
from storefront.payments import gateway_for

blp = Blueprint("orders_api", __name__, url_prefix="/api/v1/orders",
                description="Orders priced on the server and paid through Stripe.")

@blp.after_request
def _bearer(resp):
    """An order's token is its authority: answers about it are never cached or leaked."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


_KEY_RE = re.compile(r"^[A-Za-z0-9_.:\-]{8,200}$")


def _settings() -> CheckoutSettings:
    return CheckoutSettings.from_config(current_app.config, site_url=request.url_root)


def _order_limit() -> str:
    return current_app.config["ORDER_RATE_LIMIT"]


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY_RE.match(key):
        raise ValidationError("Idempotency-Key must be 8-200 characters of A-Z a-z 0-9 _ . : -",
                              errors={"Idempotency-Key": ["Invalid format."]})
    return f"api:{key}"


@blp.route("", methods=["POST"])
@limiter.limit(_order_limit)
@blp.arguments(OrderCreateSchema, location="json")
@blp.response(201, OrderCreatedSchema)
@blp.alt_response(409, schema=ErrorSchema, description="out_of_stock: beyond available stock")
@blp.alt_response(413, schema=ErrorSchema, description="Body over MAX_CONTENT_LENGTH")
@blp.alt_response(422, schema=ErrorSchema, description=(
    "Invalid request (field errors by path); prescription_only for Rx-only devices; "
    "precautions_not_acknowledged; idempotency_key_reused; promotion_invalid (unknown, "
    "expired, used up or not applicable code); not_shippable (country not served, or an item "
    "excluded from it, with the reason); shipping_method_invalid"))
@blp.alt_response(429, schema=ErrorSchema, description=(
    "Rate limited (ORDER_RATE_LIMIT), or too_many_unpaid_orders (ORDER_UNPAID_PER_CLIENT)"))
@blp.alt_response(503, schema=ErrorSchema, description=(
    "Stripe unavailable or not configured (only once the request is valid); nothing reserved"))
def create_order(data):
    """Create an order priced on the server, reserve its stock and open a PaymentIntent.

    Send an ``Idempotency-Key`` header to make retries safe: the same key and body return the
    same order and PaymentIntent.
    """
    req = flow.OrderRequest(
        items=data["items"], email=data["email"], shipping_address=data["shipping_address"],
        precautions_acknowledged=data["precautions_acknowledged"], channel=Channel.API,
        idempotency_key=_idempotency_key(), shipping_method=data["shipping_method"],
        promotion_code=data["promotion_code"],
        client_ref=flow.client_ref(current_app.config["SECRET_KEY"], request.remote_addr))
    placed = flow.place_order(db.session, gateway_for(current_app), req, _settings())
    order = placed.order
    return {"order_id": order.public_id, "status": order.status.value, "amount": order.total_amount,
            "currency": order.currency, "client_secret": placed.client_secret,
            "number": order.number, "subtotal": order.subtotal_amount,
            "shipping": order.shipping_figures, "tax": order.tax_figures,
            "discount": order.discount_figures}


@blp.route("/<string:order_id>", methods=["GET"])
@blp.response(200, OrderOutSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such order")
def get_order(order_id):
    """An order's status and lines (the order id is an unguessable token)."""
    order = flow.view_order(db.session, gateway_for(current_app), _settings(), order_id)
    send_after_commit(current_app._get_current_object())
    return order


@blp.route("/<string:order_id>/payment", methods=["POST"])
@blp.arguments(PaymentSchema, location="json")
@blp.response(200, PaymentResultSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such order")
@blp.alt_response(409, schema=ErrorSchema, description="order_not_payable")
@blp.alt_response(422, schema=ErrorSchema, description="Invalid token or refused by Stripe")
@blp.alt_response(503, schema=ErrorSchema, description="Stripe unavailable")
def pay_order(data, order_id):
    """Pay with a Stripe.js card token (server-side confirmation).

    ``requires_action`` carries the client_secret for ``stripe.confirmCardPayment``
    (3-D Secure); the order is paid once Stripe's webhook confirms it.
    """
    attempt = flow.pay_with_token(db.session, gateway_for(current_app), order_id, data["token"],
                                  _settings(), source="api")
    return {"status": attempt.status, "client_secret": attempt.client_secret,
            "message": attempt.message}
