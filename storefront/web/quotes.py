"""Quote pages: the public request form and the buyer's personal quote page (accept / decline)."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from storefront.catalog.models import Kind, Product, Status
from storefront.checkout import quote_orders
from storefront.db import utcnow
from storefront.errors import DomainError
from storefront.extensions import db, limiter
from storefront.mail import send_after_commit
from storefront.money import format_money
from storefront.quotes import attachments, intake, ordering, workflow
from storefront.quotes.models import QuoteStatus
from storefront.quotes.pricing import CURRENCIES
from storefront.quotes.ratelimit import submit_limit
from storefront.quotes.schemas import CERTIFICATIONS, MAX_LINES, QuoteRequestSchema, countries
from storefront.web.quote_form import blank, flatten, form_to_request, to_form_paths

log = logging.getLogger(__name__)
bp = Blueprint("quotes_web", __name__)

FORM_ROWS = 3  # line rows shown by default; the script adds more up to MAX_LINES
HONEYPOT = "website"  # hidden from people; bots that fill every field fill it too


@bp.context_processor
def _layout():
    # The site's base.html when the pages are installed, else a minimal standalone layout.
    name = current_app.jinja_env.select_template(["base.html", "quotes/_standalone.html"]).name
    return {"quotes_layout": name}


def _products() -> list[Product]:
    return list(db.session.scalars(
        select(Product).where(Product.status == Status.PUBLISHED).order_by(Product.name).limit(500)
    ))


def _render_form(form=None, errors=None, status=200, message=None):
    form = form if form is not None else request.args
    rows = FORM_ROWS
    for i in range(MAX_LINES):
        if any(k.startswith(f"lines-{i}-") for k in form.keys()):
            rows = max(rows, i + 1)
    errors = errors or {}
    html = render_template(
        "quotes/request.html", form=form, errors=errors, message=message, rows=rows,
        max_lines=MAX_LINES, products=_products(), kinds=[k.value for k in Kind],
        countries=countries(), currencies=CURRENCIES, certifications=CERTIFICATIONS,
        honeypot=HONEYPOT,
        max_attachment_mb=current_app.config["QUOTE_ATTACHMENT_MAX_BYTES"] / (1024 * 1024),
    )
    return html, status


# ---- request form ------------------------------------------------------------------------


@bp.get("/oem/quote")
def request_form():
    """Show the quote request form (``?sku=`` and ``?quantity=`` prefill the first line)."""
    args = request.args
    form = {}
    if args.get("sku"):
        form["lines-0-sku"] = args.get("sku", "")[:64]
        form["lines-0-quantity"] = args.get("quantity", "")[:9]
    return _render_form(MultiDict(form))


@bp.post("/oem/quote")
@submit_limit
def submit_request():
    """Store a quote request, then email buyer and staff; answers with the reference."""
    form = request.form
    if not blank(form.get(HONEYPOT)):
        log.info("quote form honeypot filled from %s; not stored", request.remote_addr)
        return render_template("quotes/sent.html", reference=None), 200
    data, adapter_errors, rows = form_to_request(form)
    try:
        loaded = QuoteRequestSchema().load(data)
    except SchemaError as exc:
        errors = to_form_paths(flatten(exc.messages), rows)
        for k, v in {**to_form_paths(flatten(intake.catalogue_errors(db.session, data)), rows),
                     **adapter_errors}.items():
            errors.setdefault(k, v)
        return _render_form(form, errors, 422, "Please correct the highlighted fields.")
    if adapter_errors:
        return _render_form(form, adapter_errors, 422, "Please correct the highlighted fields.")

    upload = request.files.get("attachment")
    attachment = None
    if upload is not None and upload.filename:
        limit = current_app.config["QUOTE_ATTACHMENT_MAX_BYTES"]
        attachment = (upload.filename, upload.stream.read(limit + 1))
    upload_dir = current_app.config["UPLOAD_DIR"]
    try:
        result = intake.create_request(
            db.session, loaded, source="web", staff_email=current_app.config["STAFF_EMAIL"],
            upload_dir=upload_dir, attachment=attachment,
            max_attachment_bytes=current_app.config["QUOTE_ATTACHMENT_MAX_BYTES"],
            client_ip=request.remote_addr,
        )
    except DomainError as exc:
        db.session.rollback()
        errors = to_form_paths(flatten(exc.errors), rows)
        return _render_form(form, errors, exc.status, exc.message)
    try:
        db.session.commit()
    except BaseException:
        attachments.discard(upload_dir, result.stored_keys)
        raise
    send_after_commit(current_app._get_current_object())
    session["quote_sent"] = {"reference": result.quote.reference, "warnings": result.warnings[:10]}
    return redirect(url_for("quotes_web.sent"), code=303)


@bp.get("/oem/quote/sent")
def sent():
    """Confirm the request with its reference (after the redirect, so a reload does not resubmit)."""
    info = session.get("quote_sent")
    if not info:
        return redirect(url_for("quotes_web.request_form"))
    return render_template("quotes/sent.html", reference=info["reference"], warnings=info.get("warnings", []))


def _on_request_form() -> bool:
    return request.endpoint == "quotes_web.submit_request"


@bp.errorhandler(CSRFError)
def _csrf(err):
    """An expired or missing CSRF token: show the form again with what was typed."""
    db.session.rollback()
    if _on_request_form():
        return _render_form(request.form, {}, 400,
                            "Your session expired before you sent the form. Please send it again.")
    return render_template("errors/error.html", status=400, code="csrf", message=err.description), 400


@bp.errorhandler(TooManyRequests)
def _too_many(err):
    """Rate limited: keep the buyer's input on the page and say when to retry."""
    db.session.rollback()
    if _on_request_form():
        return _render_form(request.form, {}, 429,
                            "Too many requests from your network. Please wait a minute and send again.")
    return render_template("errors/error.html", status=429, code="too_many_requests",
                           message="Too many requests. Please wait a minute and try again."), 429


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(err):
    """The body was over the size limit; the form cannot be read, so show it empty with the reason."""
    db.session.rollback()
    limit_mb = current_app.config["QUOTE_ATTACHMENT_MAX_BYTES"] / (1024 * 1024)
    return _render_form(MultiDict(), {"attachment": [f"must be at most {limit_mb:g} MB"]}, 413,
                        "The upload was too large, so the form could not be read. Please send it again "
                        "with a smaller attachment.")


