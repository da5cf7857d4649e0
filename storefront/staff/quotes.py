"""Staff quote work through the quotes package's workflow, with the audit trail around it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from storefront.db import utcnow
from storefront.errors import ValidationError
from storefront.money import format_money
from storefront.quotes import workflow
from storefront.quotes.models import Quote, QuoteMessage
from storefront.staff.audit import record
from storefront.staff.models import StaffUser
from storefront.staff.orders import parse_amount

# The workflow's limits, stated to staff before it refuses.
MAX_UNIT_PRICE = 100_000_000
MAX_LEAD_DAYS = 730


def actor_label(user: StaffUser) -> str:
    """How staff appear in a quote's own history."""
    return f"staff:{user.email}"


def snapshot(quote: Quote) -> dict[str, Any]:
    """What the audit log stores about a quote before / after a staff action."""
    return {"status": quote.status.value, "quoted_total": quote.quoted_total,
            "quote_currency": quote.quote_currency, "deposit_pct": quote.deposit_pct,
            "valid_until": quote.valid_until.isoformat() if quote.valid_until else None,
            "unit_prices": {str(ln.position + 1): ln.quoted_unit_price for ln in quote.lines}}


def start_review(session, user: StaffUser, quote: Quote, *, ip: str | None = None) -> None:
    """Take a new request into review."""
    before = snapshot(quote)
    workflow.start_review(session, quote, actor=actor_label(user))
    record(session, user, "quote.review", "quote", quote.reference, before=before,
           after=snapshot(quote), ip=ip)


def parse_issue_form(form: Any, quote: Quote) -> dict[str, Any]:
    """Turn the issue form (major-unit prices, days) into ``workflow.issue_quote`` arguments."""
    errors: dict[str, list[str]] = {}
    currency = (form.get("currency") or quote.quote_currency or quote.currency).upper()
    prices: dict[int, int] = {}
    lead_times: dict[int, int] = {}
    for line in quote.lines:
        n = line.position + 1
        raw = form.get(f"price_{n}", "")
        try:
            amount = parse_amount(raw, currency)
        except ValidationError as err:
            errors[f"price_{n}"] = err.errors["amount"]
            amount = -1  # reported; the lead time is still checked
        if amount == -1:
            pass
        elif amount is not None:
            if amount > MAX_UNIT_PRICE:
                errors[f"price_{n}"] = [f"At most {format_money(MAX_UNIT_PRICE, currency)} a unit."]
            prices[n] = amount
        elif line.quoted_unit_price is None:
            errors[f"price_{n}"] = ["Enter a unit price for this line."]
        days = (form.get(f"lead_{n}") or "").strip()
        if days:
            if not (days.isascii() and days.isdigit()) or len(days) > 4:
                errors[f"lead_{n}"] = ["Enter whole days."]
            elif int(days) > MAX_LEAD_DAYS:
                errors[f"lead_{n}"] = [f"At most {MAX_LEAD_DAYS} days."]
            else:
                lead_times[n] = int(days)
    valid_days = (form.get("valid_days") or "30").strip()
    if not (valid_days.isascii() and valid_days.isdigit()) or not 1 <= int(valid_days) <= 366:
        errors["valid_days"] = ["Enter 1 to 366 days."]
    deposit = (form.get("deposit_pct") or "").strip()
    if deposit and (not (deposit.isascii() and deposit.isdigit()) or not 1 <= int(deposit) <= 99):
        errors["deposit_pct"] = ["Enter a whole percentage from 1 to 99, or leave it blank."]
    if errors:
        raise ValidationError("Please correct the quote.", errors=errors)
    terms = (form.get("terms") or "").strip()
    return {"unit_prices": prices, "lead_times": lead_times, "currency": currency,
            "valid_until": utcnow() + timedelta(days=int(valid_days)),
            "deposit_pct": int(deposit) if deposit else None, "terms": terms[:5000] or None}


_LINE_FIELD = re.compile(r"^lines\[(\d+)\]\.(unit_price|lead_time_days)$")


def form_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The workflow's error paths (``lines[1].unit_price``) as the Send form's fields (``price_2``)."""
    out: dict[str, list[str]] = {}
    for path, messages in errors.items():
        m = _LINE_FIELD.match(path)
        if m:
            key = f"{'price' if m.group(2) == 'unit_price' else 'lead'}_{int(m.group(1)) + 1}"
        else:
            key = {"valid_until": "valid_days"}.get(path, path)
        out.setdefault(key, []).extend(messages)
    return out


def line_errors(quote: Quote, errors: dict[str, list[str]]) -> list[tuple[int, str, list[str]]]:
    """Per-line problems for the summary above the Send form: (line number, item, messages)."""
    out = []
    for line in quote.lines:
        n = line.position + 1
        msgs = [*errors.get(f"price_{n}", []), *errors.get(f"lead_{n}", [])]
        if msgs:
            out.append((n, line.sku or f"custom {line.kind.value}", msgs))
    return out


def issue(session, user: StaffUser, quote: Quote, args: dict[str, Any], *,
          accept_url: Callable[[str], str], ip: str | None = None) -> datetime:
    """Price the lines and send the quote; ``accept_url(token)`` builds the buyer's link."""
    before = snapshot(quote)
    try:
        issued = workflow.issue_quote(session, quote, actor=actor_label(user), **args)
    except ValidationError as err:
        raise ValidationError(err.message, errors=form_errors(err.errors)) from None
    workflow.send_issued_quote(session, quote, issued, accept_url=accept_url(issued.token))
    record(session, user, "quote.issue", "quote", quote.reference, before=before,
           after=snapshot(quote), ip=ip)
    return quote.valid_until


def decline(session, user: StaffUser, quote: Quote, *, reason: str, staff_email: str,
            ip: str | None = None) -> None:
    """Decline a request; the buyer is told the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the buyer a reason.", errors={"reason": ["must not be empty"]})
    before = snapshot(quote)
    workflow.decline(session, quote, actor=actor_label(user), reason=reason[:1000],
                     staff_email=staff_email)
    record(session, user, "quote.decline", "quote", quote.reference, before=before,
           after={**snapshot(quote), "reason": reason[:1000]}, ip=ip)


def message(session, user: StaffUser, quote: Quote, *, body: str, internal: bool,
            ip: str | None = None) -> QuoteMessage:
    """Write to the buyer (emailed) or add an internal note."""
    msg = workflow.add_message(session, quote, author=actor_label(user), body=body,
                               internal=internal)
    record(session, user, "quote.note" if internal else "quote.message", "quote",
           quote.reference, after={"message_id": msg.id, "internal": internal,
                                   "length": len(msg.body)}, ip=ip)
    return msg
