"""The product editor: a form's fields become a seed record, loaded by the same schema.

Every field a seed record has can be edited here (bands, tiers, specs, OEM options, price,
stock, status, copy, precautions). The record goes through ``ProductRecordSchema`` and the
seed loader's upsert, so the editor and ``storefront seed load`` cannot disagree. A product
reaches the shop only through the publication gate; stock moves by adjustments that carry a
reason, and every change lands in the audit log as a field-level diff.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import Any

from marshmallow import ValidationError as SchemaError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storefront.catalog.models import Product, Status
from storefront.catalog.records import normalise_for_compare, product_to_record
from storefront.catalog.schemas import ProductRecordSchema
from storefront.errors import ValidationError
from storefront.money import decimal_amount, parse_major
from storefront.seeding import loader
from storefront.staff.audit import record
from storefront.staff.imports import field_diff
from storefront.staff.models import StaffUser
from storefront.staff.policy import can

BAND_ROWS, MODE_ROWS, TIER_ROWS = 6, 3, 6
_schema = ProductRecordSchema()

# (record path, label, input type, hint) for the single-valued fields, in form order.
SECTIONS: list[tuple[str, list[tuple[str, str, str, str]]]] = [
    ("Product", [
        ("sku", "SKU", "text", "A-Z, 0-9, '.', '_' or '-'; cannot change later"),
        ("name", "Name", "text", ""),
        ("slug", "Web address (slug)", "text", "blank: made from the name"),
        ("kind", "Kind", "kind", ""),
        ("price", "Price", "money", "what a shopper pays, e.g. 229.00"),
        ("currency", "Currency", "text", "ISO code, e.g. USD"),
    ]),
    ("Regulatory", [
        ("regulatory.status", "Regulatory status", "regulatory", ""),
        ("regulatory.k_number", "510(k) number", "text", "K followed by 6 digits"),
        ("regulatory.product_code", "FDA product code", "text", "3 capital letters"),
        ("regulatory.indications", "Cleared indications", "textarea", "as worded in the clearance"),
        ("certifications", "Certifications", "lines", "one per line"),
    ]),
    ("Specifications", [
        ("specs.led_count", "LED count", "int", ""),
        ("specs.beam_angle_deg", "Beam angle (°)", "number", ""),
        ("specs.coverage_cm2", "Treatment area (cm²)", "number", ""),
        ("specs.irradiance.mw_cm2", "Irradiance (mW/cm²)", "number", ""),
        ("specs.irradiance.distance_cm", "…measured at (cm)", "number", ""),
        ("specs.irradiance.method", "…measurement method", "text", ""),
        ("specs.power_draw_w", "Power draw (W)", "number", ""),
        ("specs.optical_output_w", "Optical output (W)", "number", "required for a laser"),
        ("specs.laser_class.us", "Laser class (US)", "text", "e.g. 4; lasers only"),
        ("specs.laser_class.iec", "Laser class (IEC)", "text", "e.g. 4; lasers only"),
        ("specs.beam_divergence_mrad", "Beam divergence (mrad)", "number", ""),
        ("specs.spot_size_mm", "Spot size (mm)", "number", ""),
        ("specs.timer_minutes", "Timer settings (minutes)", "ints", "comma separated, e.g. 10, 15, 20"),
        ("specs.dimensions_mm.length", "Length (mm)", "number", ""),
        ("specs.dimensions_mm.width", "Width (mm)", "number", ""),
        ("specs.dimensions_mm.height", "Height (mm)", "number", ""),
        ("specs.weight_g", "Weight (g)", "number", ""),
    ]),
    ("OEM / private label", [
        ("oem.private_label", "Private label available", "bool", ""),
        ("oem.custom_wavelengths", "Custom wavelengths available", "bool", ""),
        ("oem.packaging", "Packaging options", "lines", "one per line"),
        ("oem.moq", "Minimum order quantity", "int", ""),
        ("oem.lead_time_days", "Lead time (days)", "int", ""),
        ("oem.sample_price", "Sample price", "money", ""),
    ]),
    ("Copy", [
        ("copy.headline", "Headline", "text", "checked by the compliance gate"),
        ("copy.summary", "Summary", "textarea", ""),
        ("copy.body", "Body (Markdown)", "textarea-lg", ""),
        ("precautions", "Extra precautions", "lines", "one per line, shown after the mandatory ones"),
    ]),
]


class EditRefused(ValidationError):
    """The form was refused; ``errors`` maps record paths to messages."""


def _get(rec: dict, path: str) -> Any:
    cur: Any = rec
    for part in path.split("."):
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
    return cur


def _set(rec: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    cur = rec
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def _num(text: str) -> float | int:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError("Enter a number.") from None
    return int(value) if value == value.to_integral_value() and "." not in text else float(value)


def form_values(rec: dict | None) -> dict[str, str]:
    """A record as the strings the form shows (money in major units)."""
    rec = rec or {}
    currency = rec.get("currency") or "USD"
    out: dict[str, str] = {}
    for _, fields in SECTIONS:
        for path, _, kind, _ in fields:
            v = _get(rec, path)
            if v is None:
                out[path] = ""
            elif kind == "money":
                out[path] = decimal_amount(v, currency)
            elif kind == "lines":
                out[path] = "\n".join(v)
            elif kind == "ints":
                out[path] = ", ".join(str(x) for x in v)
            elif kind == "bool":
                out[path] = "1" if v else ""
            elif isinstance(v, float) and v.is_integer():
                out[path] = str(int(v))
            else:
                out[path] = str(v)
    out["status"] = rec.get("status", Status.DRAFT.value)
    out["stock"] = str(rec.get("stock", 0))
    for i in range(BAND_ROWS):
        b = (rec.get("wavelengths") or [])[i] if i < len(rec.get("wavelengths") or []) else {}
        for k in ("nm", "share_pct", "power_w"):
            v = b.get(k)
            out[f"wavelengths[{i}].{k}"] = "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))
    modes = _get(rec, "specs.modes") or []
    for i in range(MODE_ROWS):
        m = modes[i] if i < len(modes) else {}
        for k in ("type", "hz", "duty_cycle_pct"):
            v = m.get(k)
            out[f"specs.modes[{i}].{k}"] = "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    tiers = _get(rec, "oem.tiers") or []
    for i in range(TIER_ROWS):
        t = tiers[i] if i < len(tiers) else {}
        out[f"oem.tiers[{i}].min_qty"] = str(t["min_qty"]) if t else ""
        out[f"oem.tiers[{i}].unit_price"] = decimal_amount(t["unit_price"], currency) if t else ""
    return out


def form_to_record(form: dict[str, str], *, base: dict | None = None) -> tuple[dict, dict[str, list[str]]]:
    """Build a raw seed record from form strings; returns (record, errors from parsing)."""
    errors: dict[str, list[str]] = {}
    rec: dict[str, Any] = {"regulatory": {}, "specs": {}, "oem": {}, "copy": {}}
    currency = (form.get("currency") or "USD").strip().upper() or "USD"
    for _, fields in SECTIONS:
        for path, _, kind, _ in fields:
            raw = (form.get(path) or "").replace("\r\n", "\n")
            try:
                if kind == "bool":
                    _set(rec, path, raw == "1")
                elif kind == "lines":
                    _set(rec, path, [ln.strip() for ln in raw.split("\n") if ln.strip()])
                elif kind == "ints":
                    _set(rec, path, [int(x) for x in raw.replace(";", ",").split(",") if x.strip()])
                elif not raw.strip():
                    if path.startswith("copy."):
                        _set(rec, path, "")
                    elif path in ("sku", "name", "kind", "price", "regulatory.status"):
                        errors[path] = ["required"]
                elif kind == "money":
                    _set(rec, path, parse_major(raw, currency) if raw.strip() not in ("0", "0.00") else 0)
                elif kind == "int":
                    _set(rec, path, int(raw.strip()))
                elif kind == "number":
                    _set(rec, path, _num(raw))
                elif kind in ("textarea", "textarea-lg"):
                    _set(rec, path, raw)
                else:
                    _set(rec, path, raw.strip())
            except ValueError as exc:
                msg = str(exc) if "Enter" in str(exc) or "Use at most" in str(exc) else "Enter a whole number."
                errors[path] = [msg]
    specs = rec["specs"]
    for group in ("irradiance", "laser_class", "dimensions_mm"):
        if group in specs and not any(v not in (None, "") for v in specs[group].values()):
            del specs[group]
    rec["currency"] = currency
    rec["status"] = form.get("status") or Status.DRAFT.value
    stock = (form.get("stock") or "0").strip()
    rec["stock"] = int(stock) if stock.isdigit() else stock
    bands = []
    for i in range(BAND_ROWS):
        row = {k: (form.get(f"wavelengths[{i}].{k}") or "").strip() for k in ("nm", "share_pct", "power_w")}
        if not any(row.values()):
            continue
        band: dict[str, Any] = {}
        for k, v in row.items():
            if v:
                try:
                    band[k] = int(v) if k == "nm" else _num(v)
                except ValueError:
                    errors[f"wavelengths[{i}].{k}"] = ["Enter a number."]
        bands.append(band)
    rec["wavelengths"] = bands
    modes = []
    for i in range(MODE_ROWS):
        row = {k: (form.get(f"specs.modes[{i}].{k}") or "").strip() for k in ("type", "hz", "duty_cycle_pct")}
        if not row["type"]:
            continue
        mode: dict[str, Any] = {"type": row["type"]}
        for k in ("hz", "duty_cycle_pct"):
            if row[k]:
                try:
                    mode[k] = _num(row[k])
                except ValueError:
                    errors[f"specs.modes[{i}].{k}"] = ["Enter a number."]
        modes.append(mode)
    rec["specs"]["modes"] = modes
    tiers = []
    for i in range(TIER_ROWS):
        q = (form.get(f"oem.tiers[{i}].min_qty") or "").strip()
        p = (form.get(f"oem.tiers[{i}].unit_price") or "").strip()
        if not q and not p:
            continue
        tier: dict[str, Any] = {}
        try:
            tier["min_qty"] = int(q)
        except ValueError:
            errors[f"oem.tiers[{i}].min_qty"] = ["Enter a whole number."]
        try:
            tier["unit_price"] = parse_major(p, currency)
        except ValueError as exc:
            errors[f"oem.tiers[{i}].unit_price"] = [str(exc)]
        tiers.append(tier)
    rec["oem"]["tiers"] = tiers
    if base is not None and base.get("images") is not None:
        rec["images"] = None
    return rec, errors


def _path_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in loader.flatten_errors(messages, prefix):
        path, _, msg = line.partition(": ")
        out.setdefault(path, []).append(msg)
    return out


def validate(raw: dict) -> dict:
    """Load a raw record through the seed schema; EditRefused with errors by path."""
    try:
        return normalise_for_compare(_schema.load(raw))
    except SchemaError as exc:
        raise EditRefused("Please correct the marked fields.",
                          errors=_path_errors(exc.messages)) from None


def _gate_errors(rec: dict) -> dict[str, list[str]]:
    errors, _ = loader.gate_messages(rec, "product")
    out: dict[str, list[str]] = {}
    for line in errors:
        path, _, msg = line.partition(": ")
        out.setdefault(path.removeprefix("product."), []).append(msg)
    return out


def save(session: Session, actor: StaffUser, raw: dict, *, product: Product | None = None,
         ip: str | None = None) -> Product:
    """Create or update a product from a raw record; flushes, never commits."""
    form_errors = raw.pop("_form_errors", {})
    before = product_to_record(product) if product is not None else None
    if product is not None:
        raw["sku"] = product.sku
        raw["stock"] = product.stock  # stock moves only by adjustments with a reason
    try:
        rec = validate(raw)
    except EditRefused as err:
        err.errors = {**err.errors, **form_errors}  # the form knows why a value is missing
        raise
    if form_errors:
        raise EditRefused("Please correct the marked fields.", errors=form_errors)
    published = rec["status"] == Status.PUBLISHED.value
    if published and (before is None or before["status"] != Status.PUBLISHED.value):
        raise EditRefused("Publish with the Publish button: it runs the compliance gate.",
                          errors={"status": ["publish through the gate (the Publish button)"]})
    if published:
        gate = _gate_errors(rec)
        if gate:
            raise EditRefused("This product is published; these changes would break the "
                              "compliance gate. Fix them or unpublish first.", errors=gate)
        facts = SimpleNamespace(kind=rec["kind"], regulatory=rec["regulatory"]["status"],
                                status="published")
        if not can(actor, "products.publish", facts):
            raise EditRefused("Only an admin may change a published prescription device.",
                              errors={"status": ["admin only"]})
    try:
        loader.apply_records(session, [rec])
    except loader.SeedError as exc:
        errs: dict[str, list[str]] = {}
        for line in exc.errors:
            path, _, msg = line.partition(": ")
            errs.setdefault(path.split(".", 1)[-1], []).append(msg)
        raise EditRefused("Please correct the marked fields.", errors=errs) from None
    saved = session.scalar(select(Product).where(Product.sku == rec["sku"]))
    after = product_to_record(saved)
    if before is None:
        record(session, actor, "product.create", "product", saved.id, after=_compact(after),
               ip=ip, note=saved.sku)
    else:
        diff = field_diff(before, after)
        if diff:
            record(session, actor, "product.edit", "product", saved.id,
                   before={d["field"]: d["before"] for d in diff},
                   after={d["field"]: d["after"] for d in diff}, ip=ip, note=saved.sku)
    return saved


def _compact(rec: dict) -> dict:
    from storefront.catalog.records import prune_empty

    out = prune_empty(rec)
    if isinstance(out.get("copy"), dict) and len(out["copy"].get("body", "")) > 300:
        out["copy"]["body"] = out["copy"]["body"][:300] + "…"
    return out


def adjust_stock(session: Session, actor: StaffUser, product: Product, delta: Any, reason: Any,
                 *, ip: str | None = None) -> int:
    """Move stock by ``delta`` with a reason; the audit log keeps both. Returns the new level."""
    errors: dict[str, list[str]] = {}
    try:
        change = int(str(delta).strip())
        if change == 0:
            errors["delta"] = ["Enter a change other than 0 (e.g. 25 or -3)."]
    except ValueError:
        change = 0
        errors["delta"] = ["Enter a whole number, e.g. 25 or -3."]
    why = " ".join(str(reason or "").split())
    if not why:
        errors["reason"] = ["Say why (delivery received, stock count, damaged…)."]
    elif len(why) > 300:
        errors["reason"] = ["At most 300 characters."]
    if errors:
        raise ValidationError("Please correct the marked fields.", errors=errors)
    before = product.stock
    # Conditional update: concurrent orders reserve stock in between; never go below zero.
    result = session.execute(
        update(Product).where(Product.id == product.id, Product.stock + change >= 0)
        .values(stock=Product.stock + change).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ValidationError("Not enough stock.", errors={"delta": [
            f"only {before} in stock; cannot remove {-change}"]})
    session.refresh(product)
    record(session, actor, "product.stock", "product", product.id, before={"stock": before},
           after={"stock": product.stock, "change": change, "reason": why}, ip=ip,
           note=product.sku)
    return product.stock
