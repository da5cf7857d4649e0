"""Catalogue query arguments: facet definitions, the query-string schema and ``Filters``.

Shared by the catalogue page and ``GET /api/v1/products`` so both accept exactly the same
parameters and reject the same bad values.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    fields,
    pre_load,
    validate,
)

from storefront.catalog.models import Kind
from storefront.catalog.schemas import US_LASER_CLASSES
from storefront.catalog.search import parse_terms

DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
WAVELENGTH_TOLERANCE_NM = 10

SORTS = {
    "name": "Name (A–Z)",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "newest": "Newest first",
    "relevance": "Best match",
}

KIND_LABELS = {
    Kind.BELT.value: "Belts and wraps",
    Kind.HANDHELD.value: "Handhelds",
    Kind.PANEL.value: "Panels",
    Kind.LASER.value: "Therapy lasers",
}

# The headline bands shoppers ask for; a filter value matches any band within ±10 nm.
WAVELENGTH_BUCKETS: tuple[tuple[int, str], ...] = (
    (630, "red"), (660, "red"), (810, "near-infrared"), (830, "near-infrared"),
    (850, "near-infrared"), (980, "laser NIR"), (1064, "laser NIR"),
)

# (min, max) in minor units, both inclusive; None is open.
PRICE_BUCKETS: tuple[tuple[int | None, int | None], ...] = (
    (None, 9_999), (10_000, 24_999), (25_000, 49_999), (50_000, 99_999), (100_000, None),
)

# key -> (min inclusive, max exclusive) in cm²
COVERAGE_BUCKETS: dict[str, tuple[float | None, float | None]] = {
    "under-100": (None, 100.0),
    "100-500": (100.0, 500.0),
    "500-2000": (500.0, 2000.0),
    "2000-plus": (2000.0, None),
}
COVERAGE_LABELS = {
    "under-100": "under 100 cm²",
    "100-500": "100–500 cm²",
    "500-2000": "500–2,000 cm²",
    "2000-plus": "2,000 cm² or more",
}

# --------------------------------------------------------------------------- query args


def _drop_empty(value: Any) -> Any:
    if isinstance(value, list):
        return [v for v in value if v != ""]
    return value


class ProductQuerySchema(Schema):
    """Query-string arguments of the catalogue page and ``GET /api/v1/products``."""

    class Meta:
        unknown = EXCLUDE

    kind = fields.List(fields.String(validate=validate.OneOf([k.value for k in Kind])),
                       metadata={"description": "Product kind; repeat to combine (any of)."})
    wavelength = fields.List(
        fields.Integer(validate=validate.Range(200, 1500)),
        metadata={"description": "Wavelength in nm; a product matches when any band is within ±10 nm. "
                                 "Repeat to combine (any of)."})
    min_price = fields.Integer(validate=validate.Range(0, 100_000_000),
                               metadata={"description": "Minimum price in minor units (cents)."})
    max_price = fields.Integer(validate=validate.Range(0, 100_000_000),
                               metadata={"description": "Maximum price in minor units (cents); "
                                                            "below min_price, nothing matches."})
    coverage = fields.List(fields.String(validate=validate.OneOf(list(COVERAGE_BUCKETS))),
                           metadata={"description": "Treatment-area bucket; repeat to combine."})
    laser_class = fields.List(fields.String(validate=validate.OneOf(US_LASER_CLASSES)),
                              metadata={"description": "US laser class; repeat to combine."})
    q = fields.String(validate=validate.Length(max=200),
                      metadata={"description": "Full-text search; words are prefix-matched."})
    sort = fields.String(validate=validate.OneOf(list(SORTS)),
                         metadata={"description": "Sort order; defaults to relevance with q, else name."})
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.Range(1, MAX_PER_PAGE))


class CatalogueFormQuerySchema(ProductQuerySchema):
    """The catalogue page's arguments: as the API's, but blank form fields mean "no filter"."""

    @pre_load
    def _ignore_blank(self, data, **kwargs):
        # An HTML GET form sends empty fields (``min_price=``); they are not values.
        out = {}
        for key in data:
            value = _drop_empty(data[key])
            if value == "" or value == []:
                continue
            out[key] = value
        return out


@dataclass(frozen=True)
class Filters:
    """A normalised catalogue query; hashable so it can key the facet cache."""

    kinds: tuple[str, ...] = ()
    wavelengths: tuple[int, ...] = ()
    min_price: int | None = None
    max_price: int | None = None
    coverage: tuple[str, ...] = ()
    laser_classes: tuple[str, ...] = ()
    q: str = ""
    sort: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> Filters:
        """Build from loaded ``ProductQuerySchema`` data."""
        return cls(
            kinds=tuple(sorted(set(args.get("kind") or ()))),
            wavelengths=tuple(sorted(set(args.get("wavelength") or ()))),
            min_price=args.get("min_price"),
            max_price=args.get("max_price"),
            coverage=tuple(k for k in COVERAGE_BUCKETS if k in set(args.get("coverage") or ())),
            laser_classes=tuple(c for c in US_LASER_CLASSES if c in set(args.get("laser_class") or ())),
            q=" ".join((args.get("q") or "").split()),
            sort=args.get("sort") or "",
            page=args.get("page") or 1,
            per_page=args.get("per_page") or DEFAULT_PER_PAGE,
        )

    @property
    def terms(self) -> list[str]:
        return parse_terms(self.q)

    @property
    def effective_sort(self) -> str:
        if self.sort == "relevance" and not self.terms:
            return "name"
        return self.sort or ("relevance" if self.terms else "name")

    @property
    def narrowed(self) -> bool:
        """Whether any facet filter (not the search words) is in use."""
        return bool(self.kinds or self.wavelengths or self.min_price is not None
                    or self.max_price is not None or self.coverage or self.laser_classes)

    @property
    def active(self) -> bool:
        """Whether anything narrows the catalogue."""
        return self.narrowed or bool(self.terms)

    def facet_key(self) -> Hashable:
        """The part of the query that decides totals and facet counts."""
        return (self.kinds, self.wavelengths, self.min_price, self.max_price, self.coverage,
                self.laser_classes, tuple(self.terms))

    def to_query(self, **changes: Any) -> list[tuple[str, str]]:
        """Query-string pairs for this state with ``changes`` applied (stable order)."""
        f = replace(self, **changes) if changes else self
        pairs: list[tuple[str, str]] = []
        if f.q:
            pairs.append(("q", f.q))
        pairs += [("kind", k) for k in f.kinds]
        pairs += [("wavelength", str(w)) for w in f.wavelengths]
        if f.min_price is not None:
            pairs.append(("min_price", str(f.min_price)))
        if f.max_price is not None:
            pairs.append(("max_price", str(f.max_price)))
        pairs += [("coverage", c) for c in f.coverage]
        pairs += [("laser_class", c) for c in f.laser_classes]
        if f.sort:
            pairs.append(("sort", f.sort))
        if f.per_page != DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(f.per_page)))
        if f.page != 1:
            pairs.append(("page", str(f.page)))
        return pairs
