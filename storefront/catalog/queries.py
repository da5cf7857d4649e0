"""Catalogue reads for the pages and the JSON API: listing pages, products, live stock.

Everything here takes a session and plain arguments. A listing state is answered by the
in-memory facet index of the current catalogue version (``facets``) when a cache is given,
and by SQL otherwise (``sqlfacets``); either way the number of statements per request is
a constant whatever the page size, and a state seen before costs one statement.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, load_only, selectinload

from storefront.catalog.cache import CatalogCache
from storefront.catalog.facets import Facet, FacetIndex, build_facets, build_index
from storefront.catalog.filters import Filters
from storefront.catalog.models import CatalogVersion, PriceTier, Product, Status, WavelengthBand
from storefront.catalog.sqlfacets import count_facets, page_ids, search_matches

# Listing indexes: each sort order walks an index on (status, key) instead of sorting the
# whole catalogue; the version probe reads the newest ``updated_at`` from its own index.
sa.Index("ix_products_status_name", Product.status, Product.name)
sa.Index("ix_products_status_price", Product.status, Product.price_amount)
sa.Index("ix_products_status_created", Product.status, Product.created_at)
sa.Index("ix_products_updated_at", Product.updated_at)


# --------------------------------------------------------------------------- results


@dataclass
class Listing:
    """One page of the catalogue with its total and facet counts."""

    filters: Filters
    items: list[Product]
    total: int
    facets: list[Facet]
    suggestions: list[Product] = field(default_factory=list)

    @property
    def page(self) -> int:
        return self.filters.page

    @property
    def per_page(self) -> int:
        return self.filters.per_page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def facet(self, name: str) -> Facet:
        return next(f for f in self.facets if f.name == name)


# Statements run on every request are built once: building a construct costs far more
# than executing it from SQLAlchemy's compiled cache.
# Inserts and deletes bump catalog_version.n (triggers, migration 0120); edits move the
# newest updated_at. Both are index lookups (count(*) was a scan on PostgreSQL).
_CHANGES = sa.select(CatalogVersion.n).where(CatalogVersion.id == 1).scalar_subquery()
_VERSION_STMT = sa.select(
    _CHANGES,
    sa.select(sa.func.max(Product.updated_at)).scalar_subquery(),
)


def catalogue_version(session: Session) -> tuple:
    """A cheap fingerprint of the catalogue: products added or removed, and newest change."""
    row = session.connection().execute(_VERSION_STMT).one()
    return (row[0], str(row[1]))


_NULL_INT = sa.null().cast(sa.Integer)


def version_and_stock_statement(ids) -> sa.CompoundSelect:
    """The catalogue version (one row, id NULL) and a row (id, stock) per product in ``ids``
    (a list of elements, or an expanding bind parameter)."""
    return sa.union_all(
        sa.select(_NULL_INT, _NULL_INT,
                  _CHANGES,
                  sa.select(sa.func.max(Product.updated_at)).scalar_subquery()),
        sa.select(Product.id, Product.stock, _NULL_INT, sa.null())
        .where(Product.id.in_(ids)),
    )


_VERSION_AND_STOCK_STMT = version_and_stock_statement(sa.bindparam("ids", expanding=True))


def version_and_stock(session: Session | sa.Connection, ids: list[int]) -> tuple[tuple, dict[int, int]]:
    """The catalogue version and the live stock of ``ids``, in one statement (on a session,
    or on a plain connection: the page cache's freshness check runs outside any session)."""
    conn = session if isinstance(session, sa.Connection) else session.connection()
    return version_and_stock_from_rows(conn.execute(_VERSION_AND_STOCK_STMT, {"ids": list(ids)}).all())


def version_and_stock_from_rows(rows) -> tuple[tuple, dict[int, int]]:
    """``version_and_stock`` from the statement's rows (after the column types' processing)."""
    head = next(r for r in rows if r[0] is None)
    return (head[2], str(head[3])), {r[0]: r[1] for r in rows if r[0] is not None}


@dataclass
class PageRef:
    """Which products a catalogue state shows, without loading them."""

    filters: Filters
    total: int
    facets: list[Facet]
    ids: list[int]
    suggestion_ids: list[int]
    version: Hashable | None = None
    stock: dict[int, int] = field(default_factory=dict)  # read live, for every shown id

    @property
    def shown(self) -> list[int]:
        return self.ids + self.suggestion_ids

    @property
    def page(self) -> int:
        return self.filters.page

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.filters.per_page))

    @property
    def past_end(self) -> bool:
        return self.total > 0 and self.filters.page > self.pages


