"""The SQL path: filter conditions, facet counts and page ids computed by the database.

The reference implementation of the catalogue's filter semantics; the facet index in
``facets`` must agree with it (tests compare the two). Used directly when caching is off.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storefront.catalog.facets import Facet, build_facets
from storefront.catalog.filters import (
    COVERAGE_BUCKETS,
    KIND_LABELS,
    PRICE_BUCKETS,
    WAVELENGTH_BUCKETS,
    WAVELENGTH_TOLERANCE_NM,
    Filters,
)
from storefront.catalog.models import Product, Status, WavelengthBand
from storefront.catalog.schemas import US_LASER_CLASSES
from storefront.catalog.search import SearchQuery, ranked_matches


def _near(nm_col, wavelengths: Iterable[int]):
    return sa.or_(*[nm_col.between(w - WAVELENGTH_TOLERANCE_NM, w + WAVELENGTH_TOLERANCE_NM)
                    for w in wavelengths])


def _price_cond(lo: int | None, hi: int | None):
    conds = []
    if lo is not None:
        conds.append(Product.price_amount >= lo)
    if hi is not None:
        conds.append(Product.price_amount <= hi)
    return sa.and_(*conds) if conds else sa.true()


def _coverage_cond(keys: Iterable[str]):
    parts = []
    for key in keys:
        lo, hi = COVERAGE_BUCKETS[key]
        conds = [Product.coverage_cm2.is_not(None)]
        if lo is not None:
            conds.append(Product.coverage_cm2 >= lo)
        if hi is not None:
            conds.append(Product.coverage_cm2 < hi)
        parts.append(sa.and_(*conds))
    return sa.or_(*parts)


def _facet_conditions(f: Filters, wavelength_cond) -> dict[str, Any]:
    """One condition per facet that is in use (the facet's own selection)."""
    conds: dict[str, Any] = {}
    if f.kinds:
        conds["kind"] = Product.kind.in_(f.kinds)
    if f.wavelengths:
        conds["wavelength"] = wavelength_cond
    if f.min_price is not None or f.max_price is not None:
        conds["price"] = _price_cond(f.min_price, f.max_price)
    if f.coverage:
        conds["coverage"] = _coverage_cond(f.coverage)
    if f.laser_classes:
        conds["laser_class"] = Product.laser_class_us.in_(f.laser_classes)
    return conds


def search_matches(session: Session, f: Filters, match_all: bool = True):
    terms = f.terms
    if not terms:
        return None
    return ranked_matches(session.get_bind().dialect.name, SearchQuery(tuple(terms), match_all))


def _wavelength_exists(wavelengths: Iterable[int]):
    return sa.exists().where(WavelengthBand.product_id == Product.id, _near(WavelengthBand.nm, wavelengths))


def _order_by(sort: str, matches):
    if sort == "relevance" and matches is not None:
        return [matches.c.rank, Product.id]
    return {
        "price_asc": [Product.price_amount, Product.id],
        "price_desc": [Product.price_amount.desc(), Product.id.desc()],
        "newest": [Product.created_at.desc(), Product.id.desc()],
    }.get(sort, [Product.name, Product.id])


def page_ids(session: Session, f: Filters, matches) -> list[int]:
    stmt = sa.select(Product.id).where(Product.status == Status.PUBLISHED)
    if matches is not None:
        stmt = stmt.join(matches, matches.c.product_id == Product.id)
    conds = _facet_conditions(f, _wavelength_exists(f.wavelengths) if f.wavelengths else None)
    stmt = stmt.where(*conds.values())
    stmt = (stmt.order_by(*_order_by(f.effective_sort, matches))
            .limit(f.per_page).offset((f.page - 1) * f.per_page))
    return list(session.scalars(stmt))


def _band_flags(f: Filters):
    """Per product: does it have a band near each bucket (and near the selected values)?"""
    cols = [WavelengthBand.product_id.label("product_id")]
    for nm, _ in WAVELENGTH_BUCKETS:
        cols.append(sa.func.max(sa.case((_near(WavelengthBand.nm, [nm]), 1), else_=0)).label(f"w{nm}"))
    if f.wavelengths:
        cols.append(sa.func.max(sa.case((_near(WavelengthBand.nm, f.wavelengths), 1), else_=0))
                    .label("wsel"))
    return sa.select(*cols).group_by(WavelengthBand.product_id).subquery("band_flags")


def count_facets(session: Session, f: Filters, matches) -> tuple[int, list[Facet]]:
    """The total and every facet's counts in one statement (disjunctive: a facet ignores itself)."""
    flags = _band_flags(f)
    wsel = (flags.c.wsel == 1) if f.wavelengths else None
    own = _facet_conditions(f, wsel)

    def others(name: str):
        return sa.and_(sa.true(), *[c for k, c in own.items() if k != name])

    columns: list[Any] = [sa.func.count().filter(sa.and_(sa.true(), *own.values())).label("total")]
    spec: list[tuple[str, str, Any]] = []
    for kind in KIND_LABELS:
        spec.append(("kind", kind, sa.and_(others("kind"), Product.kind == kind)))
    for nm, _ in WAVELENGTH_BUCKETS:
        spec.append(("wavelength", str(nm), sa.and_(others("wavelength"), flags.c[f"w{nm}"] == 1)))
    for lo, hi in PRICE_BUCKETS:
        spec.append(("price", f"{lo or ''}-{hi or ''}", sa.and_(others("price"), _price_cond(lo, hi))))
    for key in COVERAGE_BUCKETS:
        spec.append(("coverage", key, sa.and_(others("coverage"), _coverage_cond([key]))))
    for cls in US_LASER_CLASSES:
        spec.append(("laser_class", cls, sa.and_(others("laser_class"), Product.laser_class_us == cls)))
    columns += [sa.func.count().filter(cond) for _, _, cond in spec]

    stmt = (sa.select(*columns).select_from(Product)
            .outerjoin(flags, flags.c.product_id == Product.id)
            .where(Product.status == Status.PUBLISHED))
    if matches is not None:
        stmt = stmt.where(Product.id.in_(sa.select(matches.c.product_id)))
    row = session.execute(stmt).one()
    total, counts = row[0], row[1:]
    by_facet: dict[str, dict[str, int]] = {}
    for (facet, value, _), n in zip(spec, counts, strict=True):
        by_facet.setdefault(facet, {})[value] = n
    return total, build_facets(f, by_facet)
