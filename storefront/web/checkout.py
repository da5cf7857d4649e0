"""Checkout pages: the address and precautions form, then the card payment page."""

from __future__ import annotations

import re
import secrets

import marshmallow as ma
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from storefront.cart import service as carts
from storefront.catalog.gate import precautions_for
from storefront.checkout import flow
from storefront.checkout.schemas import OrderCreateSchema, PaymentSchema
from storefront.checkout.settings import CheckoutSettings
from storefront.errors import DomainError, flatten_errors
from storefront.extensions import db, limiter
from storefront.mail import send_after_commit
from storefront.money import format_money
from storefront.orders.models import Channel
from storefront.orders.service import find_by_idempotency_key
from storefront.orders.states import OrderStatus
from storefront.payments import gateway_for
from storefront.web.cart import current_cart, save_cart

bp = Blueprint("checkout", __name__)

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "state", "postal_code", "country")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@bp.context_processor
def _helpers():
    return {"fmt_money": format_money}


def _settings() -> CheckoutSettings:
    return CheckoutSettings.from_config(current_app.config, site_url=request.url_root)


def _form_page(view, *, form=None, errors=None, error=None, status=200):
    precautions = [(line.product, precautions_for(line.product)) for line in view.lines]
    token = (form or {}).get("checkout_token") or secrets.token_urlsafe(24)
    return render_template("checkout/checkout.html", cart=view, precautions=precautions,
                           form=form or {}, errors=errors or {}, error=error,
                           checkout_token=token), status


@bp.get("/checkout")
def start():
    """Email, shipping address and the precautions acknowledgement for the cart's products."""
    view = carts.view(db.session, current_cart(), with_specs=True)
    if not view.lines:
        return redirect(url_for("cart.show"), 303)
    return _form_page(view)


@bp.post("/checkout")
@limiter.limit(lambda: current_app.config["ORDER_RATE_LIMIT"])
def submit():
    """Create the order (server prices, reserved stock, a PaymentIntent), then go to payment."""
    form = request.form
    token = form.get("checkout_token", "")
    if not _TOKEN_RE.match(token):
        abort(400, "The checkout form is missing its token; reload the page.")
    # A form sent twice (double click, reload) finds the order the first one created.
    existing = find_by_idempotency_key(db.session, f"web:{token}")
    if existing is not None:
        return redirect(url_for("checkout.pay", order_id=existing.public_id), 303)
    view = carts.view(db.session, current_cart(), with_specs=True)
    if not view.lines:
        return redirect(url_for("cart.show"), 303)
    try:
        carts.reject_price_fields(form)
    except DomainError as err:
        return _form_page(view, form=form, errors=err.errors, error=err, status=err.status)
    raw = {
        "items": view.items(),
        "email": form.get("email", "").strip(),
        "shipping_address": {k: form.get(k, "") for k in ADDRESS_FIELDS},
        "precautions_acknowledged": form.get("precautions_acknowledged") in ("1", "on", "true", "yes"),
    }
    try:
        data = OrderCreateSchema().load(raw)
    except ma.ValidationError as exc:
        return _form_page(view, form=form, errors=flatten_errors(exc.messages), status=422)
    req = flow.OrderRequest(items=data["items"], email=data["email"],
                            shipping_address=data["shipping_address"],
                            precautions_acknowledged=data["precautions_acknowledged"],
                            channel=Channel.WEB, idempotency_key=f"web:{token}",
                            client_ref=flow.client_ref(current_app.config["SECRET_KEY"],
                                                       request.remote_addr))
    try:
        placed = flow.place_order(db.session, gateway_for(current_app), req, _settings())
    except DomainError as err:
        db.session.rollback()
        return _form_page(view, form=form, errors=err.errors, error=err, status=err.status)
    save_cart({})
    session["last_order"] = placed.order.public_id
    return redirect(url_for("checkout.pay", order_id=placed.order.public_id), 303)


@bp.get("/checkout/pay/<order_id>")
def pay(order_id: str):
    """The card form (Stripe.js card Element) for a pending order."""
    order = flow.view_order(db.session, gateway_for(current_app), _settings(), order_id)
    send_after_commit(current_app._get_current_object())
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_status in ("succeeded", "processing"):
        return redirect(url_for("orders.show", order_id=order_id), 303)
    return render_template("checkout/pay.html", order=order,
                           publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
                           stripe_js_url=current_app.config["STRIPE_JS_URL"])


def _pay_limit() -> str:
    return current_app.config["CHECKOUT_PAY_RATE_LIMIT"]


@bp.post("/checkout/pay/<order_id>")
@limiter.limit(_pay_limit)
def pay_submit(order_id: str):
    """Pay with a card token from Stripe.js; JSON for the page's script."""
    try:
        data = PaymentSchema().load(request.get_json(silent=True) or {})
    except ma.ValidationError as exc:
        return jsonify({"code": "validation_error", "status": 422, "message": "Invalid card token.",
                        "errors": flatten_errors(exc.messages)}), 422
    attempt = flow.pay_with_token(db.session, gateway_for(current_app), order_id, data["token"],
                                  _settings(), source="web")
    body = {"status": attempt.status, "client_secret": attempt.client_secret,
            "message": attempt.message,
            "redirect": url_for("orders.show", order_id=order_id)}
    return jsonify(body)


@bp.post("/checkout/pay/<order_id>/result")
@limiter.limit(_pay_limit)
def pay_result(order_id: str):
    """After 3-D Secure in the browser: apply a failure at once (success waits for the webhook)."""
    outcome = flow.sync_order(db.session, gateway_for(current_app), _settings(), order_id,
                              source="web", apply_success=False)
    return jsonify({"status": outcome, "redirect": url_for("orders.show", order_id=order_id)})
