"""The quote request form <-> the API's request shape, and error paths back to form fields."""

from __future__ import annotations

import re
from typing import Any

from storefront.errors import flatten_errors
from storefront.quotes.schemas import MAX_LINES

_MONEY = re.compile(r"^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$")


def blank(value: str | None) -> bool:
    """Whether a form value is missing or only whitespace."""
    return value is None or value.strip() == ""


def _int_or_raw(value: str):
    text = value.strip()
    return int(text) if re.fullmatch(r"-?\d{1,12}", text) else text


def form_to_request(form) -> tuple[dict[str, Any], dict[str, list[str]], list[int]]:
    """Turn the posted form into the API's request shape.

    Returns (data, adapter errors keyed by form path, form row index of each data line).
    Unparseable values are passed through raw so the shared schema reports them.
    """
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    # Blank fields are left out, so a required one reads "Missing data for required field."
    for key in ("company", "contact_name", "email", "country", "buyer_type", "currency", "phone", "needed_by"):
        if not blank(form.get(key)):
            data[key] = form.get(key)
    if not blank(form.get("notes")):
        data["notes"] = form.get("notes")
    licence, practice = form.get("licence_number", ""), form.get("practice_name", "")
    if not (blank(licence) and blank(practice)):
        data["practitioner"] = {"licence_number": licence, "practice_name": practice}
    price = form.get("target_unit_price", "")
    if not blank(price):
        m = _MONEY.match(price)
        if m:
            data["target_unit_price"] = int(m.group(1)) * 100 + int((m.group(2) or "0").ljust(2, "0"))
        else:
            errors["target_unit_price"] = ["enter an amount such as 120 or 120.50"]
    lines, rows = [], []
    for i in range(MAX_LINES):
        prefix = f"lines-{i}-"
        row = {k: form.get(prefix + k, "") for k in
               ("sku", "kind", "quantity", "description", "wavelengths", "led_count", "packaging")}
        flags = {k: form.get(prefix + k) == "on" for k in ("private_label", "logo")}
        certs = form.getlist(prefix + "certifications")
        if all(blank(v) for v in row.values()) and not any(flags.values()) and not certs:
            continue
        line: dict[str, Any] = {}
        if not blank(row["sku"]):
            line["sku"] = row["sku"]
        if not blank(row["kind"]):
            line["kind"] = row["kind"]
        line["quantity"] = _int_or_raw(row["quantity"]) if not blank(row["quantity"]) else None
        if not blank(row["description"]):
            line["description"] = row["description"]
        custom: dict[str, Any] = {k: True for k, on in flags.items() if on}
        if not blank(row["wavelengths"]):
            parts = [p for p in re.split(r"[,;\s]+", row["wavelengths"].strip()) if p]
            custom["wavelengths_nm"] = [_int_or_raw(p) for p in parts]
        if not blank(row["led_count"]):
            custom["led_count"] = _int_or_raw(row["led_count"])
        if not blank(row["packaging"]):
            custom["packaging"] = row["packaging"]
        if certs:
            custom["certifications"] = certs
        if custom:
            line["customisations"] = custom
        lines.append(line)
        rows.append(i)
    data["lines"] = lines
    return data, errors, rows


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested marshmallow-style or flat errors → ``{"lines[0].quantity": [...]}`` (form-level: ``_form``)."""
    return flatten_errors(messages, prefix, root="_form")


_LINE = re.compile(r"^lines\[(\d+)\](.*)$")
_ITEM = re.compile(r"^(.*\.(?:wavelengths_nm|certifications))\[(\d+)\]$")


def to_form_paths(errors: dict[str, list[str]], rows: list[int]) -> dict[str, list[str]]:
    """API field paths → the form's error keys (``lines.<form row>.sku``); list items to their field."""
    out: dict[str, list[str]] = {}
    for path, msgs in errors.items():
        item = _ITEM.match(path)
        if item:
            path = item.group(1)
            msgs = [f"item {int(item.group(2)) + 1}: {msg}" for msg in msgs]
        m = _LINE.match(path)
        if m:
            n = int(m.group(1))
            path = f"lines.{rows[n] if n < len(rows) else n}{m.group(2)}"
        out.setdefault(path, []).extend(msgs)
    return out
