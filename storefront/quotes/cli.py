"""``storefront quotes …``: the staff workflow from the command line."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, time, timedelta

import click
from flask import current_app, url_for
from flask.cli import with_appcontext

from storefront import money
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.mail import send_after_commit
from storefront.money import format_money
from storefront.quotes import attachments, export, ordering, workflow
from storefront.quotes.models import Quote, QuoteStatus

STATUS_CHOICE = click.Choice([s.value for s in QuoteStatus])
_by = click.option("--by", "by", envvar="STOREFRONT_STAFF", required=True,
                   help="Who is making the change (recorded in the history); env STOREFRONT_STAFF.")


def public_url(endpoint: str, **values) -> str:
    """An absolute URL for emails sent outside a request (``SITE_URL``, default localhost:5000)."""
    base = current_app.config["SITE_URL"] or "http://127.0.0.1:5000"  # outside a request
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def _commit() -> None:
    db.session.commit()
    send_after_commit(current_app._get_current_object())


def _load(reference: str) -> Quote:
    try:
        return workflow.get_by_reference(db.session, reference)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None


def _fail(exc: DomainError) -> click.ClickException:
    db.session.rollback()
    detail = f" {json.dumps(exc.errors, default=str)}" if exc.errors else ""
    return click.ClickException(f"{exc.message}{detail}")


def _money_arg(text: str, currency: str) -> int:
    """``9000`` (minor units) or ``90.00`` (major units, with the currency's decimal places)."""
    text = text.strip().replace(",", "")
    if re.fullmatch(r"\d+", text):
        return int(text)
    if "." in text:
        try:
            return money.parse_major(text, currency)
        except ValueError:
            pass
    raise click.BadParameter(f"{text!r} is not an amount (9000 minor units, or 90.00)")


def _pairs(values: tuple[str, ...], convert, option: str) -> dict[int, int]:
    out: dict[int, int] = {}
    for item in values:
        line, sep, value = item.partition("=")
        if not sep or not (line.strip().isascii() and line.strip().isdigit()):
            raise click.BadParameter(f"{item!r}: expected LINE=VALUE, e.g. 1=9000", param_hint=option)
        out[int(line)] = convert(value)
    return out


def _days(text: str) -> int:
    if not (text.strip().isascii() and text.strip().isdigit()):
        raise click.BadParameter(f"{text!r} is not a number of days")
    return int(text)


def quote_dict(quote: Quote) -> dict:
    """Everything about a quote as plain JSON-ready data."""
    data = export.quote_row(quote)
    data["lines"] = [{
        "line": line.position + 1, "sku": line.sku, "name": line.product_name, "kind": line.kind.value,
        "prescription": line.prescription, "description": line.description, "quantity": line.quantity,
        "customisations": line.customisations, "indicative_unit_price": line.indicative_unit_price,
        "indicative_currency": line.indicative_currency, "moq": line.moq, "below_moq": line.below_moq,
        "quoted_unit_price": line.quoted_unit_price, "lead_time_days": line.lead_time_days,
    } for line in quote.lines]
    data["deposit_pct"] = quote.deposit_pct
    data["order_status"] = ordering.order_status(db.session, quote)
    data["terms"] = quote.terms
    data["events"] = [{
        "at": e.at.isoformat(timespec="seconds"), "actor": e.actor, "action": e.action,
        "from": e.from_status.value if e.from_status else None,
        "to": e.to_status.value if e.to_status else None, "detail": e.detail,
    } for e in quote.events]
    data["messages"] = [{
        "at": m.at.isoformat(timespec="seconds"), "author": m.author, "from_buyer": m.from_buyer,
        "internal": m.internal, "body": m.body,
    } for m in quote.messages]
    data["attachments"] = [{
        "id": a.id, "filename": a.filename, "content_type": a.content_type, "size_bytes": a.size_bytes,
        "sha256": a.sha256,
    } for a in quote.attachments]
    return data


@click.group("quotes")
def quotes_cli():
    """Review, price, decline, expire and export OEM / B2B quote requests."""


@quotes_cli.command("list")
@click.option("--status", "statuses", multiple=True, type=STATUS_CHOICE, help="Only these statuses (repeatable).")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
@with_appcontext
def list_cmd(statuses, limit, as_json):
    """List quotes, newest first."""
    quotes = workflow.list_quotes(db.session, statuses=[QuoteStatus(s) for s in statuses] or None,
                                  limit=limit)
    if as_json:
        for q in quotes:
            click.echo(json.dumps(export.quote_row(q), default=str))
        return
    click.echo(f"{'reference':<15} {'status':<10} {'created':<17} {'company':<28} {'cc':<2} "
               f"{'lines':>5} {'quoted':>14} {'valid until':<11}")
    for q in quotes:
        quoted = format_money(q.quoted_total, q.quote_currency or q.currency) if q.quoted_total else ""
        click.echo(f"{q.reference:<15} {q.status.value:<10} {q.created_at:%Y-%m-%d %H:%M} "
                   f"{q.company[:28]:<28} {q.country:<2} {len(q.lines):>5} {quoted:>14} "
                   f"{q.valid_until.strftime('%Y-%m-%d') if q.valid_until else '':<11}")
    counts = workflow.status_counts(db.session)
    click.echo("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no quotes")


@quotes_cli.command("show")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def show_cmd(reference, as_json):
    """Show a quote with its lines, history and messages."""
    q = _load(reference)
    data = quote_dict(q)
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
        return
    click.echo(f"{q.reference}  [{q.status.value}]  {q.created_at:%Y-%m-%d %H:%M} UTC via {q.source}")
    click.echo(f"{q.company} ({q.buyer_type.value}, {q.country}) — {q.contact_name} <{q.email}> {q.phone or ''}")
    if q.licence_number:
        click.echo(f"Practitioner: {q.practice_name}, licence {q.licence_number}")
    if q.target_unit_price is not None:
        click.echo(f"Target unit price: {format_money(q.target_unit_price, q.currency)}")
    if q.needed_by:
        click.echo(f"Needed by: {q.needed_by}")
    click.echo("Lines:")
    for ln in data["lines"]:
        what = f"{ln['sku']} {ln['name']}" if ln["sku"] else f"custom {ln['kind']}: {ln['description']}"
        extra = []
        if ln["indicative_unit_price"] is not None:
            extra.append(f"indicative {format_money(ln['indicative_unit_price'], ln['indicative_currency'])}")
        if ln["below_moq"]:
            extra.append(f"below MOQ {ln['moq']}")
        if ln["prescription"]:
            extra.append("Rx only")
        if ln["quoted_unit_price"] is not None:
            extra.append(f"quoted {format_money(ln['quoted_unit_price'], q.quote_currency or q.currency)}")
        click.echo(f"  {ln['line']}. {what} × {ln['quantity']}  ({'; '.join(extra)})")
        if ln["customisations"]:
            click.echo(f"     {json.dumps(ln['customisations'])}")
    if q.notes:
        click.echo(f"Notes: {q.notes}")
    if q.quoted_total is not None:
        click.echo(f"Quoted total: {format_money(q.quoted_total, q.quote_currency)}; valid until "
                   f"{q.valid_until:%Y-%m-%d %H:%M} UTC; deposit {q.deposit_pct or '—'}%")
    if q.order_ref:
        click.echo(f"Order: {q.order_ref} ({q.payment_option.value if q.payment_option else ''} "
                   f"{format_money(q.amount_due, q.quote_currency)}), "
                   f"{ordering.order_status(db.session, q) or 'not found'}")
    for a in data["attachments"]:
        click.echo(f"Attachment #{a['id']}: {a['filename']} {a['content_type']} {a['size_bytes']} bytes")
    click.echo("History:")
    for e in data["events"]:
        move = f" {e['from'] or ''}→{e['to']}" if e["to"] else ""
        click.echo(f"  {e['at']} {e['actor']} {e['action']}{move}")
    for m in data["messages"]:
        tag = "internal" if m["internal"] else ("buyer" if m["from_buyer"] else "to buyer")
        click.echo(f"  [{tag}] {m['at']} {m['author']}: {m['body']}")


@quotes_cli.command("review")
@click.argument("reference")
@_by
@with_appcontext
def review_cmd(reference, by):
    """Take a new request into review."""
    q = _load(reference)
    try:
        workflow.start_review(db.session, q, actor=f"staff:{by}")
    except DomainError as exc:
        raise _fail(exc) from None
    _commit()
    click.echo(f"{q.reference} is in review")


@quotes_cli.command("quote")
@click.argument("reference")
@_by
@click.option("--price", "prices", multiple=True, metavar="LINE=AMOUNT",
              help="Unit price for a line (1-based): minor units (9000) or 90.00. Repeat per line.")
@click.option("--lead-time", "lead_times", multiple=True, metavar="LINE=DAYS")
@click.option("--valid-days", type=click.IntRange(1, 366), default=None, help="Valid for N days from now.")
@click.option("--valid-until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Valid until the end of this day (UTC).")
@click.option("--currency", default=None, help="Quote currency (default: the buyer's).")
@click.option("--deposit-pct", type=click.IntRange(1, 99), default=None,
              help="Let the buyer pay this share now (else only the full amount).")
@click.option("--terms", default=None, help="Terms shown with the quote.")
@with_appcontext
def quote_cmd(reference, by, prices, lead_times, valid_days, valid_until, currency, deposit_pct, terms):
    """Price the lines and send the quote (prints the buyer's accept link)."""
    if valid_days and valid_until:
        raise click.UsageError("give --valid-days or --valid-until, not both")
    now = datetime.now(UTC)
    if valid_until:
        until = datetime.combine(valid_until.date(), time(23, 59, 59), tzinfo=UTC)
    else:
        until = now + timedelta(days=valid_days or 30)
    q = _load(reference)
    try:
        issued = workflow.issue_quote(
            db.session, q, actor=f"staff:{by}", unit_prices=_pairs(prices, lambda t: _money_arg(t, currency or q.quote_currency or q.currency), "--price"),
            lead_times=_pairs(lead_times, _days, "--lead-time"), valid_until=until,
            currency=currency, deposit_pct=deposit_pct, terms=terms, now=now)
        link = public_url("quotes_web.view", token=issued.token)
        workflow.send_issued_quote(db.session, q, issued, accept_url=link)
    except DomainError as exc:
        raise _fail(exc) from None
    _commit()
    click.echo(f"{q.reference} quoted: {format_money(q.quoted_total, q.quote_currency)}, "
               f"valid until {q.valid_until:%Y-%m-%d %H:%M} UTC")
    click.echo(f"accept link: {link}")


@quotes_cli.command("decline")
@click.argument("reference")
@_by
@click.option("--reason", required=True, help="Sent to the buyer.")
@with_appcontext
def decline_cmd(reference, by, reason):
    """Decline a request (emails the buyer the reason)."""
    q = _load(reference)
    try:
        workflow.decline(db.session, q, actor=f"staff:{by}", reason=reason,
                         staff_email=current_app.config["STAFF_EMAIL"])
    except DomainError as exc:
        raise _fail(exc) from None
    _commit()
    click.echo(f"{q.reference} declined")


@quotes_cli.command("message")
@click.argument("reference")
@click.argument("body")
@_by
@click.option("--internal", is_flag=True, help="A staff-only note; not sent to the buyer.")
@with_appcontext
def message_cmd(reference, body, by, internal):
    """Write to the buyer (emailed) or add an internal note; BODY '-' reads standard input."""
    if body == "-":
        body = sys.stdin.read()
    q = _load(reference)
    try:
        workflow.add_message(db.session, q, author=f"staff:{by}", body=body, internal=internal)
    except DomainError as exc:
        raise _fail(exc) from None
    _commit()
    click.echo(f"{'note added to' if internal else 'message sent on'} {q.reference}")


@quotes_cli.command("expire")
@with_appcontext
def expire_cmd():
    """Expire quotes past their validity date (run from cron)."""
    refs = workflow.expire_due(db.session)
    _commit()
    click.echo(f"expired {len(refs)}" + (": " + ", ".join(refs) if refs else ""))


@quotes_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@click.option("--status", "statuses", multiple=True, type=STATUS_CHOICE)
@with_appcontext
def export_cmd(path, statuses):
    """Write quotes as CSV (cells that a spreadsheet would run as formulas are neutralised)."""
    quotes = workflow.list_quotes(db.session, statuses=[QuoteStatus(s) for s in statuses] or None)
    if path == "-":
        n = export.write_csv(quotes, sys.stdout)
    else:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            n = export.write_csv(quotes, fh)
        click.echo(f"wrote {n} quotes to {path}")


@quotes_cli.command("attachment")
@click.argument("reference")
@click.argument("attachment_id", type=int)
@click.argument("dest", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def attachment_cmd(reference, attachment_id, dest):
    """Copy a buyer's attachment out of storage to DEST."""
    q = _load(reference)
    att = next((a for a in q.attachments if a.id == attachment_id), None)
    if att is None:
        raise click.ClickException(f"{q.reference} has no attachment #{attachment_id}")
    data = attachments.path_for(current_app.config["UPLOAD_DIR"], att.storage_key).read_bytes()
    with open(dest, "wb") as fh:
        fh.write(data)
    click.echo(f"wrote {att.filename} ({att.content_type}, {len(data)} bytes) to {dest}")
