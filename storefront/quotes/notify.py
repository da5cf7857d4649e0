"""Quote emails, queued in the outbox inside the business transaction (sent after commit)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from storefront.mail import enqueue
from storefront.money import format_money
from storefront.quotes.models import Quote, QuoteMessage


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _line_summary(quote: Quote, *, quoted: bool = False) -> str:
    rows = []
    for line in quote.lines:
        what = f"{line.sku} ({line.product_name})" if line.sku else f"custom {line.kind.value}: {line.description}"
        row = f"  {line.position + 1}. {what} × {line.quantity}"
        if quoted and line.quoted_unit_price is not None:
            cur = quote.quote_currency or quote.currency
            row += (f" at {format_money(line.quoted_unit_price, cur)} each"
                    f" = {format_money(line.quoted_line_total, cur)}")
            if line.lead_time_days is not None:
                row += f", lead time {line.lead_time_days} days"
        elif line.indicative_unit_price is not None:
            row += f" (indicative {format_money(line.indicative_unit_price, line.indicative_currency)} each)"
        if line.below_moq:
            row += f" [below MOQ {line.moq}]"
        if line.customisations:
            row += "\n     customisations: " + ", ".join(
                f"{k}={v}" for k, v in sorted(line.customisations.items()))
        rows.append(row)
    return "\n".join(rows)


def request_received(session: Session, quote: Quote, *, staff_email: str) -> None:
    """Confirm receipt to the buyer and alert staff about a new request."""
    enqueue(
        session,
        to=quote.email,
        subject=f"We received your quote request {quote.reference}",
        body_text=(
            f"Hello {quote.contact_name},\n\n"
            f"Thank you for your request. Your reference is {quote.reference}.\n"
            "Our team will review it and reply with prices and lead times, usually within two "
            "working days.\n\n"
            f"What you asked for:\n{_line_summary(quote)}\n\n"
            "Indicative prices are a guide only; the quote we send is what counts.\n"
        ),
        dedupe_key=f"quote-received:{quote.reference}",
    )
    practitioner = ""
    if quote.licence_number:
        practitioner = f"Practitioner: {quote.practice_name}, licence {quote.licence_number}\n"
    target = ""
    if quote.target_unit_price is not None:
        target = f"Target unit price: {format_money(quote.target_unit_price, quote.currency)}\n"
    enqueue(
        session,
        to=staff_email,
        subject=f"New quote request {quote.reference} from {_short(quote.company)}",
        body_text=(
            f"{quote.reference} · {quote.buyer_type.value} · {quote.country}\n"
            f"{quote.company}\n{quote.contact_name} <{quote.email}> {quote.phone or ''}\n"
            f"{practitioner}{target}"
            f"Needed by: {quote.needed_by.isoformat() if quote.needed_by else '—'}\n"
            f"Attachments: {len(quote.attachments)}\n\n"
            f"Lines:\n{_line_summary(quote)}\n\n"
            f"Notes:\n{quote.notes or '—'}\n\n"
            f"Review it with: storefront quotes show {quote.reference}\n"
        ),
        dedupe_key=f"quote-staff-new:{quote.reference}",
    )


def quote_issued(session: Session, quote: Quote, *, accept_url: str, revision: int) -> None:
    """Send the buyer the priced quote and the accept link."""
    cur = quote.quote_currency or quote.currency
    deposit = ""
    if quote.deposit_pct:
        deposit = f"You can pay a {quote.deposit_pct}% deposit now and the balance before shipping.\n"
    enqueue(
        session,
        to=quote.email,
        subject=f"Your quote {quote.reference} is ready",
        body_text=(
            f"Hello {quote.contact_name},\n\n"
            f"Here is our quote {quote.reference}:\n\n{_line_summary(quote, quoted=True)}\n\n"
            f"Total: {format_money(quote.quoted_total, cur)}\n"
            f"Valid until: {quote.valid_until:%Y-%m-%d %H:%M} UTC\n{deposit}"
            f"{(chr(10) + quote.terms + chr(10)) if quote.terms else ''}\n"
            f"Review, accept and pay here (this link is personal, do not share it):\n{accept_url}\n"
        ),
        dedupe_key=f"quote-issued:{quote.reference}:{revision}",
    )


def staff_message(session: Session, quote: Quote, message: QuoteMessage, *, quote_url: str | None) -> None:
    """Forward a staff message to the buyer."""
    link = f"\n\nYour quote: {quote_url}\n" if quote_url else "\n"
    enqueue(
        session,
        to=quote.email,
        subject=f"A message about your quote {quote.reference}",
        body_text=f"Hello {quote.contact_name},\n\n{message.body}{link}",
        dedupe_key=f"quote-message:{quote.reference}:{message.id}",
    )


def buyer_message(session: Session, quote: Quote, message: QuoteMessage, *, staff_email: str) -> None:
    """Tell staff the buyer wrote."""
    enqueue(
        session,
        to=staff_email,
        subject=f"Buyer message on {quote.reference} ({_short(quote.company)})",
        body_text=f"{quote.contact_name} <{quote.email}> wrote:\n\n{message.body}\n",
        dedupe_key=f"quote-message:{quote.reference}:{message.id}",
    )


def accepted(session: Session, quote: Quote, *, staff_email: str, pay_url: str | None) -> None:
    """Confirm acceptance to the buyer (with the payment link) and tell staff."""
    cur = quote.quote_currency or quote.currency
    if pay_url and quote.payment_option:
        pay = f"Pay {format_money(quote.amount_due, cur)} ({quote.payment_option.value}) here:\n{pay_url}\n"
    else:
        pay = "We will send an invoice with bank-transfer details.\n"
    enqueue(
        session,
        to=quote.email,
        subject=f"Quote {quote.reference} accepted",
        body_text=f"Hello {quote.contact_name},\n\nThank you for accepting quote {quote.reference}.\n{pay}",
        dedupe_key=f"quote-accepted:{quote.reference}",
    )
    paying = (f"paying {quote.payment_option.value} {format_money(quote.amount_due, cur)} by card"
              if quote.payment_option else "to be invoiced for a bank transfer")
    enqueue(
        session,
        to=staff_email,
        subject=f"Quote {quote.reference} accepted by {_short(quote.company)}",
        body_text=(
            f"{quote.company} accepted {quote.reference}: total {format_money(quote.quoted_total, cur)}, "
            f"{paying}{', order ' + quote.order_ref if quote.order_ref else ''}.\n"
        ),
        dedupe_key=f"quote-accepted-staff:{quote.reference}",
    )


def declined(session: Session, quote: Quote, *, by_buyer: bool, reason: str, staff_email: str) -> None:
    """Tell the other side that the quote was declined."""
    if by_buyer:
        enqueue(
            session,
            to=staff_email,
            subject=f"Quote {quote.reference} declined by {_short(quote.company)}",
            body_text=f"{quote.contact_name} declined {quote.reference}.\nReason: {reason or '—'}\n",
            dedupe_key=f"quote-declined:{quote.reference}",
        )
    else:
        enqueue(
            session,
            to=quote.email,
            subject=f"About your quote request {quote.reference}",
            body_text=(
                f"Hello {quote.contact_name},\n\nWe are sorry, we cannot quote for request "
                f"{quote.reference}.\n{reason}\n"
            ),
            dedupe_key=f"quote-declined:{quote.reference}",
        )
