"""The publication gate: the catalogue asks the compliance engine about a product."""

from __future__ import annotations

from typing import Any

from storefront.catalog.models import Product


def facts_from_record(rec: dict[str, Any]):
    """Plain compliance facts from a normalised product record."""
    from storefront.compliance import ProductFacts

    specs = rec["specs"]
    lc = specs.get("laser_class") or {}
    reg = rec["regulatory"]
    return ProductFacts(
        sku=rec["sku"],
        kind=rec["kind"],
        regulatory=reg["status"],
        k_number=reg.get("k_number"),
        product_code=reg.get("product_code"),
        indications=reg.get("indications"),
        wavelengths_nm=[b["nm"] for b in rec["wavelengths"]],
        pulsed_hz=[m["hz"] for m in specs.get("modes") or [] if m["type"] == "pulsed" and m.get("hz")],
        laser_class_us=lc.get("us"),
        laser_class_iec=lc.get("iec"),
        optical_output_w=specs.get("optical_output_w"),
        beam_divergence_mrad=specs.get("beam_divergence_mrad"),
        spot_size_mm=specs.get("spot_size_mm"),
        extra_precautions=list(rec.get("precautions") or []),
    )


def copy_of_record(rec: dict[str, Any]) -> dict[str, str]:
    c = rec["copy"]
    return {"headline": c["headline"], "summary": c["summary"], "body": c["body"]}


def check_record(rec: dict[str, Any]):
    """Run the gate over a record; returns the compliance GateReport."""
    from storefront.compliance import check_product

    return check_product(facts_from_record(rec), copy_of_record(rec))


def _float(value) -> float | None:
    return float(value) if value is not None else None


def facts_from_product(p: Product):
    """Plain compliance facts read straight from a stored product's attributes."""
    from storefront.compliance import ProductFacts

    return ProductFacts(
        sku=p.sku,
        kind=str(p.kind),
        regulatory=str(p.regulatory),
        k_number=p.k_number,
        product_code=p.product_code,
        indications=p.indications,
        wavelengths_nm=p.wavelengths_nm,
        pulsed_hz=p.pulsed_hz,
        laser_class_us=p.laser_class_us,
        laser_class_iec=p.laser_class_iec,
        optical_output_w=_float(p.optical_output_w),
        beam_divergence_mrad=_float(p.beam_divergence_mrad),
        spot_size_mm=_float(p.spot_size_mm),
        extra_precautions=list(p.extra_precautions or []),
    )


def check(product: Product):
    """Run the gate over a stored product."""
    from storefront.compliance import check_product

    copy = {"headline": product.headline, "summary": product.summary, "body": product.body_md}
    return check_product(facts_from_product(product), copy)


def precautions_for(product: Product):
    """The precautions block of a stored product."""
    from storefront.compliance import build_precautions

    return build_precautions(facts_from_product(product),
                             extra_lines=product.extra_precautions or [])
