"""Cart pages: ``GET /cart``, ``POST /cart/items`` (add), ``POST /cart/items/<sku>`` (change; 0 removes)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf

from storefront.cart import service as carts
from storefront.errorhandlers import wants_json
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.money import format_money

bp = Blueprint("cart", __name__)


@bp.context_processor
def _helpers():
    return {"fmt_money": format_money}


def current_cart() -> dict[str, int]:
    """The session cart, cleaned."""
    return carts.normalise(session.get("cart"))


def save_cart(cart: dict[str, int]) -> None:
    """Store the cart in the signed session cookie."""
    session["cart"] = dict(cart)
    session.modified = True


def _json_cart(cart: dict[str, int]):
    view = carts.view(db.session, cart)
    return jsonify({"items": view.items(), "count": view.count, "subtotal": view.subtotal,
                    "currency": view.currency})


def estimate(view) -> dict:
    """Shipping, tax and discount for the cart, to the country (and state) the shopper chose."""
    from flask import current_app

    from storefront.checkout import addresses, flow
    from storefront.checkout.settings import CheckoutSettings

    settings = CheckoutSettings.from_config(current_app.config, site_url=request.url_root)
    country = (request.args.get("country") or "US").upper()[:2]
    state = (request.args.get("state") or "").upper()[:3] or None
    code = session.get("promotion_code")
    totals, problem = (None, None)
    if view.lines:
        req = flow.OrderRequest(items=view.items(), email="", precautions_acknowledged=True,
                                shipping_address={"country": country, "state": state},
                                promotion_code=code)
        totals, problem = flow.estimate_order(db.session, req, settings)
    names = addresses.country_names()
    countries = sorted(((c, names.get(c, c)) for c in settings.shipping_table().countries()),
                       key=lambda c: c[1])
    return {"totals": totals, "problem": problem, "country": country, "state": state,
            "countries": countries, "regions": addresses.regions(country),
            "region_label": addresses.region_label(country), "promotion_code": code}


def _render(error: DomainError | None = None, status: int = 200):
    view = carts.view(db.session, current_cart())
    return render_template("cart/cart.html", cart=view, error=error, est=estimate(view)), status


def _apply(change):
    """Run a cart change; answer JSON to JSON clients, otherwise redirect (303) or re-render."""
    try:
        carts.reject_price_fields(request.form)
        cart = change(current_cart())
    except DomainError as err:
        if wants_json():
            raise
        return _render(err, err.status)
    save_cart(cart)
    if wants_json():
        return _json_cart(cart)
    return None


@bp.get("/cart")
def show():
    """The cart with server prices and a link to checkout; drops what can no longer be bought."""
    cart = current_cart()
    view = carts.view(db.session, cart)
    raw = session.get("cart")
    if raw is not None and (view.unavailable or cart != raw):
        save_cart({sku: qty for sku, qty in cart.items() if sku not in view.unavailable})
    if wants_json():
        return _json_cart(current_cart())
    return render_template("cart/cart.html", cart=view, error=None, est=estimate(view))


@bp.post("/cart/promotion")
def promotion():
    """Remember a promotion code for checkout (checked now, applied on the server at checkout)."""
    code = (request.form.get("promotion_code") or "").strip().upper()[:40]
    if request.form.get("remove") or not code:
        session.pop("promotion_code", None)
        return redirect(url_for("cart.show"), 303)
    from storefront.promotions.service import EligibleLine, PromotionInvalid, evaluate

    view = carts.view(db.session, current_cart())
    try:
        evaluate(db.session, code, currency=view.currency or "USD",
                 lines=[EligibleLine(line.product.sku, str(line.product.kind), line.line_total)
                        for line in view.lines])
    except PromotionInvalid as err:
        return _render(err, 422)
    session["promotion_code"] = code
    flash(f"Code {code} applied.", "success")
    return redirect(url_for("cart.show"), 303)


@bp.get("/cart/token")
def token():
    """This visitor's CSRF token (JSON), for the add-to-cart form of a shared product page.

    It starts the visitor's session (the token is bound to it, as for any form); the answer
    is never stored, and another site cannot read it (same-origin policy, no CORS).
    """
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


def _first_add_from_here() -> bool:
    """A token-less add from a client with no session of ours, sent from our own pages or by
    a client that is not a browser on another site.

    There is no session for a forged request to ride on, and a browser posting from another
    site always says so (``Origin``, ``Sec-Fetch-Site``), so such an add needs no token: it is
    how a shared product page's form works without JavaScript on a first visit, and how a
    plain HTTP client adds to a cart. A request that offers a token, carries our session
    cookie or comes from another site still needs a valid token.
    """
    if current_app.config.get("SESSION_COOKIE_NAME", "session") in request.cookies:
        return False
    if request.form.get("csrf_token"):
        return False  # a token was offered: it must be the right one
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin.rstrip("/") == request.host_url.rstrip("/")


@bp.errorhandler(CSRFError)
def _csrf_refused(err):
    """No valid token: adding to the cart asks to confirm, with this visitor's own token.

    That is the path of a shared product page sent without JavaScript by a visitor who
    already has a session; nothing is added until the visitor confirms on a page of ours
    (frames are refused: X-Frame-Options). A first visit's add goes through
    (``_first_add_from_here``).
    """
    db.session.rollback()
    if request.endpoint != "cart.add" or wants_json():
        return render_template("errors/error.html", status=400, code="csrf",
                               message=err.description), 400
    if _first_add_from_here():
        return add()
    sku = str(request.form.get("sku") or "")[:64]
    view = carts.view(db.session, {sku: 1}) if sku else None
    line = view.lines[0] if view is not None and view.lines else None
    return render_template("cart/confirm_add.html", line=line, sku=sku,
                           quantity=str(request.form.get("quantity") or "1")[:4]), 400


@bp.post("/cart/items")
def add():
    """Add ``quantity`` (default 1) of ``sku`` to the cart."""
    sku = request.form.get("sku")
    result = _apply(lambda cart: carts.add_item(db.session, cart, sku, request.form.get("quantity", "1")))
    if result is not None:
        return result
    flash("Added to your cart.", "success")
    return redirect(url_for("cart.show"), 303)


@bp.post("/cart/items/<sku>")
def change(sku: str):
    """Set the quantity of ``sku`` in the cart; 0 removes it."""
    result = _apply(lambda cart: carts.set_quantity(db.session, cart, sku,
                                                    request.form.get("quantity")))
    if result is not None:
        return result
    return redirect(url_for("cart.show"), 303)
