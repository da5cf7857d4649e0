"""An in-memory facet index: every published product's facet values as bitsets.

Counting facets in SQL means a pass over the whole catalogue for each new filter state
(tens of milliseconds at 10,000 products). Built once per catalogue version (a handful of
light queries), this index answers totals, facet counts and page ids for any state with a
few big-integer ANDs and popcounts. Relevance order comes from the search engine (one
ranked query per new set of words, remembered). The SQL path in ``queries`` stays the
reference implementation; tests check that both agree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storefront.catalog.filters import (
    COVERAGE_BUCKETS,
    COVERAGE_LABELS,
    KIND_LABELS,
    PRICE_BUCKETS,
    WAVELENGTH_BUCKETS,
    WAVELENGTH_TOLERANCE_NM,
    Filters,
)
from storefront.catalog.models import Product, Status, WavelengthBand
from storefront.catalog.schemas import US_LASER_CLASSES
from storefront.compliance import laser_class

SORT_ORDERS = {
    "name": (Product.name, Product.id),
    "price_asc": (Product.price_amount, Product.id),
    "price_desc": (Product.price_amount.desc(), Product.id.desc()),
    "newest": (Product.created_at.desc(), Product.id.desc()),
}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "count": self.count,
                "selected": self.selected, **self.extra}


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]

    @property
    def visible_values(self) -> list[FacetValue]:
        """Values worth offering: those with products, and those already chosen."""
        return [v for v in self.values if v.count or v.selected]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "values": [v.to_dict() for v in self.values]}


def build_facets(f: Filters, counts: dict[str, dict[str, int]]) -> list[Facet]:
    kinds = [FacetValue(k, label, counts["kind"][k], k in f.kinds) for k, label in KIND_LABELS.items()]
    waves = [FacetValue(str(nm), f"{nm} nm ({band})", counts["wavelength"][str(nm)],
                        nm in f.wavelengths, {"nm": nm})
             for nm, band in WAVELENGTH_BUCKETS]
    prices = []
    for lo, hi in PRICE_BUCKETS:
        key = f"{lo or ''}-{hi or ''}"
        prices.append(FacetValue(key, "", counts["price"][key],
                                 (f.min_price, f.max_price) == (lo, hi), {"min": lo, "max": hi}))
    cover = [FacetValue(k, COVERAGE_LABELS[k], counts["coverage"][k], k in f.coverage)
             for k in COVERAGE_BUCKETS]
    lasers = [FacetValue(c, laser_class.label(c), counts["laser_class"][c], c in f.laser_classes,
                         {"iec": laser_class.US_TO_IEC[c]})
              for c in US_LASER_CLASSES]
    return [
        Facet("kind", "Kind", kinds),
        Facet("wavelength", "Wavelength", waves),
        Facet("price", "Price", prices),
        Facet("coverage", "Treatment area", cover),
        Facet("laser_class", "Laser class", lasers),
    ]


def _mask(n: int, positions: Iterable[int]) -> int:
    """A bitset with the given positions set (built through bytes: linear, not quadratic)."""
    buf = bytearray((n + 7) // 8)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buf, "little")


class FacetIndex:
    """Facet values of the published products of one catalogue version."""

    def __init__(self, version: Hashable, rows: list[tuple], bands: list[tuple[int, int]],
                 orders: dict[str, list[int]]):
        self.version = version
        self.ids = [r[0] for r in rows]
        self.pos = {pid: i for i, pid in enumerate(self.ids)}
        self.n = len(self.ids)
        self.all = (1 << self.n) - 1
        self.price = [r[2] for r in rows]
        self.coverage = [r[3] for r in rows]
        self.band_nms: list[list[int]] = [[] for _ in range(self.n)]
        for pid, nm in bands:
            i = self.pos.get(pid)
            if i is not None:
                self.band_nms[i].append(nm)
        self.kind = {k: _mask(self.n, (i for i, r in enumerate(rows) if r[1] == k)) for k in KIND_LABELS}
        self.laser = {c: _mask(self.n, (i for i, r in enumerate(rows) if r[4] == c)) for c in US_LASER_CLASSES}
        self.orders = {sort: [self.pos[pid] for pid in ids if pid in self.pos] for sort, ids in orders.items()}
        self._memo: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- memoised masks

    def _remember(self, key: Hashable, make: Callable[[], object]):
        with self._lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = make()
        with self._lock:
            self._memo[key] = value
            while len(self._memo) > 512:
                self._memo.popitem(last=False)
        return value

    def price_mask(self, lo: int | None, hi: int | None) -> int:
        return self._remember(("price", lo, hi), lambda: _mask(self.n, (
            i for i, p in enumerate(self.price) if (lo is None or p >= lo) and (hi is None or p <= hi))))

    def coverage_mask(self, keys: tuple[str, ...]) -> int:
        def make():
            ranges = [COVERAGE_BUCKETS[k] for k in keys]
            return _mask(self.n, (
                i for i, c in enumerate(self.coverage) if c is not None and any(
                    (lo is None or c >= lo) and (hi is None or c < hi) for lo, hi in ranges)))
        return self._remember(("coverage", keys), make)

    def wavelength_mask(self, wavelengths: tuple[int, ...]) -> int:
        tol = WAVELENGTH_TOLERANCE_NM
        return self._remember(("wavelength", wavelengths), lambda: _mask(self.n, (
            i for i, nms in enumerate(self.band_nms)
            if any(abs(nm - w) <= tol for nm in nms for w in wavelengths))))

    def ranked(self, key: Hashable, fetch: Callable[[], list[int]]) -> tuple[list[int], int]:
        """Positions of search matches in relevance order, and their mask (memoised by key)."""
        def make():
            positions = [self.pos[pid] for pid in fetch() if pid in self.pos]
            return positions, _mask(self.n, positions)
        return self._remember(("search", key), make)

    # ----------------------------------------------------------------- answers

    def _selection(self, f: Filters) -> dict[str, int]:
        sel: dict[str, int] = {}
        if f.kinds:
            sel["kind"] = self._or(self.kind[k] for k in f.kinds)
        if f.wavelengths:
            sel["wavelength"] = self.wavelength_mask(f.wavelengths)
        if f.min_price is not None or f.max_price is not None:
            sel["price"] = self.price_mask(f.min_price, f.max_price)
        if f.coverage:
            sel["coverage"] = self.coverage_mask(f.coverage)
        if f.laser_classes:
            sel["laser_class"] = self._or(self.laser[c] for c in f.laser_classes)
        return sel

    @staticmethod
    def _or(masks: Iterable[int]) -> int:
        out = 0
        for m in masks:
            out |= m
        return out

    def counts(self, f: Filters, base: int) -> tuple[int, dict[str, dict[str, int]]]:
        """Total and per-value counts; each facet ignores its own selection (disjunctive)."""
        sel = self._selection(f)

        def others(name: str) -> int:
            m = base
            for k, v in sel.items():
                if k != name:
                    m &= v
            return m

        total = others("")
        out: dict[str, dict[str, int]] = {}
        rest = others("kind")
        out["kind"] = {k: (rest & m).bit_count() for k, m in self.kind.items()}
        rest = others("wavelength")
        out["wavelength"] = {str(nm): (rest & self.wavelength_mask((nm,))).bit_count()
                             for nm, _ in WAVELENGTH_BUCKETS}
        rest = others("price")
        out["price"] = {f"{lo or ''}-{hi or ''}": (rest & self.price_mask(lo, hi)).bit_count()
                        for lo, hi in PRICE_BUCKETS}
        rest = others("coverage")
        out["coverage"] = {k: (rest & self.coverage_mask((k,))).bit_count() for k in COVERAGE_BUCKETS}
        rest = others("laser_class")
        out["laser_class"] = {c: (rest & m).bit_count() for c, m in self.laser.items()}
        return total.bit_count(), out

    def matching(self, f: Filters, base: int) -> int:
        """The mask of products matching every filter."""
        m = base
        for v in self._selection(f).values():
            m &= v
        return m

    def page_ids(self, f: Filters, mask: int, order: list[int]) -> list[int]:
        """Ids on page ``f.page`` of ``order`` (positions) restricted to ``mask``."""
        bits = mask.to_bytes((self.n + 7) // 8 or 1, "little")
        skip = (f.page - 1) * f.per_page
        out: list[int] = []
        for p in order:
            if bits[p >> 3] >> (p & 7) & 1:
                if skip:
                    skip -= 1
                    continue
                out.append(self.ids[p])
                if len(out) == f.per_page:
                    break
        return out


def build_index(session: Session, version: Hashable) -> FacetIndex:
    """Read the facet columns, bands and sort orders of every published product."""
    published = Product.status == Status.PUBLISHED
    rows = [tuple(r) for r in session.execute(
        sa.select(Product.id, Product.kind, Product.price_amount, Product.coverage_cm2,
                  Product.laser_class_us).where(published).order_by(Product.id))]
    bands = [tuple(r) for r in session.execute(
        sa.select(WavelengthBand.product_id, WavelengthBand.nm)
        .join(Product, Product.id == WavelengthBand.product_id).where(published))]
    # Sort orders come from the database so they follow its collation, as SQL listings do.
    orders = {sort: list(session.scalars(sa.select(Product.id).where(published).order_by(*keys)))
              for sort, keys in SORT_ORDERS.items()}
    return FacetIndex(version, [(r[0], str(r[1]), *r[2:]) for r in rows], bands, orders)