def _suggestion_ids(session: Session, f: Filters) -> list[int]:
    """Nothing matches every word: products with some of them, within the filters first."""
    loose = search_matches(session, f, match_all=False)
    for scope in (f, Filters(q=f.q)):
        if scope is not f and not f.narrowed:
            break
        ids = page_ids(session, replace(scope, page=1, per_page=6, sort="relevance"), loose)
        if ids:
            return ids
    return []


def _ranked_ids(session: Session, f: Filters) -> list[int]:
    """Every published product matching all the words, best match first."""
    matches = search_matches(session, f)
    stmt = (sa.select(Product.id).join(matches, matches.c.product_id == Product.id)
            .where(Product.status == Status.PUBLISHED).order_by(matches.c.rank, Product.id))
    return list(session.scalars(stmt))


def _page_from_index(session: Session, f: Filters, index: FacetIndex) -> PageRef:
    base, order = index.all, index.orders.get(f.effective_sort)
    if f.terms:
        ranked, base = index.ranked(tuple(f.terms), lambda: _ranked_ids(session, f))
        if f.effective_sort == "relevance":
            order = ranked
    total, counts = index.counts(f, base)
    on_page = total and f.page <= math.ceil(total / f.per_page)
    ids = index.page_ids(f, index.matching(f, base), order) if on_page else []
    suggestions = _suggestion_ids(session, f) if total == 0 and f.terms else []
    return PageRef(filters=f, total=total, facets=build_facets(f, counts), ids=ids,
                   suggestion_ids=suggestions, version=index.version)


def _compute_page(session: Session, f: Filters, version, cache: CatalogCache | None) -> PageRef:
    if cache is not None:
        index = cache.get(("index", version))
        if index is None:
            index = build_index(session, version)
            cache.put(("index", version), index)
        return _page_from_index(session, f, index)
    matches = search_matches(session, f)
    total, facets = count_facets(session, f, matches)
    ids = page_ids(session, f, matches) if total and f.page <= math.ceil(total / f.per_page) else []
    suggestions = _suggestion_ids(session, f) if total == 0 and f.terms else []
    return PageRef(filters=f, total=total, facets=facets, ids=ids, suggestion_ids=suggestions,
                   version=version)


def find_page(session: Session, f: Filters, *, cache: CatalogCache | None = None) -> PageRef:
    """Total, facet counts, the ids on page ``f.page`` and their live stock.

    With a cache, a warm request costs one statement: the catalogue version and the stock
    of the remembered ids come back together, and the remembered page is used only when
    the version still matches.
    """
    if cache is None:
        ref = _compute_page(session, f, None, None)
        ref.stock = stock_levels(session, ref.shown)
        return ref
    page_key = ("page", f)
    known: PageRef | None = cache.get(page_key)
    version, stock = version_and_stock(session, known.shown if known else [])
    if known is not None and known.version == version:
        return replace(known, stock=stock)
    ref = _compute_page(session, f, version, cache)
    cache.put(page_key, ref)
    return replace(ref, stock=stock_levels(session, ref.shown))


# What a card or an API list item shows; anything else raises instead of lazy-loading.
CARD_COLUMNS = (
    Product.id, Product.sku, Product.slug, Product.name, Product.kind, Product.price_amount,
    Product.currency, Product.stock, Product.regulatory, Product.laser_class_us,
    Product.laser_class_iec, Product.headline, Product.coverage_cm2, Product.irradiance_mw_cm2,
)


def load_products(session: Session, ids: list[int]) -> list[Product]:
    """Products by id with their bands (card columns only), in the order of ``ids``."""
    if not ids:
        return []
    stmt = (sa.select(Product).where(Product.id.in_(ids))
            .options(load_only(*CARD_COLUMNS, raiseload=True), selectinload(Product.bands)))
    found = {p.id: p for p in session.scalars(stmt)}
    return [found[i] for i in ids if i in found]


