"""Statuses, actions and stored values in people's words, for the staff pages.

Stored values stay machine values (``partially_refunded``, ``order.refund_submitted``,
minor units); only the pages translate them, here, in one place.
"""

from __future__ import annotations

import re
from typing import Any

from storefront.money import format_money

STATUS: dict[str, dict[str, str]] = {
    "order": {
        "pending_payment": "Awaiting payment",
        "paid": "Paid — to ship",
        "fulfilled": "Shipped",
        "payment_failed": "Payment failed",
        "cancelled": "Cancelled",
        "expired": "Expired unpaid",
        "partially_refunded": "Partly refunded",
        "refunded": "Refunded",
    },
    "refund": {
        "requested": "Not sent to Stripe yet",
        "submitted": "Sent — waiting for Stripe",
        "succeeded": "Refunded",
        "failed": "Refused by Stripe",
    },
    "quote": {
        "new": "New",
        "in_review": "In review",
        "quoted": "Sent to buyer",
        "accepted": "Accepted",
        "declined": "Declined",
        "expired": "Expired",
    },
    "product": {"draft": "Draft (not in the shop)", "published": "On sale", "archived": "Archived"},
    "mail": {"pending": "Queued", "sending": "Sending", "sent": "Sent", "dead": "Gave up"},
    "regulatory": {"wellness": "General wellness", "otc_cleared": "FDA-cleared, over the counter",
                   "rx_only": "Prescription only"},
    "channel": {"web": "Shop", "api": "API", "quote": "Quote"},
    "kind": {"belt": "Wrap / belt", "handheld": "Handheld", "panel": "Panel", "laser": "Laser"},
    "buyer": {"brand": "Brand (private label)", "distributor": "Distributor", "clinic": "Clinic",
              "other": "Other"},
    "promotion": {"active": "Active", "paused": "Paused", "expired": "Ended"},
}


def status_label(kind: str, value: Any) -> str:
    """``paid`` -> ``Paid — to ship`` (the value itself, tidied, when unknown)."""
    text = str(getattr(value, "value", value) or "")
    return STATUS.get(kind, {}).get(text) or text.replace("_", " ").capitalize()


ACTIONS: dict[str, str] = {
    "order.refund_requested": "Asked for a refund",
    "order.refund_submitted": "Refund sent to Stripe",
    "order.refund_succeeded": "Refund confirmed",
    "order.refund_failed": "Refund refused by Stripe",
    "order.refund_error": "Refund could not be sent",
    "order.refresh": "Refreshed from Stripe",
    "order.refund_resumed": "Sent a waiting refund again",
    "order.restock": "Put units back in stock",
    "order.fulfil": "Marked shipped",
    "product.create": "Created product",
    "product.edit": "Edited product",
    "product.copy": "Edited copy",
    "product.publish": "Published",
    "product.unpublish": "Unpublished",
    "product.stock": "Adjusted stock",
    "product.image_add": "Added a picture",
    "product.image_remove": "Removed a picture",
    "product.image_alt": "Changed a picture's alt text",
    "product.image_up": "Moved a picture earlier",
    "product.image_down": "Moved a picture later",
    "product.image_primary": "Chose the primary picture",
    "catalog.import": "Imported a catalogue file",
    "quote.review": "Started reviewing",
    "quote.issue": "Sent the quote",
    "quote.decline": "Declined",
    "quote.message": "Messaged the buyer",
    "quote.note": "Added an internal note",
    "promotion.create": "Created a promotion code",
    "promotion.paused": "Paused a promotion code",
    "promotion.active": "Resumed a promotion code",
    "guide.create": "Wrote a guide",
    "guide.edit": "Edited a guide",
    "guide.publish": "Published a guide",
    "guide.unpublish": "Unpublished a guide",
    "staff.create": "Created a staff account",
    "staff.login": "Logged in",
    "staff.login_failed": "Failed login",
    "staff.logout": "Logged out",
    "staff.set_password": "Set a password",
    "staff.activate": "Activated an account",
    "staff.deactivate": "Deactivated an account",
}


def action_label(action: str) -> str:
    """``order.fulfil`` -> ``Marked shipped``."""
    return ACTIONS.get(action) or action.replace(".", ": ").replace("_", " ").capitalize()