# ---- the buyer's quote page ----------------------------------------------------------------


def _quote_or_404(token: str):
    quote = workflow.find_by_token(db.session, token)
    if quote is None:
        abort(404)
    return quote


def _no_leak(resp):
    # The URL is the credential: keep it out of shared caches and out of Referer headers.
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


@bp.after_request
def _token_urls_leak_nothing(resp):
    """Every answer under a quote's token URL (pages, redirects, errors) is no-store, no-referrer."""
    if request.view_args and "token" in request.view_args:
        _no_leak(resp)
    return resp


def pay_url(quote, *, external: bool = False) -> str | None:
    """Checkout's payment page for the quote's order (``/checkout/pay/<order id>``)."""
    if not quote.order_ref:
        return None
    return url_for("checkout.pay", order_id=quote.order_ref, _external=external)


def _render_quote(quote, status=200, errors=None):
    now = utcnow()
    options = workflow.payment_options(quote)
    cur = quote.quote_currency or quote.currency
    live = workflow.is_live(quote, now)
    resp = current_app.make_response((render_template(
        "quotes/view.html", quote=quote, live=live, now=now,
        options={k.value: format_money(v, cur) for k, v in options.items()},
        money=format_money, currency=cur, errors=errors or {},
        messages=[m for m in quote.messages if not m.internal],
        precautions=ordering.precautions(quote) if live else [],
        pay_url=pay_url(quote), payable_online=ordering.payable_online(quote),
        order_status=ordering.order_status(db.session, quote),
        balance=ordering.balance(db.session, quote),
    ), status))
    return resp  # no-store and no-referrer come from _token_urls_leak_nothing


@bp.get("/oem/quotes/<token>")
def view(token):
    """The buyer's quote: lines, total, validity, accept / decline and messages."""
    return _render_quote(_quote_or_404(token))


def _continue_payment(quote, token):
    """Create (or find again) the order for an accepted quote and send the buyer to pay it."""
    from storefront.checkout.settings import CheckoutSettings
    from storefront.payments.gateway import gateway_for

    here = url_for("quotes_web.view", token=token)
    if not ordering.payable_online(quote):
        return redirect(here, 303)
    try:
        quote_orders.start_quote_payment(
            db.session, gateway_for(current_app), quote, precautions_acknowledged=True,
            settings=CheckoutSettings.from_config(current_app.config, site_url=request.host_url),
        )
    except DomainError as exc:
        # The acceptance is already committed; the buyer can retry from the quote page.
        db.session.rollback()
        log.warning("payment for quote %s could not start: %s", quote.reference, exc.message)
        flash("Your acceptance is recorded, but the payment could not be started. Please try again "
              "in a moment.", "error")
        return redirect(here, 303)
    workflow.notify_accepted(db.session, quote, staff_email=current_app.config["STAFF_EMAIL"],
                             pay_url=pay_url(quote, external=True))
    db.session.commit()
    send_after_commit(current_app._get_current_object())
    return redirect(pay_url(quote), 303)


