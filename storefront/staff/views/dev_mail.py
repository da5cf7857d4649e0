"""Development mail page: read every email the shop would have sent (DEV_MAIL_PAGE only)."""

from __future__ import annotations

from flask import abort, current_app, render_template, request

from storefront.extensions import db
from storefront.staff import devmail
from storefront.staff.views import bp
from storefront.staff.views.auth import staff_required


@bp.before_request
def _dev_mail_only_when_enabled():
    # Off in production: the page shows one-time links (quote accept tokens) in full.
    if (request.endpoint or "").startswith("staff.dev_mail") and not current_app.config.get("DEV_MAIL_PAGE"):
        abort(404)


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    return min(max(int(raw), 1), 100_000) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1


@bp.get("/dev/mail")
@staff_required()
def dev_mail():
    """Every email in the outbox, newest first (development only)."""
    to = request.args.get("to", "")[:320]
    q = request.args.get("q", "")[:200]
    listing = devmail.list_mail(db.session, to=to, q=q, page=_page_arg())
    return render_template("staff/dev_mail.html", listing=listing, to=to, q=q, message=None,
                           per_page=devmail.PER_PAGE)


@bp.get("/dev/mail/<int:email_id>")
@staff_required()
def dev_mail_message(email_id: int):
    """One email: headers, the text body with clickable links, the sanitised HTML body."""
    message = devmail.get_mail(db.session, email_id)
    if message is None:
        abort(404)
    return render_template("staff/dev_mail_message.html", message=message,
                           text=devmail.linkify_text(message.body_text or ""),
                           html=devmail.sanitise_html(message.body_html) if message.body_html else None)
