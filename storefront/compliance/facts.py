"""Plain product facts the compliance engine needs (no catalogue models)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

# US (21 CFR 1040.10) and IEC 60825-1 class names mapped to one spelling.
_CLASS_ALIASES = {
    "i": "1", "1": "1", "1m": "1M", "ii": "2", "2": "2", "2m": "2M", "iia": "2",
    "iiia": "3R", "3a": "3R", "3r": "3R", "iiib": "3B", "3b": "3B", "iv": "4", "4": "4",
}


def normalise_laser_class(value: str | None) -> str | None:
    """Return '1', '1M', '2', '2M', '3R', '3B' or '4' for a US or IEC class name."""
    if value is None:
        return None
    key = str(value).strip().lower().replace("class", "").replace(" ", "")
    return _CLASS_ALIASES.get(key)


@dataclass
class ProductFacts:
    """What the compliance engine knows about a product: kind, status, optics."""

    sku: str
    kind: str  # 'belt' | 'handheld' | 'panel' | 'laser'
    regulatory: str  # 'wellness' | 'otc_cleared' | 'rx_only'
    k_number: str | None = None
    product_code: str | None = None
    indications: str | None = None
    wavelengths_nm: list[int] = field(default_factory=list)
    pulsed_hz: list[float] = field(default_factory=list)  # empty when CW only
    laser_class_us: str | None = None  # 'IIIb', 'IV' (or '3B', '4')
    laser_class_iec: str | None = None  # '3B', '4'
    optical_output_w: float | None = None
    beam_divergence_mrad: float | None = None  # full angle
    beam_diameter_mm: float | None = None  # at the aperture
    spot_size_mm: float | None = None  # used when the aperture diameter is not stated
    extra_precautions: list[str] = field(default_factory=list)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ProductFacts:
        """Build facts from a mapping, ignoring keys that are not fields."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @property
    def laser_class(self) -> str | None:
        """The more hazardous of the US and IEC classes, normalised ('3B', '4', ...)."""
        order = ["1", "1M", "2", "2M", "3R", "3B", "4"]
        found = [c for c in (normalise_laser_class(self.laser_class_iec),
                             normalise_laser_class(self.laser_class_us)) if c]
        return max(found, key=order.index) if found else None

    @property
    def is_hazard_laser(self) -> bool:
        """True for class 3B and 4 lasers (the ones needing eyewear, NOHD, controlled area)."""
        return self.kind == "laser" and self.laser_class in ("3B", "4")
