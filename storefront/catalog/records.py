"""Convert between product records (nested seed JSON) and table rows."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from storefront.catalog.models import Product


def slugify(text: str) -> str:
    """Turn a product name into a URL slug."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower()
    return text[:150] or "product"


def record_to_row(rec: dict[str, Any]) -> dict[str, Any]:
    """Flatten a loaded record into ``products`` column values (bands and tiers excluded)."""
    reg, specs, oem, copy = rec["regulatory"], rec["specs"], rec["oem"], rec["copy"]
    irr = specs.get("irradiance") or {}
    lc = specs.get("laser_class") or {}
    dims = specs.get("dimensions_mm") or {}
    return {
        "sku": rec["sku"],
        "slug": rec.get("slug") or slugify(rec["name"]),
        "name": rec["name"],
        "kind": rec["kind"],
        "status": rec["status"],
        "price_amount": rec["price"],
        "currency": rec["currency"],
        "stock": rec["stock"],
        "regulatory": reg["status"],
        "k_number": reg.get("k_number"),
        "product_code": reg.get("product_code"),
        "indications": reg.get("indications"),
        "certifications": list(rec["certifications"]),
        "led_count": specs.get("led_count"),
        "beam_angle_deg": specs.get("beam_angle_deg"),
        "coverage_cm2": specs.get("coverage_cm2"),
        "irradiance_mw_cm2": irr.get("mw_cm2"),
        "irradiance_distance_cm": irr.get("distance_cm"),
        "irradiance_method": irr.get("method"),
        "power_draw_w": specs.get("power_draw_w"),
        "optical_output_w": specs.get("optical_output_w"),
        "laser_class_us": lc.get("us"),
        "laser_class_iec": lc.get("iec"),
        "beam_divergence_mrad": specs.get("beam_divergence_mrad"),
        "spot_size_mm": specs.get("spot_size_mm"),
        "modes": [dict(m) for m in specs.get("modes") or []],
        "timer_minutes": list(specs.get("timer_minutes") or []),
        "length_mm": dims.get("length"),
        "width_mm": dims.get("width"),
        "height_mm": dims.get("height"),
        "weight_g": specs.get("weight_g"),
        "oem_private_label": oem["private_label"],
        "oem_custom_wavelengths": oem["custom_wavelengths"],
        "oem_packaging": list(oem["packaging"]),
        "oem_moq": oem.get("moq"),
        "oem_lead_time_days": oem.get("lead_time_days"),
        "oem_sample_price": oem.get("sample_price"),
        "headline": copy["headline"],
        "summary": copy["summary"],
        "body_md": copy["body"],
        "extra_precautions": list(rec["precautions"]),
    }


def band_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    """Wavelength band rows of a record, in order."""
    return [
        {"position": i, "nm": b["nm"], "share_pct": b.get("share_pct"), "power_w": b.get("power_w")}
        for i, b in enumerate(rec["wavelengths"])
    ]


def tier_rows(rec: dict[str, Any]) -> list[dict[str, Any]]:
    """Volume price tier rows of a record."""
    return [{"min_qty": t["min_qty"], "unit_price": t["unit_price"]} for t in rec["oem"]["tiers"]]


def _f(v):
    return float(v) if v is not None else None


def product_to_record(p: Product) -> dict[str, Any]:
    """Return the fully normalised record of a product (the shape a loaded record has)."""
    irradiance = None
    if p.irradiance_mw_cm2 is not None:
        irradiance = {"mw_cm2": _f(p.irradiance_mw_cm2), "distance_cm": _f(p.irradiance_distance_cm),
                      "method": p.irradiance_method}
    laser_class = None
    if p.laser_class_us is not None or p.laser_class_iec is not None:
        laser_class = {"us": p.laser_class_us, "iec": p.laser_class_iec}
    dims = None
    if p.length_mm is not None:
        dims = {"length": _f(p.length_mm), "width": _f(p.width_mm), "height": _f(p.height_mm)}
    return {
        "sku": p.sku,
        "slug": p.slug,
        "name": p.name,
        "kind": str(p.kind),
        "status": str(p.status),
        "price": p.price_amount,
        "currency": p.currency,
        "stock": p.stock,
        "regulatory": {"status": str(p.regulatory), "k_number": p.k_number,
                       "product_code": p.product_code, "indications": p.indications},
        "certifications": list(p.certifications or []),
        "wavelengths": [{"nm": b.nm, "share_pct": _f(b.share_pct), "power_w": _f(b.power_w)}
                        for b in p.bands],
        "specs": {
            "led_count": p.led_count,
            "beam_angle_deg": _f(p.beam_angle_deg),
            "coverage_cm2": _f(p.coverage_cm2),
            "irradiance": irradiance,
            "power_draw_w": _f(p.power_draw_w),
            "optical_output_w": _f(p.optical_output_w),
            "laser_class": laser_class,
            "beam_divergence_mrad": _f(p.beam_divergence_mrad),
            "spot_size_mm": _f(p.spot_size_mm),
            "modes": [{"type": m.get("type"), "hz": _f(m.get("hz")),
                       "duty_cycle_pct": _f(m.get("duty_cycle_pct"))} for m in p.modes or []],
            "timer_minutes": list(p.timer_minutes or []),
            "dimensions_mm": dims,
            "weight_g": _f(p.weight_g),
        },
        "oem": {
            "private_label": bool(p.oem_private_label),
            "custom_wavelengths": bool(p.oem_custom_wavelengths),
            "packaging": list(p.oem_packaging or []),
            "moq": p.oem_moq,
            "lead_time_days": p.oem_lead_time_days,
            "sample_price": p.oem_sample_price,
            "tiers": [{"min_qty": t.min_qty, "unit_price": t.unit_price} for t in p.tiers],
        },
        "copy": {"headline": p.headline, "summary": p.summary, "body": p.body_md},
        "precautions": list(p.extra_precautions or []),
    }


def normalise_for_compare(rec: dict[str, Any]) -> dict[str, Any]:
    """A record with its derived slug filled in, for equality checks."""
    if rec.get("slug"):
        return rec
    return {**rec, "slug": slugify(rec["name"])}


def prune_empty(value: Any) -> Any:
    """Drop None values and empty containers, for compact exports."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = prune_empty(v)
            if v is None or v == [] or v == {}:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [prune_empty(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