@bp.post("/oem/quotes/<token>/accept")
@limiter.limit("20 per minute")
def accept(token):
    """Accept a live quote, then pay the deposit or the full amount through checkout."""
    quote = _quote_or_404(token)
    if quote.status == QuoteStatus.ACCEPTED:
        return _continue_payment(quote, token)  # a second click or a retry
    if live_precautions := (ordering.precautions(quote) if workflow.is_live(quote) else []):
        if request.form.get("precautions_acknowledged") != "on":
            return _render_quote(quote, 422, {"precautions_acknowledged": [
                "Please confirm you have read the precautions for these devices."]})
    try:
        workflow.accept(db.session, quote, payment_option=request.form.get("payment_option"),
                        actor=f"buyer:{quote.email}", ip=request.remote_addr,
                        precautions_acknowledged=bool(live_precautions))
    except workflow.QuoteExpired:
        db.session.rollback()
        workflow.expire(db.session, quote)
        db.session.commit()
        return _render_quote(quote, 410)
    except DomainError as exc:
        db.session.rollback()
        db.session.refresh(quote)
        return _render_quote(quote, exc.status, flatten(exc.errors) or {"_form": [exc.message]})
    if quote.amount_due is None:  # settled by bank transfer: nothing to pay online
        workflow.notify_accepted(db.session, quote, staff_email=current_app.config["STAFF_EMAIL"],
                                 pay_url=None)
    # Record the acceptance before talking to Stripe: a payment failure must not lose it.
    db.session.commit()
    send_after_commit(current_app._get_current_object())
    return _continue_payment(quote, token)


def _pay_balance(quote, token):
    """Create (or find again) the order for the balance after the deposit and go pay it."""
    from storefront.checkout.settings import CheckoutSettings
    from storefront.payments.gateway import PaymentsUnavailable, gateway_for

    try:
        placed = quote_orders.start_balance_payment(
            db.session, gateway_for(current_app), quote,
            settings=CheckoutSettings.from_config(current_app.config, site_url=request.host_url))
    except PaymentsUnavailable as exc:
        db.session.rollback()
        log.warning("balance payment for quote %s could not start: %s", quote.reference, exc.message)
        flash("The payment could not be started. Please try again in a moment.", "error")
        return redirect(url_for("quotes_web.view", token=token), 303)
    except DomainError as exc:
        db.session.rollback()
        db.session.refresh(quote)
        return _render_quote(quote, exc.status, {"_form": [exc.message]})
    return redirect(url_for("checkout.pay", order_id=placed.order.public_id), 303)


@bp.post("/oem/quotes/<token>/pay")
@limiter.limit("20 per minute")
def pay(token):
    """Retry starting the payment of an accepted quote, or (``payment=balance``) pay the balance."""
    quote = _quote_or_404(token)
    if quote.status != QuoteStatus.ACCEPTED:
        return redirect(url_for("quotes_web.view", token=token), 303)
    if request.form.get("payment") == "balance":
        return _pay_balance(quote, token)
    return _continue_payment(quote, token)


@bp.post("/oem/quotes/<token>/decline")
@limiter.limit("20 per minute")
def decline(token):
    """Decline a live quote (optionally saying why)."""
    quote = _quote_or_404(token)
    reason = (request.form.get("reason") or "").strip()[:1000]
    try:
        workflow.decline(db.session, quote, actor=f"buyer:{quote.email}", reason=reason, by_buyer=True,
                         staff_email=current_app.config["STAFF_EMAIL"])
    except DomainError as exc:
        db.session.rollback()
        db.session.refresh(quote)
        return _render_quote(quote, exc.status, {"_form": [exc.message]})
    db.session.commit()
    send_after_commit(current_app._get_current_object())
    flash("You declined this quote. Thank you for letting us know.")
    return redirect(url_for("quotes_web.view", token=token), 303)


@bp.post("/oem/quotes/<token>/messages")
@limiter.limit("10 per minute")
def message(token):
    """Send staff a message about this quote."""
    quote = _quote_or_404(token)
    try:
        workflow.add_message(db.session, quote, author=f"buyer:{quote.email}",
                             body=request.form.get("body", ""), from_buyer=True,
                             staff_email=current_app.config["STAFF_EMAIL"])
    except DomainError as exc:
        db.session.rollback()
        db.session.refresh(quote)
        return _render_quote(quote, exc.status, flatten(exc.errors, "message"))
    db.session.commit()
    send_after_commit(current_app._get_current_object())
    flash("Message sent.")
    return redirect(url_for("quotes_web.view", token=token) + "#messages", 303)
