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
from storefront.checkout import addresses, flow
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
_EMAILISH = re.compile(r"^[^\s@\x00-\x1f\x7f]{1,200}@[^\s@\x00-\x1f\x7f]{1,120}\Z")


@bp.context_processor
def _helpers():
    return {"fmt_money": format_money}


@bp.after_request
def _bearer_pages(resp):
    """Payment pages are bearer links (the order token is in the URL): never cached or leaked."""
    if request.path.startswith("/checkout/pay/"):
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _settings() -> CheckoutSettings:
    return CheckoutSettings.from_config(current_app.config, site_url=request.url_root)


def _form_defaults() -> dict:
    """What the form starts with: details kept from a declined attempt, the cart's code, US."""
    form = dict(session.get("checkout_prefill") or {})
    form.setdefault("country", "US")
    if session.get("promotion_code") and not form.get("promotion_code"):
        form["promotion_code"] = session["promotion_code"]
    return form


def _address_of(form) -> dict:
    return {k: (form.get(k) or "").strip() for k in ADDRESS_FIELDS}


def summarise(view, form, settings: CheckoutSettings):
    """The order summary for what the form says so far: (totals or None, problem or None)."""
    if not view.lines:
        return None, None
    email = (form.get("email") or "").strip()
    if not _EMAILISH.match(email):
        email = ""  # the per-email limit is checked again, on a validated address, at order time
    req = flow.OrderRequest(items=view.items(), email=email,
                            shipping_address=_address_of(form), precautions_acknowledged=True,
                            shipping_method=form.get("shipping_method") or None,
                            promotion_code=form.get("promotion_code") or None)
    return flow.estimate_order(db.session, req, settings)


def _form_page(view, *, form=None, errors=None, error=None, status=200):
    settings = _settings()
    form = dict(form) if form is not None else _form_defaults()
    precautions = [(line.product, precautions_for(line.product)) for line in view.lines]
    token = form.get("checkout_token") or secrets.token_urlsafe(24)
    totals, problem = summarise(view, form, settings)
    errors = dict(errors or {})
    if problem is not None and not errors and error is None:
        errors = dict(problem.errors)
    table = settings.shipping_table()
    names = addresses.country_names()
    countries = sorted(((c, names.get(c, c)) for c in table.countries()), key=lambda c: c[1])
    country = (form.get("country") or "US").upper()
    return render_template(
        "checkout/checkout.html", cart=view, precautions=precautions, form=form, errors=errors,
        error=error, checkout_token=token, totals=totals, countries=countries,
        regions={c: addresses.regions(c) for c in addresses.REGION_LABELS},
        region_labels=addresses.REGION_LABELS, country=country,
        summary_errors=_summary_links(errors)), status


# Where each error's link in the summary at the top of the form goes.
_FIELD_IDS = {"email": "f-email", "precautions_acknowledged": "f-precautions",
              "shipping_method": "f-shipping-method", "promotion_code": "f-promotion_code"}


def _summary_links(errors: dict) -> list[tuple[str, str]]:
    out = []
    for key, messages in errors.items():
        name = key.split(".")[-1]
        target = _FIELD_IDS.get(key) or (f"f-{name}" if key.startswith("shipping_address.") else "order-summary")
        out += [(target, m) for m in messages if m]
    return out


@bp.get("/checkout")
def start():
    """Email, shipping address, delivery, promotion code and the precautions acknowledgement."""
    view = carts.view(db.session, current_cart(), with_specs=True)
    if not view.lines:
        return redirect(url_for("cart.show"), 303)
    return _form_page(view)


@bp.get("/checkout/summary")
def summary():
    """The order summary and delivery options for the form's current values (the page's script)."""
    view = carts.view(db.session, current_cart(), with_specs=True)
    totals, problem = summarise(view, request.args, _settings())
    form = request.args
    return jsonify({
        "summary": render_template("checkout/_summary.html", cart=view, totals=totals,
                                   problem=problem),
        "delivery": render_template("checkout/_delivery.html", totals=totals, form=form,
                                    errors={}),
        "totals": totals.to_dict() if totals else None,
        "error": problem.message if problem else None})


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
    if form.get("action") == "update":  # "Apply" a code or refresh the totals: no order yet
        return _form_page(view, form=form)
    raw = {
        "items": view.items(),
        "email": form.get("email", "").strip(),
        "shipping_address": _address_of(form),
        "precautions_acknowledged": form.get("precautions_acknowledged") in ("1", "on", "true", "yes"),
        "shipping_method": form.get("shipping_method") or None,
        "promotion_code": (form.get("promotion_code") or "").strip() or None,
    }
    try:
        data = OrderCreateSchema().load(raw)
    except ma.ValidationError as exc:
        errors = flatten_errors(exc.messages)
        if not raw["precautions_acknowledged"]:
            errors.setdefault("precautions_acknowledged",
                              ["Tick the box to confirm you have read the precautions."])
        return _form_page(view, form=form, errors=errors, status=422)
    req = flow.OrderRequest(items=data["items"], email=data["email"],
                            shipping_address=data["shipping_address"],
                            precautions_acknowledged=data["precautions_acknowledged"],
                            channel=Channel.WEB, idempotency_key=f"web:{token}",
                            shipping_method=data["shipping_method"],
                            promotion_code=data["promotion_code"],
                            client_ref=flow.client_ref(current_app.config["SECRET_KEY"],
                                                       request.remote_addr))
    try:
        placed = flow.place_order(db.session, gateway_for(current_app), req, _settings())
    except DomainError as err:
        db.session.rollback()
        return _form_page(view, form=form, errors=err.errors, error=err, status=err.status)
    save_cart({})
    session.pop("promotion_code", None)
    session["checkout_prefill"] = {k: form.get(k, "") for k in
                                   ("email", *ADDRESS_FIELDS, "shipping_method", "promotion_code")}
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
