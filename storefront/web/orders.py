"""Order status page ``/orders/<order_id>``: shows "processing" until Stripe's webhook lands."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from storefront.cart import service as carts
from storefront.checkout import addresses, flow
from storefront.checkout.settings import CheckoutSettings
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.mail import send_after_commit
from storefront.money import format_money
from storefront.orders.service import get_order
from storefront.orders.states import RELEASED, OrderStatus
from storefront.payments import gateway_for
from storefront.web.cart import current_cart, save_cart

bp = Blueprint("orders", __name__)


@bp.context_processor
def _helpers():
    return {"fmt_money": format_money, "country_name": country_name}


def country_name(code: str | None) -> str:
    return addresses.country_names().get((code or "").upper(), code or "")


@bp.after_request
def _bearer_pages(resp):
    """Order pages are bearer links (the token is in the URL): never cached or leaked."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def display_state(order) -> str:
    """What the buyer sees: the status, with "processing" while Stripe has not confirmed."""
    if order.status == OrderStatus.PENDING_PAYMENT:
        if order.payment_status in ("succeeded", "processing"):
            return "processing"
        return "awaiting_payment"
    return order.status.value


@bp.get("/orders/<order_id>")
def show(order_id: str):
    """The order's status, lines and totals."""
    settings = CheckoutSettings.from_config(current_app.config, site_url=request.url_root)
    order = flow.view_order(db.session, gateway_for(current_app), settings, order_id)
    send_after_commit(current_app._get_current_object())
    if order.status != OrderStatus.PENDING_PAYMENT and order.status not in RELEASED:
        session.pop("checkout_prefill", None)  # paid: the details need not linger in the cookie
    return render_template("orders/order.html", order=order, state=display_state(order))


@bp.post("/orders/<order_id>/retry")
def retry(order_id: str):
    """Put a failed or expired order's items back in the cart and go to checkout."""
    order = get_order(db.session, order_id)
    if order.status not in RELEASED:
        return redirect(url_for("orders.show", order_id=order_id), 303)
    cart = current_cart()
    skipped = []
    for line in order.lines:
        if not line.sku or line.sku in cart:
            continue
        try:
            cart = carts.add_item(db.session, cart, line.sku, line.quantity)
        except DomainError:
            skipped.append(line.name)
    save_cart(cart)
    # The shopper's details come back into the form (a declined card should not cost them).
    address = order.shipping_address or {}
    session["checkout_prefill"] = {"email": order.email, **{k: address.get(k) or "" for k in (
        "name", "line1", "line2", "city", "state", "postal_code", "country")},
        "shipping_method": order.shipping_method or "", "promotion_code": order.promotion_code or ""}
    if skipped:
        flash("Some items could not be added back: " + ", ".join(skipped), "warning")
    return redirect(url_for("checkout.start"), 303)
