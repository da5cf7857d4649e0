"""Catalogue, product and comparison pages."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template, request, url_for
from markupsafe import Markup
from marshmallow import ValidationError
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from storefront.cart.service import MAX_QUANTITY as MAX_CART_QUANTITY
from storefront.catalog.cache import catalog_cache, fragment_cache
from storefront.catalog.display import availability, render_markdown
from storefront.catalog.dose import product_dose_table
from storefront.catalog.filters import (
    COVERAGE_BUCKETS,
    KIND_LABELS,
    SORTS,
    CatalogueFormQuerySchema,
    Filters,
)
from storefront.catalog.gate import precautions_for
from storefront.catalog.models import Product, Regulatory
from storefront.catalog.queries import (
    CatalogCache,
    Listing,
    find_page,
    get_published,
    get_published_many,
    load_products,
    product_head,
)
from storefront.compliance import laser_class
from storefront.errors import NotFound
from storefront.extensions import db
from storefront.guides.services import featuring
from storefront.web import page_cache, shared_page_ok
from storefront.web.charts import band_description, wavelength_chart
from storefront.web.seo import product_jsonld
from storefront.web.specs import SPEC_LABELS, num, spec_rows

bp = Blueprint("catalog", __name__)

MAX_COMPARE = 3
_query_schema = CatalogueFormQuerySchema()


def parse_query(args: MultiDict) -> tuple[Filters, dict]:
    """Load catalogue query args; invalid ones are dropped and reported, never fatal."""
    errors: dict = {}
    data = args
    for _ in range(len(_query_schema.fields) + 1):
        try:
            loaded = _query_schema.load(MultiDictProxy(data, _query_schema))
            return Filters.from_args(loaded), errors
        except ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
            errors.update(messages)
            data = MultiDict([(k, v) for k, v in data.items(multi=True) if k not in messages])
            if "_schema" in messages:
                break
    return Filters(), errors


_parsed = CatalogCache(ttl=float("inf"), size=2048)


def parse_request_query() -> tuple[Filters, dict]:
    """``parse_query`` of this request, remembered by query string (a pure function of it)."""
    raw = request.query_string
    hit = _parsed.get(raw)
    if hit is None:
        hit = parse_query(request.args)
        _parsed.put(raw, hit)
    return hit


def error_lines(errors: dict) -> list[str]:
    """Field errors as ``field: message`` lines for a page."""
    lines = []
    for name, messages in errors.items():
        if isinstance(messages, dict):
            messages = [m for msgs in messages.values() for m in (msgs if isinstance(msgs, list) else [msgs])]
        for m in messages if isinstance(messages, list) else [messages]:
            lines.append(f"{name}: {m}")
    return lines


class Links:
    """URLs for a catalogue state: facet toggles, pages, sort (all bookmarkable)."""

    def __init__(self, filters: Filters):
        self.f = filters
        self.base = url_for("catalog.index")

    def url(self, **changes) -> str:
        pairs = self.f.to_query(**changes)
        return self.base + ("?" + urlencode(pairs) if pairs else "")

    @staticmethod
    def _toggle(values: tuple, value) -> tuple:
        return tuple(sorted(set(values) ^ {value}))

    def toggle(self, facet: str, value) -> str:
        f = self.f
        if facet == "kind":
            return self.url(kinds=self._toggle(f.kinds, value), page=1)
        if facet == "wavelength":
            return self.url(wavelengths=self._toggle(f.wavelengths, int(value)), page=1)
        if facet == "coverage":
            keys = set(f.coverage) ^ {value}
            return self.url(coverage=tuple(k for k in COVERAGE_BUCKETS if k in keys), page=1)
        if facet == "laser_class":
            keys = set(f.laser_classes) ^ {value}
            return self.url(laser_classes=tuple(c for c in laser_class.US_CLASSES if c in keys), page=1)
        if facet == "price":
            lo, hi = value
            if (f.min_price, f.max_price) == (lo, hi):
                return self.url(min_price=None, max_price=None, page=1)
            return self.url(min_price=lo, max_price=hi, page=1)
        raise ValueError(facet)

    def page(self, n: int) -> str:
        return self.url(page=n)

    def clear(self) -> str:
        return self.url(kinds=(), wavelengths=(), min_price=None, max_price=None, coverage=(),
                        laser_classes=(), page=1)

    def without_search(self) -> str:
        return self.url(q="", page=1, sort="" if self.f.sort == "relevance" else self.f.sort)


def _index():
    filters, errors = parse_request_query()
    session = db.session
    ref = find_page(session, filters, cache=catalog_cache(current_app))
    fragments = fragment_cache(current_app)
    # The version covers every product edit; stock moves without one, so it joins the key.
    key = ("catalogue", ref.version, filters, tuple(availability(ref.stock.get(i, 0)) for i in ref.shown))
    status = 422 if errors else (404 if ref.past_end else 200)
    # Visitors with no cart, messages or login all see the same page for a URL.
    # The origin joins the key too: with SITE_URL it is fixed; without it (development) a
    # forged Host header must not plant links to another host in other visitors' pages.
    page_key = ("catalogue-page", key, request.host_url, request.full_path)
    anonymous = fragments is not None and shared_page_ok()
    if anonymous and status == 200 and ref.version is not None:
        # Read before rendering: the shared page cache keeps this page while it holds.
        page_cache.opt_in(request.environ, "catalogue",
                          page_cache.listing_validator(ref.version, ref.stock, ref.shown, availability),
                          ref.shown, query=urlencode(filters.to_query()))
    if anonymous:
        page = fragments.get(page_key)
        if page is not None:
            return page, status
    html = fragments.get(key) if fragments is not None else None
    links = Links(filters)
    if html is None:
        listing = Listing(filters=filters, items=load_products(session, ref.ids), total=ref.total,
                          facets=ref.facets, suggestions=load_products(session, ref.suggestion_ids))
        html = Markup(render_template(
            "catalog/_listing.html", listing=listing, links=links, sorts=SORTS,
            kind_labels=KIND_LABELS, past_end=ref.past_end))
        if fragments is not None:
            fragments.put(key, html)
    query = filters.to_query()
    page = render_template(
        "catalog/index.html", listing=ref, filters=filters, links=links, errors=error_lines(errors),
        past_end=ref.past_end, listing_html=html,
        canonical=url_for("catalog.index", _external=True) + ("?" + urlencode(query) if query else ""),
    )
    if anonymous and shared_page_ok():
        fragments.put(page_key, page)
    return page, status


@bp.get("/products")
def index():
    """Catalogue page: facets with counts, sorting, pagination and search."""
    return _index()


@bp.get("/")
def home():
    """The storefront's front page is the catalogue."""
    return _index()


