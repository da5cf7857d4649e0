"""CSV export of quotes, safe to open in a spreadsheet (no formula injection)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TextIO

from storefront.quotes.models import Quote

COLUMNS = (
    "reference", "status", "created_at", "company", "contact_name", "email", "phone", "country",
    "buyer_type", "licence_number", "practice_name", "lines", "total_quantity",
    "target_unit_price", "currency", "needed_by", "quoted_total", "quote_currency", "valid_until",
    "accepted_at", "payment_option", "amount_due", "order_ref", "notes",
)
# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def safe_cell(value) -> str | int:
    """Neutralise text a spreadsheet would evaluate; numbers pass through unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    text = str(value)
    if text.lstrip(" ").startswith(_FORMULA_START):
        return "'" + text
    return text


def _lines(quote: Quote) -> str:
    parts = []
    for line in quote.lines:
        what = line.sku or f"custom {line.kind.value}"
        parts.append(f"{what} x{line.quantity}")
    return "; ".join(parts)


def quote_row(quote: Quote) -> dict:
    """One CSV row (raw values) for a quote."""
    return {
        "reference": quote.reference,
        "status": quote.status.value,
        "created_at": quote.created_at.isoformat(timespec="seconds"),
        "company": quote.company,
        "contact_name": quote.contact_name,
        "email": quote.email,
        "phone": quote.phone,
        "country": quote.country,
        "buyer_type": quote.buyer_type.value,
        "licence_number": quote.licence_number,
        "practice_name": quote.practice_name,
        "lines": _lines(quote),
        "total_quantity": sum(line.quantity for line in quote.lines),
        "target_unit_price": quote.target_unit_price,
        "currency": quote.currency,
        "needed_by": quote.needed_by.isoformat() if quote.needed_by else None,
        "quoted_total": quote.quoted_total,
        "quote_currency": quote.quote_currency,
        "valid_until": quote.valid_until.isoformat(timespec="seconds") if quote.valid_until else None,
        "accepted_at": quote.accepted_at.isoformat(timespec="seconds") if quote.accepted_at else None,
        "payment_option": quote.payment_option.value if quote.payment_option else None,
        "amount_due": quote.amount_due,
        "order_ref": quote.order_ref,
        "notes": quote.notes,
    }


def write_csv(quotes: Iterable[Quote], out: TextIO) -> int:
    """Write a header and one row per quote; returns the number of rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    for quote in quotes:
        row = quote_row(quote)
        writer.writerow([safe_cell(row[c]) for c in COLUMNS])
        n += 1
    return n
