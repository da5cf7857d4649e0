"""Staff and buyer moves on a quote: review, quote, decline, accept, expire, messages.

Every status move is a conditional UPDATE (``WHERE status IN (allowed)``) so that two
actors racing (a buyer accepting while the expiry job runs, a double-clicked accept) can
never both win; the loser gets a ``Conflict``. Every change leaves a ``QuoteEvent``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from storefront.db import utcnow
from storefront.errors import Conflict, NotFound, ValidationError, field_path
from storefront.quotes import notify
from storefront.quotes.models import (
    PaymentOption,
    Quote,
    QuoteEvent,
    QuoteLine,
    QuoteMessage,
    QuoteStatus,
)
from storefront.quotes.pricing import CURRENCIES, MAX_ONLINE_AMOUNT, MIN_ONLINE_AMOUNT

MAX_VALIDITY = timedelta(days=366)


class QuoteStateError(Conflict):
    code = "quote_state"


class QuoteExpired(Conflict):
    code = "quote_expired"
    status = 410


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _eager():
    return (selectinload(Quote.lines).selectinload(QuoteLine.product),
            selectinload(Quote.events), selectinload(Quote.messages), selectinload(Quote.attachments))


def get_by_reference(session: Session, reference: str) -> Quote:
    """The quote with this reference (lines, events, messages loaded) or NotFound."""
    quote = session.scalar(select(Quote).where(Quote.reference == reference.strip().upper())
                           .options(*_eager()))
    if quote is None:
        raise NotFound(f"No quote {reference}.")
    return quote


def find_by_token(session: Session, token: str) -> Quote | None:
    """The quote whose accept link carries ``token`` (looked up by hash), or None."""
    if not token or len(token) > 100:
        return None
    return session.scalar(select(Quote).where(Quote.accept_token_hash == hash_token(token))
                          .options(*_eager()))


def list_quotes(session: Session, *, statuses: Iterable[QuoteStatus] | None = None,
                since: datetime | None = None, limit: int | None = None) -> list[Quote]:
    """Quotes, newest first, with their lines loaded."""
    stmt = select(Quote).options(selectinload(Quote.lines)).order_by(Quote.created_at.desc(), Quote.id.desc())
    if statuses:
        stmt = stmt.where(Quote.status.in_(list(statuses)))
    if since is not None:
        stmt = stmt.where(Quote.created_at >= since)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def status_counts(session: Session) -> dict[str, int]:
    """Number of quotes per status."""
    rows = session.execute(select(Quote.status, func.count()).group_by(Quote.status))
    return {status.value: n for status, n in rows}


def record(session: Session, quote: Quote, *, actor: str, action: str, now: datetime,
           from_status: QuoteStatus | None = None, to_status: QuoteStatus | None = None,
           **detail) -> QuoteEvent:
    """Append an event to the quote's history."""
    event = QuoteEvent(at=now, actor=actor, action=action, from_status=from_status,
                       to_status=to_status, detail=detail)
    quote.events.append(event)
    session.flush()
    return event