# Keys whose values are money in minor units, and the key naming their currency.
MONEY_KEYS = {"amount", "amount_paid", "amount_refunded", "refundable", "price", "total",
              "quoted_total", "unit_price", "sample_price", "target_unit_price", "amount_due",
              "amount_off", "min_subtotal", "refunded", "deposit"}
FIELD_WORDS = {
    "status": "Status", "amount": "Amount", "amount_paid": "Paid", "amount_refunded": "Refunded",
    "refundable": "Left to refund", "reason": "Reason", "stock": "Stock", "price": "Price",
    "quoted_total": "Quoted total", "valid_until": "Valid until", "deposit_pct": "Deposit %",
    "headline": "Headline", "summary": "Summary", "body": "Body", "lines": "Lines",
    "units": "Units", "refund_id": "Refund", "stripe_refund_id": "Stripe refund",
    "error": "Error", "delta": "Change", "currency": "Currency", "quote_currency": "Currency",
}


_LINE_PRICE = re.compile(r"^unit_prices\.(\d+)$")
# Internal row ids that mean nothing to people (the entry's object link says what it is about).
HIDDEN_KEYS = {"refund_id", "message_id"}


def field_label(key: str) -> str:
    """A stored key as a column heading: ``amount_refunded`` -> ``Refunded``."""
    line = _LINE_PRICE.match(key)
    if line:
        return f"Line {line.group(1)} unit price"
    return FIELD_WORDS.get(key) or key.replace("_", " ").replace(".", " › ").capitalize()


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


# Units of record fields shown bare in diffs (wavelength bands, modes, tiers).
UNITS = {"nm": "nm", "share_pct": "%", "power_w": "W", "hz": "Hz", "duty_cycle_pct": "% duty",
         "min_qty": "units or more", "mw_cm2": "mW/cm²", "distance_cm": "cm"}


def _part(key: str, value: Any, currency: str) -> str:
    shown = show_value(key, value, currency)
    return shown if key in UNITS or key in MONEY_KEYS else f"{field_label(key).lower()} {shown}"


def show_value(key: str, value: Any, currency: str = "USD") -> str:
    """One stored value as text: money formatted, statuses in words, lists joined."""
    leaf = key.rsplit(".", 1)[-1]
    if _LINE_PRICE.match(key):
        leaf = "unit_price"
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if leaf in MONEY_KEYS and isinstance(value, int):
        return format_money(value, currency)
    if leaf == "status" and isinstance(value, str):
        for kind in ("order", "quote", "product", "refund"):
            if value in STATUS[kind]:
                return STATUS[kind][value]
    if isinstance(value, dict):
        return ", ".join(_part(k, v, currency) for k, v in value.items()
                         if v not in (None, "", [])) or "—"
    if isinstance(value, list):
        if all(isinstance(v, str | int | float) for v in value):
            return ", ".join(str(v) for v in value)
        if all(isinstance(v, dict) for v in value):
            return "; ".join(show_value(key, v, currency) for v in value)
        return f"{len(value)} item{'' if len(value) == 1 else 's'}"
    if leaf in UNITS and isinstance(value, int | float):
        return f"{value:g} {UNITS[leaf]}"
    text = str(value)
    return text if len(text) <= 240 else text[:239] + "…"


def diff_rows(before: Any, after: Any) -> list[dict[str, str]]:
    """What an audit entry changed, one row per field: ``{field, before, after}`` as text.

    Only fields that differ are listed when both sides exist; a one-sided entry (a request,
    a creation) lists what it carries.
    """
    b = _flatten(before) if isinstance(before, dict) else ({} if before is None else {"value": before})
    a = _flatten(after) if isinstance(after, dict) else ({} if after is None else {"value": after})
    currency = str(a.get("currency") or a.get("quote_currency") or b.get("currency")
                   or b.get("quote_currency") or "USD")
    rows = []
    for key in list(dict.fromkeys([*b, *a])):
        if key == "currency" or key in HIDDEN_KEYS:
            continue
        old, new = b.get(key), a.get(key)
        if key in b and key in a and old == new:
            continue
        rows.append({"field": field_label(key),
                     "before": show_value(key, old, currency) if key in b else "",
                     "after": show_value(key, new, currency) if key in a else ""})
    return rows
