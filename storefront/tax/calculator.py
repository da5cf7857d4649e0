"""Tax calculation from a rate table, rounded per line in integer minor units."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Protocol

DEFAULT_FILE = Path(__file__).with_name("rates.toml")


@dataclass(frozen=True)
class TaxableLine:
    ref: str  # a SKU, or "shipping"
    amount: int  # what the buyer pays for the line, after its share of any discount


@dataclass(frozen=True)
class TaxRequest:
    currency: str
    country: str
    region: str | None
    lines: tuple[TaxableLine, ...]
    shipping: int = 0


@dataclass(frozen=True)
class TaxLine:
    """One component of the tax, summed over the order's lines ("Texas sales tax 6.25 %")."""

    name: str
    rate: str  # percent, as written in the table
    amount: int

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rate": self.rate, "amount": self.amount}


@dataclass
class TaxResult:
    included: bool = False  # True: the amounts already contain the tax (EU / UK VAT)
    per_line: dict[str, int] = field(default_factory=dict)  # ref -> tax on that line
    lines: list[TaxLine] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def added(self) -> int:
        """What the tax adds to the total (zero when prices include it)."""
        return 0 if self.included else self.amount


class TaxCalculator(Protocol):
    """Anything that can tax an order; a hosted service can stand in for the table."""

    def calculate(self, request: TaxRequest) -> TaxResult: ...


@dataclass(frozen=True)
class _Component:
    name: str
    rate: Decimal
    text: str


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    components: tuple[_Component, ...]
    shipping: bool


@dataclass(frozen=True)
class _Country:
    code: str
    name: str
    inclusive: bool
    shipping: bool
    components: tuple[_Component, ...]
    regions: dict[str, Region]


def _rate(text: Any, where: str) -> Decimal:
    try:
        value = Decimal(str(text))
    except ArithmeticError:
        value = Decimal(-1)
    if not isinstance(text, str) or not (Decimal(0) <= value < Decimal(100)):
        raise ValueError(f"{where}: a percentage written as a string, e.g. \"6.25\"")
    return value


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class TableTaxCalculator:
    """Rates by country and region from ``rates.toml``."""

    def __init__(self, data: dict[str, Any]):
        self.countries: dict[str, _Country] = {}
        for code, raw in (data.get("country") or {}).items():
            label = raw.get("label", "Tax")
            comps: tuple[_Component, ...] = ()
            if "rate" in raw:
                comps = (_Component(f"{label} ({code})" if label == "VAT" else label,
                                    _rate(raw["rate"], code), raw["rate"]),)
            regions = {}
            for rcode, r in (raw.get("regions") or {}).items():
                where = f"{code}.{rcode}"
                if "components" in r:
                    rc = tuple(_Component(f"{c['name']} ({rcode})", _rate(c["rate"], where), c["rate"])
                               for c in r["components"])
                else:
                    rc = (_Component(f"{r['name']} sales tax", _rate(r["rate"], where), r["rate"]),)
                regions[rcode] = Region(rcode, r["name"], rc, bool(r.get("shipping", raw.get("shipping", False))))
            if raw.get("inclusive") and (regions or len(comps) != 1):
                raise ValueError(f"{code}: an inclusive tax has exactly one rate and no regions")
            self.countries[code] = _Country(code, raw.get("name", code), bool(raw.get("inclusive")),
                                            bool(raw.get("shipping", False)), comps, regions)

    def regions(self, country: str) -> list[Region]:
        """The regions an address in ``country`` must name (empty: none needed)."""
        c = self.countries.get((country or "").upper())
        return sorted(c.regions.values(), key=lambda r: r.name) if c else []

    def inclusive(self, country: str) -> bool:
        c = self.countries.get((country or "").upper())
        return bool(c and c.inclusive)

    def calculate(self, request: TaxRequest) -> TaxResult:
        """Tax each line (and shipping) per component, rounding each line half up."""
        c = self.countries.get(request.country.upper())
        if c is None:
            return TaxResult()
        if c.regions:
            region = c.regions.get((request.region or "").upper())
            if region is None:
                return TaxResult(included=c.inclusive)  # the address schema asks for a region
            comps, ship_taxed = region.components, region.shipping
        else:
            comps, ship_taxed = c.components, c.shipping
        lines = list(request.lines)
        if ship_taxed and request.shipping:
            lines.append(TaxableLine("shipping", request.shipping))
        result = TaxResult(included=c.inclusive)
        for comp in comps:
            total = 0
            for line in lines:
                if c.inclusive:  # the price holds the tax: gross - gross / (1 + rate)
                    tax = line.amount - _round(Decimal(line.amount) / (1 + comp.rate / 100))
                else:
                    tax = _round(Decimal(line.amount) * comp.rate / 100)
                result.per_line[line.ref] = result.per_line.get(line.ref, 0) + tax
                total += tax
            if comp.rate:
                result.lines.append(TaxLine(comp.name, comp.text, total))
        return result


_cache: dict[str, tuple[float, TableTaxCalculator]] = {}


def load_calculator(path: str | Path | None = None) -> TableTaxCalculator:
    """The table calculator for ``path`` (default: rates.toml here), re-read when it changes."""
    p = Path(path) if path else DEFAULT_FILE
    mtime = p.stat().st_mtime
    hit = _cache.get(str(p))
    if hit is None or hit[0] != mtime:
        with p.open("rb") as fh:
            hit = (mtime, TableTaxCalculator(tomllib.load(fh)))
        _cache[str(p)] = hit
    return hit[1]
