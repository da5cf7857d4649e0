"""The shipping table (zones, methods, exclusions) and the quote for one parcel."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storefront.errors import ValidationError

DEFAULT_FILE = Path(__file__).with_name("zones.toml")
DEFAULT_WEIGHT_G = 1000  # a product without a weight ships as one kilogram per unit


class NotShippable(ValidationError):
    code = "not_shippable"


class TableError(ValueError):
    """The data file is malformed (raised at load, so a bad edit never reaches a shopper)."""


@dataclass(frozen=True)
class Method:
    code: str
    name: str
    rate: str  # flat | weight
    amount: int = 0  # flat
    base: int = 0  # weight: fixed part
    per_kg: int = 0  # weight: per started kilogram
    free_above: int | None = None  # goods (after discount) at or above this ship free

    def price(self, goods: int, weight_g: int) -> int:
        """What this method costs for ``goods`` minor units weighing ``weight_g`` grams."""
        if self.free_above is not None and goods >= self.free_above:
            return 0
        if self.rate == "flat":
            return self.amount
        return self.base + self.per_kg * max(1, math.ceil(weight_g / 1000))


@dataclass(frozen=True)
class Exclusion:
    reason: str
    kinds: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()

    def applies(self, sku: str, kind: str) -> bool:
        return sku in self.skus or kind in self.kinds


@dataclass(frozen=True)
class Zone:
    code: str
    name: str
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()  # "US-HI"
    methods: tuple[Method, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()

    def method(self, code: str) -> Method | None:
        return next((m for m in self.methods if m.code == code), None)


@dataclass(frozen=True)
class ParcelLine:
    sku: str
    kind: str
    quantity: int
    weight_g: float | None = None


@dataclass(frozen=True)
class ShippingOption:
    code: str
    name: str
    amount: int


@dataclass
class ShippingQuote:
    zone: Zone | None
    options: list[ShippingOption] = field(default_factory=list)
    blocked: dict[str, str] = field(default_factory=dict)  # sku -> reason shown to the shopper

    def option(self, code: str | None) -> ShippingOption | None:
        if not self.options:
            return None
        if code is None:
            return self.options[0]
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class ShippingTable:
    currency: str
    zones: tuple[Zone, ...]

    def zone_for(self, country: str, region: str | None = None) -> Zone | None:
        """The most specific zone for an address: by region, then country, then "*"."""
        country = (country or "").upper()
        key = f"{country}-{(region or '').upper()}"
        for test in (lambda z: key in z.regions, lambda z: country in z.countries,
                     lambda z: "*" in z.countries):
            zone = next((z for z in self.zones if test(z)), None)
            if zone is not None:
                return zone
        return None

    def countries(self) -> set[str]:
        """Every country some zone ships to."""
        out: set[str] = set()
        for zone in self.zones:
            out |= {c for c in zone.countries if c != "*"}
            out |= {r.split("-", 1)[0] for r in zone.regions}
        return out

    def method_codes(self) -> list[str]:
        seen: list[str] = []
        for zone in self.zones:
            seen += [m.code for m in zone.methods if m.code not in seen]
        return seen


def _int(raw: dict[str, Any], key: str, where: str, default: int | None = 0) -> int | None:
    value = raw.get(key, default)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise TableError(f"{where}.{key}: a whole number of minor units (0 or more)")
    return value


def parse_table(data: dict[str, Any]) -> ShippingTable:
    """Build and check a table from the parsed TOML."""
    currency = str(data.get("currency", "USD")).upper()
    zones: list[Zone] = []
    codes: set[str] = set()
    for i, raw in enumerate(data.get("zone", [])):
        where = f"zone[{i}]"
        code = raw.get("code")
        if not code or code in codes:
            raise TableError(f"{where}.code: missing or repeated")
        codes.add(code)
        methods = []
        for j, m in enumerate(raw.get("method", [])):
            mwhere = f"{where}.method[{j}]"
            if m.get("rate") not in ("flat", "weight") or not m.get("code") or not m.get("name"):
                raise TableError(f"{mwhere}: needs code, name and rate = flat | weight")
            methods.append(Method(code=m["code"], name=m["name"], rate=m["rate"],
                                  amount=_int(m, "amount", mwhere), base=_int(m, "base", mwhere),
                                  per_kg=_int(m, "per_kg", mwhere),
                                  free_above=_int(m, "free_above", mwhere, None)))
        if not methods:
            raise TableError(f"{where}: at least one method")
        exclusions = []
        for j, e in enumerate(raw.get("exclude", [])):
            if not e.get("reason") or not (e.get("kinds") or e.get("skus")):
                raise TableError(f"{where}.exclude[{j}]: needs kinds or skus, and a reason")
            exclusions.append(Exclusion(reason=e["reason"], kinds=frozenset(e.get("kinds", [])),
                                        skus=frozenset(e.get("skus", []))))
        zones.append(Zone(code=code, name=raw.get("name", code),
                          countries=frozenset(c.upper() for c in raw.get("countries", [])),
                          regions=frozenset(r.upper() for r in raw.get("regions", [])),
                          methods=tuple(methods), exclusions=tuple(exclusions)))
    return ShippingTable(currency=currency, zones=tuple(zones))


_cache: dict[str, tuple[float, ShippingTable]] = {}


def load_table(path: str | Path | None = None) -> ShippingTable:
    """The table in ``path`` (default: zones.toml here), re-read when the file changes."""
    p = Path(path) if path else DEFAULT_FILE
    mtime = p.stat().st_mtime
    hit = _cache.get(str(p))
    if hit is None or hit[0] != mtime:
        with p.open("rb") as fh:
            hit = (mtime, parse_table(tomllib.load(fh)))
        _cache[str(p)] = hit
    return hit[1]


def quote(table: ShippingTable, *, country: str, region: str | None, lines: list[ParcelLine],
          goods: int, currency: str) -> ShippingQuote:
    """The methods (with prices) that can carry these lines to the address, and what is blocked."""
    zone = table.zone_for(country, region)
    if zone is None or currency.upper() != table.currency:
        return ShippingQuote(zone=None)
    blocked = {}
    for line in lines:
        for ex in zone.exclusions:
            if ex.applies(line.sku, line.kind):
                blocked[line.sku] = ex.reason
                break
    weight = int(sum((line.weight_g or DEFAULT_WEIGHT_G) * line.quantity for line in lines))
    options = [ShippingOption(m.code, m.name, m.price(goods, weight)) for m in zone.methods]
    return ShippingQuote(zone=zone, options=options, blocked=blocked)