def laser_notice(p: Product) -> dict | None:
    """The laser class label and hazard advice, for lasers only."""
    if not (p.is_laser or p.laser_class_us or p.laser_class_iec):
        return None
    return {"label": laser_class.label(p.laser_class_us, p.laser_class_iec),
            "advice": laser_class.advice(p.laser_class_us)}


def meta_description(p: Product, limit: int = 155) -> str:
    """The compliant summary (or headline), cut at a word boundary for search snippets."""
    text = " ".join((p.summary or p.headline or p.name).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def product_view_model(p: Product, chart_id: str = "wl") -> dict:
    """Everything a product page (or a comparison column) shows about one product."""
    return {
        "product": p,
        "kind_label": KIND_LABELS.get(p.kind, str(p.kind)),
        "laser": laser_notice(p),
        "specs": spec_rows(p),
        "chart": wavelength_chart(p.bands, laser=p.is_laser, chart_id=chart_id),
        "bands_text": band_description(p.bands),
        "dose": product_dose_table(p),
        "body_html": render_markdown(p.body_md),
        "rx_only": p.regulatory == Regulatory.RX_ONLY,
    }


PRODUCT_PARTS = ("head", "top", "chart", "rest")


def product_parts(p: Product) -> dict[str, Markup | str]:
    """The product page minus its live buy box, rendered once per product version."""
    canonical = url_for("catalog.product", slug=p.slug, _external=True)
    ctx = {**product_view_model(p), "precautions": precautions_for(p), "canonical": canonical,
           "meta_description": meta_description(p), "jsonld": product_jsonld(p, canonical), "num": num}
    parts: dict[str, Markup | str] = {
        name: Markup(render_template(f"catalog/_product_{name}.html", **ctx)) for name in PRODUCT_PARTS}
    parts["title"] = p.name
    parts["meta_description"] = ctx["meta_description"]
    return parts


@bp.get("/products/<slug>")
def product(slug: str):
    """Product page: specs, chart, dose table, copy, precautions, OEM options, add to cart."""
    session = db.session
    shared = shared_page_ok()
    # Read first, so a change made while the page renders makes the stored page look stale.
    validator = (page_cache.product_validator(session, slug)
                 if shared and page_cache.listening(request.environ) else None)
    head = product_head(session, slug)
    if head is None:
        raise NotFound("We could not find that product; it may have been withdrawn.")
    fragments = fragment_cache(current_app)
    # The key covers every column (updated_at), the bands and the tiers, so parts are exact;
    # price and stock are shown from ``head``, read live on every request.
    key = ("product", head.version, request.host_url)
    parts = fragments.get(key) if fragments is not None else None
    if parts is None:
        p = get_published(session, slug)
        if p is None:  # withdrawn between the two reads
            raise NotFound("We could not find that product; it may have been withdrawn.")
        parts = product_parts(p)
        # Guides featuring the product ride with the cached parts: a guide published or
        # withdrawn shows here within the cache's TTL (CATALOG_CACHE_SECONDS).
        parts["guides"] = tuple(featuring(session, p.id))
        if fragments is not None:
            fragments.put(key, parts)
    context = {"parts": parts, "p": head, "rx_only": head.regulatory == Regulatory.RX_ONLY,
               "max_quantity": min(head.stock, MAX_CART_QUANTITY), "guides": parts["guides"]}
    if not shared:
        return render_template("catalog/product.html", **context)
    # Visitors with no cart, messages or login see the same page: its add-to-cart form
    # carries no token; static/cart_form.js asks /cart/token for the visitor's own on
    # submit (without JavaScript, web/cart.py lets a first visit's add through and asks
    # anyone else to confirm).
    if validator is not None:
        page_cache.opt_in(request.environ, "product", validator)
    page_key = ("product-page", head.version, head.price_amount, head.stock, request.host_url)
    page = fragments.get(page_key) if fragments is not None else None
    if page is None:
        page = render_template("catalog/product.html", shared=True, **context)
        if fragments is not None:
            fragments.put(page_key, page)
    return page


@bp.get("/compare")
def compare():
    """Side-by-side comparison of up to three products (``?p=slug&p=slug``)."""
    slugs = list(dict.fromkeys(s.strip() for s in request.args.getlist("p") if s.strip()))
    errors: list[str] = []
    if len(slugs) > MAX_COMPARE:
        errors.append(f"You can compare up to {MAX_COMPARE} products; showing the first {MAX_COMPARE}.")
        slugs = slugs[:MAX_COMPARE]
    products = get_published_many(db.session, slugs)
    found = {p.slug for p in products}
    missing = [s for s in slugs if s not in found]
    if missing:
        errors.append("Not found: " + ", ".join(missing) + ".")
    columns = [product_view_model(p, chart_id=f"wl{i}") for i, p in enumerate(products)]
    present = {label for col in columns for label, _ in col["specs"]}
    labels = [label for label in SPEC_LABELS if label in present]
    for col in columns:
        col["spec_map"] = dict(col["specs"])
        col["remove_url"] = url_for("catalog.compare", p=[s for s in slugs if s != col["product"].slug])
    html = render_template("catalog/compare.html", columns=columns, labels=labels, errors=errors,
                           max_compare=MAX_COMPARE)
    return html, 422 if errors else 200
