"""Test data builders: valid product records and stored products."""

from __future__ import annotations

import copy
import itertools
from typing import Any

_seq = itertools.count(1)


def product_record(**overrides: Any) -> dict[str, Any]:
    """A valid seed record for a published wellness LED belt; override any top-level key."""
    n = next(_seq)
    rec: dict[str, Any] = {
        "sku": f"TEST-BELT-{n:05d}",
        "name": f"Test Belt {n}",
        "kind": "belt",
        "status": "published",
        "price": 19900,
        "currency": "USD",
        "stock": 25,
        "regulatory": {"status": "wellness"},
        "certifications": ["CE", "FCC"],
        "wavelengths": [{"nm": 660, "share_pct": 50}, {"nm": 850, "share_pct": 50}],
        "specs": {
            "led_count": 120,
            "coverage_cm2": 600,
            "irradiance": {"mw_cm2": 40, "distance_cm": 0, "method": "thermopile sensor at the pad surface"},
            "power_draw_w": 36,
            "modes": [{"type": "cw"}],
            "timer_minutes": [10, 15, 20],
            "dimensions_mm": {"length": 1000, "width": 200, "height": 12},
            "weight_g": 650,
        },
        "oem": {
            "private_label": True,
            "custom_wavelengths": True,
            "packaging": ["retail box"],
            "moq": 100,
            "lead_time_days": 30,
            "sample_price": 15000,
            "tiers": [{"min_qty": 100, "unit_price": 9000}, {"min_qty": 500, "unit_price": 8000}],
        },
        "copy": {
            "headline": "A flexible red and near-infrared light wrap for your evening routine",
            "summary": "120 LEDs at 660 nm and 850 nm with a 10, 15 or 20 minute timer.",
            "body": "Wrap it around your waist and relax. Use only as directed; see Precautions.",
        },
        "precautions": [],
    }
    for key, value in overrides.items():
        rec[key] = copy.deepcopy(value)
    return rec


def laser_record(**overrides: Any) -> dict[str, Any]:
    """A valid rx_only class 4 therapy laser record."""
    base = product_record(
        kind="laser",
        name=overrides.get("name", f"Test Laser {next(_seq)}"),
        price=1_290_000,
        regulatory={"status": "rx_only", "k_number": "K123456", "product_code": "ILY",
                    "indications": "Temporary relief of minor muscle and joint pain and stiffness."},
        wavelengths=[{"nm": 810, "power_w": 10}, {"nm": 980, "power_w": 10}],
        specs={
            "optical_output_w": 20, "laser_class": {"us": "IV", "iec": "4"},
            "beam_divergence_mrad": 200, "spot_size_mm": 30,
            "modes": [{"type": "cw"}, {"type": "pulsed", "hz": 20, "duty_cycle_pct": 50}],
        },
        copy={"headline": "A 20 W class 4 therapy laser for clinics",
              "summary": "810 nm and 980 nm. Rx only.",
              "body": "Rx only. For use by or on the order of a licensed practitioner."},
    )
    base["sku"] = f"TEST-LASER-{next(_seq):05d}"
    base.update({k: copy.deepcopy(v) for k, v in overrides.items()})
    return base


def create_products(session, *records: dict[str, Any]):
    """Validate and store records through the seeding service; returns Product objects."""
    from sqlalchemy import select

    from storefront.catalog.models import Product
    from storefront.seeding.loader import apply_records, validate_document

    loaded, errors, _ = validate_document({"products": list(records)}, gate=False)
    assert not errors, errors
    apply_records(session, loaded)
    skus = [r["sku"] for r in loaded]
    products = {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}
    return [products[s] for s in skus]