def _bands_fingerprint():
    """Per product, its bands as one string (so band edits show without a version change)."""
    b = WavelengthBand
    text = (sa.cast(b.nm, sa.String) + ":" + sa.func.coalesce(sa.cast(b.share_pct, sa.String), "")
            + ":" + sa.func.coalesce(sa.cast(b.power_w, sa.String), ""))
    return (sa.select(sa.func.aggregate_strings(text, ","))
            .where(b.product_id == Product.id).scalar_subquery())


_STOCK_STMT = (
    sa.select(Product.id, Product.stock).where(Product.id.in_(sa.bindparam("ids", expanding=True)))
)


def stock_levels(session: Session, ids: list[int]) -> dict[int, int]:
    """Current stock of the given products (read live: checkout changes it constantly)."""
    if not ids:
        return {}
    # A Core execution: these run on every listing request and need no ORM objects.
    return dict(session.connection().execute(_STOCK_STMT, {"ids": list(ids)}).all())


@dataclass(frozen=True)
class ProductHead:
    """What a product page needs live (price, stock) and what keys its cached parts."""

    id: int
    slug: str
    sku: str
    name: str
    price_amount: int
    currency: str
    stock: int
    regulatory: str
    updated_at: Any
    bands: str | None
    tiers: str | None

    @property
    def version(self) -> tuple:
        return (self.id, str(self.updated_at), self.bands, self.tiers)


def _tiers_fingerprint():
    t = PriceTier
    return (sa.select(sa.func.aggregate_strings(
        sa.cast(t.min_qty, sa.String) + ":" + sa.cast(t.unit_price, sa.String), ","))
        .where(t.product_id == Product.id).scalar_subquery())


def head_statement(*extra_columns, slug: Any = None) -> sa.Select:
    """The product head's statement with more columns after its own; ``slug`` is a bind
    parameter named ``slug`` unless another expression is given."""
    return (sa.select(Product.id, Product.slug, Product.sku, Product.name, Product.price_amount,
                      Product.currency, Product.stock, Product.regulatory, Product.updated_at,
                      _bands_fingerprint(), _tiers_fingerprint(), *extra_columns)
            .where(Product.slug == (sa.bindparam("slug") if slug is None else slug),
                   Product.status == Status.PUBLISHED))


_HEAD_STMT = head_statement()


def product_head(session: Session, slug: str) -> ProductHead | None:
    """A published product's live facts and content fingerprint, in one light query."""
    row = session.connection().execute(_HEAD_STMT, {"slug": slug}).first()
    return ProductHead(*row) if row else None


def list_products(session: Session, f: Filters, *, cache: CatalogCache | None = None) -> Listing:
    """One page of published products matching ``f``, with total and facet counts."""
    ref = find_page(session, f, cache=cache)
    listing = Listing(filters=f, items=load_products(session, ref.ids), total=ref.total, facets=ref.facets)
    listing.suggestions = load_products(session, ref.suggestion_ids)
    return listing


def get_published(session: Session, slug: str) -> Product | None:
    """A published product by slug, with bands and tiers loaded in the same statement (a
    product has a handful of each, so the join is small; two round trips fewer on a page
    seen for the first time)."""
    stmt = (sa.select(Product)
            .where(Product.slug == slug, Product.status == Status.PUBLISHED)
            .options(joinedload(Product.bands), joinedload(Product.tiers)))
    return session.scalars(stmt).unique().one_or_none()


def get_published_many(session: Session, slugs: list[str]) -> list[Product]:
    """Published products by slug, in the order asked for (unknown slugs are left out)."""
    if not slugs:
        return []
    stmt = (sa.select(Product)
            .where(Product.slug.in_(slugs), Product.status == Status.PUBLISHED)
            .options(selectinload(Product.bands), selectinload(Product.tiers)))
    found = {p.slug: p for p in session.scalars(stmt)}
    return [found[s] for s in slugs if s in found]


def published_slugs(session: Session) -> list[tuple[str, Any]]:
    """``(slug, updated_at)`` of every published product, for the sitemap."""
    stmt = (sa.select(Product.slug, Product.updated_at)
            .where(Product.status == Status.PUBLISHED).order_by(Product.id))
    return [tuple(r) for r in session.execute(stmt)]
