"""Catalogue, product and comparison pages."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template, request, url_for
from marshmallow import ValidationError
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from storefront.cart.service import MAX_QUANTITY as MAX_CART_QUANTITY
from storefront.catalog.display import render_markdown
from storefront.catalog.dose import product_dose_table
from storefront.catalog.filters import (
    COVERAGE_BUCKETS,
    KIND_LABELS,
    SORTS,
    Filters,
    ProductQuerySchema,
    laser_class_label,
)
from storefront.catalog.gate import precautions_for
from storefront.catalog.models import Product, Regulatory
from storefront.catalog.queries import get_published, get_published_many, list_products
from storefront.catalog.schemas import US_LASER_CLASSES
from storefront.errors import NotFound
from storefront.extensions import db
from storefront.web import facet_cache
from storefront.web.charts import band_description, wavelength_chart
from storefront.web.seo import product_jsonld
from storefront.web.specs import SPEC_LABELS, num, spec_rows

bp = Blueprint("catalog", __name__)

MAX_COMPARE = 3
_query_schema = ProductQuerySchema()


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
            return self.url(laser_classes=tuple(c for c in US_LASER_CLASSES if c in keys), page=1)
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
    filters, errors = parse_query(request.args)
    listing = list_products(db.session, filters, cache=facet_cache(current_app))
    status = 422 if errors else 200
    past_end = listing.total > 0 and filters.page > listing.pages
    if past_end and not errors:
        status = 404
    links = Links(filters)
    html = render_template(
        "catalog/index.html", listing=listing, filters=filters, links=links, sorts=SORTS,
        kind_labels=KIND_LABELS, errors=error_lines(errors), past_end=past_end,
        canonical=url_for("catalog.index", _external=True)
        + ("?" + urlencode(filters.to_query()) if filters.to_query() else ""),
    )
    return html, status


@bp.get("/products")
def index():
    """Catalogue page: facets with counts, sorting, pagination and search."""
    return _index()


@bp.get("/")
def home():
    """The storefront's front page is the catalogue."""
    return _index()


LASER_ADVICE = {
    "IV": "Avoid eye or skin exposure to direct or scattered radiation.",
    "IIIb": "Avoid exposure to the beam.",
    "IIIa": "Avoid direct eye exposure.",
}


def laser_notice(p: Product) -> dict | None:
    """The laser class label and hazard advice, for lasers only."""
    if not (p.is_laser or p.laser_class_us or p.laser_class_iec):
        return None
    return {"label": laser_class_label(p.laser_class_us, p.laser_class_iec),
            "advice": LASER_ADVICE.get(p.laser_class_us or "", "Do not stare into the beam.")}


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


@bp.get("/products/<slug>")
def product(slug: str):
    """Product page: specs, chart, dose table, copy, precautions, OEM options, add to cart."""
    p = get_published(db.session, slug)
    if p is None:
        raise NotFound("We could not find that product; it may have been withdrawn.")
    vm = product_view_model(p)
    canonical = url_for("catalog.product", slug=p.slug, _external=True)
    return render_template(
        "catalog/product.html", **vm, precautions=precautions_for(p), canonical=canonical,
        meta_description=meta_description(p), jsonld=product_jsonld(p, canonical), num=num,
        max_quantity=min(p.stock, MAX_CART_QUANTITY),
    )


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
