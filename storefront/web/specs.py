"""The spec table of a product page: labelled rows with units."""

from __future__ import annotations

from storefront.catalog.filters import KIND_LABELS
from storefront.catalog.models import Kind, Product, Regulatory
from storefront.compliance import laser_class

KIND_NAMES = {Kind.BELT: "Belt / wrap", Kind.HANDHELD: "Handheld", Kind.PANEL: "Panel",
              Kind.LASER: "Therapy laser"}


def num(v: float | int | None) -> str:
    """A number without trailing zeros (``40.0`` -> ``40``, ``2.50`` -> ``2.5``)."""
    if v is None:
        return ""
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def regulatory_text(p: Product) -> str:
    """The product's regulatory status in words."""
    if p.regulatory == Regulatory.WELLNESS:
        return "General wellness device (not FDA-cleared)"
    clearance = f"FDA 510(k) {p.k_number}" if p.k_number else "FDA 510(k)"
    if p.product_code:
        clearance += f", product code {p.product_code}"
    if p.regulatory == Regulatory.RX_ONLY:
        return f"Prescription device (Rx only); {clearance}"
    return f"Over-the-counter device; {clearance}"


def mode_text(modes: list[dict]) -> str:
    """Operating modes in words."""
    parts = []
    for m in modes or []:
        if m.get("type") == "pulsed":
            text = f"pulsed {num(m.get('hz'))} Hz"
            if m.get("duty_cycle_pct"):
                text += f" at {num(m['duty_cycle_pct'])}% duty cycle"
            parts.append(text)
        else:
            parts.append("continuous wave")
    return "; ".join(parts)


# Every label ``spec_rows`` can produce, in display order (comparison tables follow it).
SPEC_LABELS = (
    "Kind", "Wavelengths", "LED count", "Beam angle", "Treatment area", "Irradiance", "Optical output",
    "Electrical power draw", "Laser class", "Beam divergence", "Spot size", "Modes", "Timer settings",
    "Dimensions (L × W × H)", "Weight", "Certifications", "Regulatory status",
)


def spec_rows(p: Product) -> list[tuple[str, str]]:
    """``(label, value with units)`` for every spec the product states."""
    rows: list[tuple[str, str]] = [("Kind", KIND_NAMES.get(p.kind, KIND_LABELS.get(p.kind, str(p.kind))))]
    bands = []
    for b in p.bands:
        extra = [f"{num(b.share_pct)}%"] if b.share_pct else []
        extra += [f"{num(b.power_w)} W"] if b.power_w else []
        bands.append(f"{b.nm} nm" + (f" ({', '.join(extra)})" if extra else ""))
    rows.append(("Wavelengths", ", ".join(bands)))

    def add(label: str, value, unit: str = "") -> None:
        if value is not None and value != "":
            rows.append((label, f"{num(value)}{unit}" if isinstance(value, int | float) else str(value)))

    add("LED count", p.led_count)
    add("Beam angle", p.beam_angle_deg, "°")
    add("Treatment area", p.coverage_cm2, " cm²")
    if p.irradiance_mw_cm2 is not None:
        text = f"{num(p.irradiance_mw_cm2)} mW/cm² at {num(p.irradiance_distance_cm)} cm"
        if p.irradiance_method:
            text += f" ({p.irradiance_method})"
        rows.append(("Irradiance", text))
    add("Optical output", p.optical_output_w, " W")
    add("Electrical power draw", p.power_draw_w, " W")
    if p.laser_class_us or p.laser_class_iec:
        rows.append(("Laser class", laser_class.label(p.laser_class_us, p.laser_class_iec)))
    add("Beam divergence", p.beam_divergence_mrad, " mrad")
    add("Spot size", p.spot_size_mm, " mm")
    add("Modes", mode_text(p.modes))
    if p.timer_minutes:
        add("Timer settings", ", ".join(str(m) for m in p.timer_minutes) + " min")
    if p.length_mm is not None:
        rows.append(("Dimensions (L × W × H)",
                     f"{num(p.length_mm)} × {num(p.width_mm)} × {num(p.height_mm)} mm"))
    add("Weight", p.weight_g, " g")
    add("Certifications", ", ".join(p.certifications or []))
    rows.append(("Regulatory status", regulatory_text(p)))
    return rows
