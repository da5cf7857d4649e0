"""Light dose at the stated distance: fluence (J/cm²) = irradiance (mW/cm²) × time (s) / 1000."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Session lengths shown when a product states no timer settings.
DEFAULT_MINUTES = (5, 10, 15, 20)


def fluence_j_cm2(irradiance_mw_cm2: float, seconds: float) -> float:
    """Energy density delivered in ``seconds`` at ``irradiance_mw_cm2``."""
    return irradiance_mw_cm2 * seconds / 1000.0


@dataclass(frozen=True)
class DoseRow:
    minutes: int
    seconds: int
    fluence_j_cm2: float


@dataclass(frozen=True)
class DoseTable:
    """Session minutes against fluence, a fact about the device at one distance."""

    irradiance_mw_cm2: float
    distance_cm: float | None
    method: str | None
    rows: tuple[DoseRow, ...]

    def to_dict(self) -> dict:
        return {
            "irradiance_mw_cm2": self.irradiance_mw_cm2,
            "distance_cm": self.distance_cm,
            "method": self.method,
            "rows": [{"minutes": r.minutes, "seconds": r.seconds,
                      "fluence_j_cm2": round(r.fluence_j_cm2, 2)} for r in self.rows],
        }


def dose_table(irradiance_mw_cm2: float | None, distance_cm: float | None = None,
               method: str | None = None, minutes: Iterable[int] | None = None) -> DoseTable | None:
    """The dose table for a stated irradiance, or None when the product states none."""
    if irradiance_mw_cm2 is None or irradiance_mw_cm2 <= 0:
        return None
    chosen = sorted({int(m) for m in (minutes or ()) if int(m) > 0}) or list(DEFAULT_MINUTES)
    rows = tuple(DoseRow(m, m * 60, fluence_j_cm2(irradiance_mw_cm2, m * 60)) for m in chosen)
    return DoseTable(float(irradiance_mw_cm2), distance_cm, method, rows)


def product_dose_table(product) -> DoseTable | None:
    """The dose table of a stored product (its timer settings, at its stated distance)."""
    return dose_table(product.irradiance_mw_cm2, product.irradiance_distance_cm,
                      product.irradiance_method, product.timer_minutes)