def _move(session: Session, quote: Quote, allowed: Iterable[QuoteStatus], to: QuoteStatus, *,
          actor: str, action: str, now: datetime, extra_where=(), values: dict | None = None,
          **detail) -> QuoteEvent:
    allowed = tuple(allowed)
    before = quote.status
    res = session.execute(
        update(Quote)
        .where(Quote.id == quote.id, Quote.status.in_(allowed), *extra_where)
        .values(status=to, updated_at=now, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:
        session.refresh(quote)
        raise QuoteStateError(
            f"Quote {quote.reference} is {quote.status.value}; it cannot be {action}.",
            errors={"status": [f"is {quote.status.value}"]},
        )
    session.refresh(quote)
    return record(session, quote, actor=actor, action=action, now=now,
                  from_status=before, to_status=to, **detail)


def start_review(session: Session, quote: Quote, *, actor: str, now: datetime | None = None) -> QuoteEvent:
    """new → in_review."""
    return _move(session, quote, [QuoteStatus.NEW], QuoteStatus.IN_REVIEW,
                 actor=actor, action="reviewed", now=now or utcnow())


@dataclass
class IssuedQuote:
    token: str  # the secret for the accept link; only its hash is stored
    event: QuoteEvent


def issue_quote(
    session: Session,
    quote: Quote,
    *,
    actor: str,
    unit_prices: dict[int, int],
    valid_until: datetime,
    currency: str | None = None,
    deposit_pct: int | None = None,
    lead_times: dict[int, int] | None = None,
    terms: str | None = None,
    now: datetime | None = None,
) -> IssuedQuote:
    """Price every line and send the quote (new / in_review / quoted → quoted); returns the accept token.

    ``unit_prices`` and ``lead_times`` are keyed by line number starting at 1. Issuing again
    revises the quote and replaces the accept link.
    """
    now = now or utcnow()
    errors: dict = {}
    positions = {line.position + 1: line for line in quote.lines}
    for n in unit_prices:
        if n not in positions:
            errors.setdefault("lines", []).append(f"no line {n}")
    for n, line in positions.items():
        price = unit_prices.get(n, line.quoted_unit_price)
        if price is None:
            errors[field_path("lines", n - 1, "unit_price")] = ["needs a unit price"]
        elif not isinstance(price, int) or isinstance(price, bool) or price < 0 or price > 100_000_000:
            errors[field_path("lines", n - 1, "unit_price")] = ["must be 0..100000000 minor units"]
    for n, days in (lead_times or {}).items():
        if n not in positions:
            errors.setdefault("lines", []).append(f"no line {n}")
        elif not 0 <= days <= 730:
            errors[field_path("lines", n - 1, "lead_time_days")] = ["must be 0..730 days"]
    currency = (currency or quote.quote_currency or quote.currency).upper()
    if currency not in CURRENCIES:
        errors["currency"] = [f"must be one of {', '.join(CURRENCIES)}"]
    if valid_until.tzinfo is None:
        raise ValueError("valid_until must be timezone-aware")
    if valid_until <= now:
        errors["valid_until"] = ["must be in the future"]
    elif valid_until > now + MAX_VALIDITY:
        errors["valid_until"] = ["must be within a year"]
    if deposit_pct is not None and not 1 <= deposit_pct <= 99:
        errors["deposit_pct"] = ["must be between 1 and 99"]
    if errors:
        raise ValidationError("The quote cannot be issued.", errors=errors)

    for n, line in positions.items():
        line.quoted_unit_price = unit_prices.get(n, line.quoted_unit_price)
        if lead_times and n in lead_times:
            line.lead_time_days = lead_times[n]
    total = sum(line.quoted_unit_price * line.quantity for line in quote.lines)
    if total <= 0:
        raise ValidationError("The quoted total must be positive.", errors={"lines": ["total is zero"]})
    session.flush()
    token = secrets.token_urlsafe(32)
    revising = quote.status == QuoteStatus.QUOTED
    event = _move(
        session, quote, [QuoteStatus.NEW, QuoteStatus.IN_REVIEW, QuoteStatus.QUOTED], QuoteStatus.QUOTED,
        actor=actor, action="requoted" if revising else "quoted", now=now,
        values={"quote_currency": currency, "quoted_total": total, "deposit_pct": deposit_pct,
                "valid_until": valid_until, "quoted_at": now, "terms": terms,
                "accept_token_hash": hash_token(token)},
        total=total, currency=currency, valid_until=valid_until.isoformat(), deposit_pct=deposit_pct,
        unit_prices={str(k): v for k, v in sorted(unit_prices.items())},
    )
    return IssuedQuote(token=token, event=event)


def send_issued_quote(session: Session, quote: Quote, issued: IssuedQuote, *, accept_url: str) -> None:
    """Queue the quote email with its accept link."""
    notify.quote_issued(session, quote, accept_url=accept_url, revision=issued.event.id)


def decline(session: Session, quote: Quote, *, actor: str, reason: str = "", by_buyer: bool = False,
            staff_email: str, now: datetime | None = None) -> QuoteEvent:
    """Close the quote as declined (staff: any open quote; buyer: a live quote)."""
    now = now or utcnow()
    allowed = [QuoteStatus.QUOTED] if by_buyer else list((QuoteStatus.NEW, QuoteStatus.IN_REVIEW,
                                                           QuoteStatus.QUOTED))
    event = _move(session, quote, allowed, QuoteStatus.DECLINED, actor=actor, action="declined",
                  now=now, values={"closed_at": now}, reason=reason, by_buyer=by_buyer)
    notify.declined(session, quote, by_buyer=by_buyer, reason=reason, staff_email=staff_email)
    return event


def expire(session: Session, quote: Quote, *, actor: str = "system:expiry",
           now: datetime | None = None) -> QuoteEvent:
    """quoted → expired once the validity date has passed."""
    now = now or utcnow()
    return _move(session, quote, [QuoteStatus.QUOTED], QuoteStatus.EXPIRED, actor=actor,
                 action="expired", now=now, extra_where=(Quote.valid_until <= now,),
                 values={"closed_at": now})


def expire_due(session: Session, *, now: datetime | None = None, actor: str = "system:expiry") -> list[str]:
    """Expire every quoted quote past its validity date; returns their references."""
    now = now or utcnow()
    due = list(session.scalars(select(Quote).where(
        Quote.status == QuoteStatus.QUOTED, Quote.valid_until <= now).order_by(Quote.id)))
    done = []
    for quote in due:
        try:
            expire(session, quote, actor=actor, now=now)
        except QuoteStateError:
            continue  # accepted or declined meanwhile
        done.append(quote.reference)
    return done


def is_live(quote: Quote, now: datetime | None = None) -> bool:
    """Whether the buyer can still accept (quoted and not past its validity date)."""
    now = now or utcnow()
    return quote.status == QuoteStatus.QUOTED and quote.valid_until is not None and quote.valid_until > now


def payment_options(quote: Quote) -> dict[PaymentOption, int]:
    """Amounts the buyer may pay online now: the full total and, if offered, the deposit."""
    if quote.quoted_total is None:
        return {}
    options = {PaymentOption.FULL: quote.quoted_total}
    if quote.deposit_pct:
        # Round the deposit up to the next minor unit so deposit + balance never falls short.
        options[PaymentOption.DEPOSIT] = -(-quote.quoted_total * quote.deposit_pct // 100)
    return {k: v for k, v in options.items() if MIN_ONLINE_AMOUNT <= v <= MAX_ONLINE_AMOUNT}


def accept(session: Session, quote: Quote, *, payment_option: PaymentOption | str | None,
           actor: str, now: datetime | None = None, **detail) -> QuoteEvent:
    """quoted → accepted, before the validity date; records what the buyer will pay now."""
    now = now or utcnow()
    options = payment_options(quote)
    if options:
        try:
            option = PaymentOption(payment_option)
        except ValueError:
            raise ValidationError("Choose how to pay.", errors={
                "payment_option": [f"must be one of: {', '.join(o.value for o in options)}"]}) from None
        if option not in options:
            raise ValidationError("That payment option is not offered.", errors={
                "payment_option": [f"must be one of: {', '.join(o.value for o in options)}"]})
        amount = options[option]
    else:
        # Too large for one card payment: accepted now, settled by bank transfer.
        option, amount = None, None
    if quote.status == QuoteStatus.QUOTED and not is_live(quote, now):
        raise QuoteExpired(f"Quote {quote.reference} expired on {quote.valid_until:%Y-%m-%d}.")
    try:
        return _move(session, quote, [QuoteStatus.QUOTED], QuoteStatus.ACCEPTED, actor=actor,
                     action="accepted", now=now, extra_where=(Quote.valid_until > now,),
                     values={"accepted_at": now, "payment_option": option, "amount_due": amount},
                     payment_option=option.value if option else None, amount_due=amount, **detail)
    except QuoteStateError:
        if quote.status == QuoteStatus.QUOTED:  # lost the race against the clock
            raise QuoteExpired(f"Quote {quote.reference} expired on {quote.valid_until:%Y-%m-%d}.") from None
        raise


def notify_accepted(session: Session, quote: Quote, *, staff_email: str, pay_url: str | None) -> None:
    """Queue the acceptance emails (buyer gets the payment link)."""
    notify.accepted(session, quote, staff_email=staff_email, pay_url=pay_url)


def attach_order(session: Session, quote: Quote, *, order_ref: str, actor: str,
                 now: datetime | None = None) -> QuoteEvent:
    """Remember the order that carries the accepted quote's payment."""
    now = now or utcnow()
    quote.order_ref = order_ref
    quote.updated_at = now
    return record(session, quote, actor=actor, action="order_created", now=now, order_ref=order_ref)


def add_message(session: Session, quote: Quote, *, author: str, body: str, from_buyer: bool = False,
                internal: bool = False, staff_email: str | None = None, quote_url: str | None = None,
                now: datetime | None = None) -> QuoteMessage:
    """Add to the message history; a buyer-visible message is emailed to the other side."""
    now = now or utcnow()
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError("Write a message.", errors={"body": ["must not be empty"]})
    if len(body) > 5000:
        raise ValidationError("Message too long.", errors={"body": ["at most 5000 characters"]})
    if from_buyer and internal:
        raise ValueError("a buyer message cannot be internal")
    message = QuoteMessage(at=now, author=author, from_buyer=from_buyer, internal=internal, body=body)
    quote.messages.append(message)
    session.flush()
    record(session, quote, actor=author, action="note" if internal else "message", now=now,
           message_id=message.id)
    if from_buyer:
        notify.buyer_message(session, quote, message, staff_email=staff_email or "")
    elif not internal:
        notify.staff_message(session, quote, message, quote_url=quote_url)
    return message
