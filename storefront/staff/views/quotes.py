"""Staff quote pages: list, detail, review, issue, decline, messages, attachments, export."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from storefront.errors import DomainError, NotFound, ValidationError
from storefront.extensions import db
from storefront.mail import send_after_commit
from storefront.money import decimal_amount, format_money
from storefront.quotes import attachments, export, workflow
from storefront.quotes.models import QuoteStatus
from storefront.staff import audit as auditlog
from storefront.staff import quotes as svc
from storefront.staff.policy import can
from storefront.staff.views import bp
from storefront.staff.views.auth import client_ip, staff_required

OPEN = (QuoteStatus.NEW, QuoteStatus.IN_REVIEW, QuoteStatus.QUOTED)


def load_quote(reference: str, **_):
    """The quote named in the URL, or None."""
    try:
        return workflow.get_by_reference(db.session, reference)
    except NotFound:
        return None


def _me():
    return current_user._get_current_object()


def _render(quote, *, status=200, message=None, errors=None, form=None):
    return render_template(
        "staff/quote.html", quote=quote, money=format_money, message=message,
        errors=errors or {}, form=form or {}, open_statuses=OPEN,
        history=auditlog.for_object(db.session, "quote", quote.reference),
        may_manage=can(_me(), "quotes.manage", quote),
        line_errors=svc.line_errors(quote, errors or {}),
        price_value=lambda ln, cur: (decimal_amount(ln.quoted_unit_price, cur)
                                     if ln.quoted_unit_price is not None else ""),
        currency=quote.quote_currency or quote.currency,
    ), status


def _statuses():
    raw = request.args.get("status", "")
    return [QuoteStatus(raw)] if raw in {s.value for s in QuoteStatus} else None, raw


@bp.get("/quotes")
@staff_required("quotes.view")
def quotes():
    """List quotes, newest first, filtered by status."""
    statuses, raw = _statuses()
    rows = workflow.list_quotes(db.session, statuses=statuses, limit=200)
    return render_template("staff/quotes.html", quotes=rows, status=raw,
                           counts=workflow.status_counts(db.session),
                           statuses=list(QuoteStatus), money=format_money)


@bp.get("/quotes.csv")
@staff_required("quotes.view")
def quotes_csv():
    """Export quotes as spreadsheet-safe CSV (the quotes package's export)."""
    statuses, _ = _statuses()
    buf = io.StringIO()
    export.write_csv(workflow.list_quotes(db.session, statuses=statuses), buf)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Response(buf.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="quotes-{stamp}.csv"'})


@bp.get("/quotes/<reference>")
@staff_required("quotes.view", quote=load_quote)
def quote_detail(reference: str, quote):
    """One quote: buyer, lines, notes, attachments, messages, history and the actions."""
    return _render(quote)


@bp.get("/quotes/<reference>/attachments/<int:attachment_id>")
@staff_required("quotes.view", quote=load_quote)
def quote_attachment(reference: str, attachment_id: int, quote):
    """Download a buyer's attachment (always as a download, never rendered in the page)."""
    att = next((a for a in quote.attachments if a.id == attachment_id), None)
    if att is None:
        abort(404)
    path = attachments.path_for(current_app.config["UPLOAD_DIR"], att.storage_key)
    if not path.is_file():
        abort(404)
    resp = send_file(path, mimetype=att.content_type, as_attachment=True,
                     download_name=att.filename, max_age=0)
    resp.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return resp


def _act(quote, action):
    """Run a workflow action, commit, send mail; re-render with the error when refused."""
    form = request.form.to_dict()
    try:
        note = action(form)
        db.session.commit()
    except ValidationError as err:
        db.session.rollback()
        return _render(load_quote(quote.reference), status=422, message=err.message,
                       errors=err.errors, form=form)
    except DomainError as err:
        db.session.rollback()
        return _render(load_quote(quote.reference), status=err.status, message=err.message,
                       form=form)
    send_after_commit(current_app._get_current_object())
    flash(note, "success")
    return redirect(url_for("staff.quote_detail", reference=quote.reference), code=303)


@bp.post("/quotes/<reference>/review")
@staff_required("quotes.manage", quote=load_quote)
def quote_review(reference: str, quote):
    """Take a new request into review."""
    def run(form):
        svc.start_review(db.session, _me(), quote, ip=client_ip())
        return "In review."
    return _act(quote, run)


@bp.post("/quotes/<reference>/issue")
@staff_required("quotes.manage", quote=load_quote)
def quote_issue(reference: str, quote):
    """Price the lines and email the quote with its accept link."""
    def run(form):
        args = svc.parse_issue_form(form, quote)
        until = svc.issue(db.session, _me(), quote, args, ip=client_ip(),
                          accept_url=lambda token: url_for("quotes_web.view", token=token,
                                                           _external=True))
        return (f"Quote sent to {quote.email}: {format_money(quote.quoted_total, quote.quote_currency)}, "
                f"valid until {until:%Y-%m-%d}.")
    return _act(quote, run)


@bp.post("/quotes/<reference>/decline")
@staff_required("quotes.manage", quote=load_quote)
def quote_decline(reference: str, quote):
    """Decline the request; the buyer gets the reason by email."""
    def run(form):
        svc.decline(db.session, _me(), quote, reason=form.get("reason", ""),
                    staff_email=current_app.config["STAFF_EMAIL"], ip=client_ip())
        return "Declined."
    return _act(quote, run)


@bp.post("/quotes/<reference>/messages")
@staff_required("quotes.manage", quote=load_quote)
def quote_message(reference: str, quote):
    """Message the buyer, or add an internal note."""
    def run(form):
        internal = form.get("internal") == "1"
        svc.message(db.session, _me(), quote, body=form.get("body", ""), internal=internal,
                    ip=client_ip())
        return "Note added." if internal else "Message sent."
    return _act(quote, run)
