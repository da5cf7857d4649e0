"""``/api/v1/products``: the catalogue as JSON, with the same filters as the pages."""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser

from storefront.catalog.cache import CatalogCache, catalog_cache, fragment_cache
from storefront.catalog.display import availability, render_markdown
from storefront.catalog.dose import product_dose_table
from storefront.catalog.filters import Filters, ProductQuerySchema
from storefront.catalog.gate import precautions_for
from storefront.catalog.models import Product, Regulatory
from storefront.catalog.queries import (
    find_page,
    get_published,
    load_products,
    product_head,
)
from storefront.catalog.records import product_to_record
from storefront.compliance import laser_class
from storefront.errors import NotFound
from storefront.extensions import db
from storefront.media.service import image_refs, images_for, images_of
from storefront.money import format_money


class _QueryMemoParser(FlaskParser):
    """Query arguments are a pure function of the query string: parse each distinct one once."""

    def __init__(self) -> None:
        super().__init__()
        self._memo = CatalogCache(ttl=float("inf"), size=2048)

    def parse(self, argmap, req=None, **kwargs):
        if kwargs.get("location") != "query":
            return super().parse(argmap, req, **kwargs)
        key = (id(argmap), request.query_string)
        parsed = self._memo.get(key)
        if parsed is None:  # invalid input raises (422) and is never remembered
            parsed = super().parse(argmap, req, **kwargs)
            self._memo.put(key, parsed)
        return dict(parsed)


class _Blueprint(Blueprint):
    ARGUMENTS_PARSER = _QueryMemoParser()


blp = _Blueprint("products", __name__, url_prefix="/api/v1/products",
                 description="Published products: filters, facets, full-text search, details.")

F = ma.fields


def _nullable(field_cls, *args, **kwargs):
    return field_cls(*args, allow_none=True, **kwargs)


class MoneySchema(ma.Schema):
    amount = F.Integer(required=True, metadata={"description": "Minor units (cents)."})
    currency = F.String(required=True, metadata={"description": "ISO 4217 code."})
    display = F.String(required=True)


class LaserClassSchema(ma.Schema):
    us = _nullable(F.String)
    iec = _nullable(F.String)
    label = F.String(required=True)


class ImageSchema(ma.Schema):
    url = F.String(required=True, metadata={"description": "Full-size JPEG."})
    alt = F.String(required=True)
    width = F.Integer(required=True)
    height = F.Integer(required=True)


class ProductSummarySchema(ma.Schema):
    sku = F.String(required=True)
    slug = F.String(required=True)
    name = F.String(required=True)
    kind = F.String(required=True, validate=ma.validate.OneOf(["belt", "handheld", "panel", "laser"]))
    headline = F.String(required=True)
    price = F.Nested(MoneySchema, required=True)
    availability = F.String(required=True, validate=ma.validate.OneOf(["in_stock", "low_stock", "out_of_stock"]))
    stock = F.Integer(required=True)
    regulatory = F.String(required=True, validate=ma.validate.OneOf(["wellness", "otc_cleared", "rx_only"]))
    rx_only = F.Boolean(required=True, metadata={
        "description": "Prescription device: sold through the quote / practitioner route, not the cart."})
    wavelengths_nm = F.List(F.Integer(), required=True)
    laser_class = F.Nested(LaserClassSchema, allow_none=True, required=True)
    coverage_cm2 = _nullable(F.Float, required=True)
    irradiance_mw_cm2 = _nullable(F.Float, required=True)
    url = F.String(required=True, metadata={"description": "Product page path."})
    api_url = F.String(required=True)
    images = F.List(F.Nested(ImageSchema), required=True,
                    metadata={"description": "Pictures, primary first."})


class FacetValueSchema(ma.Schema):
    value = F.String(required=True)
    label = F.String(required=True)
    count = F.Integer(required=True)
    selected = F.Boolean(required=True)
    nm = F.Integer(metadata={"description": "Wavelength facet: the band centre in nm."})
    min = _nullable(F.Integer, metadata={"description": "Price facet: minimum (minor units)."})
    max = _nullable(F.Integer, metadata={"description": "Price facet: maximum (minor units)."})
    iec = F.String(metadata={"description": "Laser class facet: the IEC 60825-1 class."})


class FacetSchema(ma.Schema):
    name = F.String(required=True)
    label = F.String(required=True)
    values = F.List(F.Nested(FacetValueSchema), required=True)


class ProductListSchema(ma.Schema):
    items = F.List(F.Nested(ProductSummarySchema), required=True)
    total = F.Integer(required=True)
    page = F.Integer(required=True)
    per_page = F.Integer(required=True)
    pages = F.Integer(required=True)
    facets = F.List(F.Nested(FacetSchema), required=True)


class BandSchema(ma.Schema):
    nm = F.Integer(required=True)
    share_pct = _nullable(F.Float, required=True)
    power_w = _nullable(F.Float, required=True)


class CopySchema(ma.Schema):
    headline = F.String(required=True)
    summary = F.String(required=True)
    body_markdown = F.String(required=True)
    body_html = F.String(required=True, metadata={"description": "Rendered and sanitised."})


class RegulatoryInfoSchema(ma.Schema):
    status = F.String(required=True)
    k_number = _nullable(F.String, required=True)
    product_code = _nullable(F.String, required=True)
    indications = _nullable(F.String, required=True)


class DoseRowSchema(ma.Schema):
    minutes = F.Integer(required=True)
    seconds = F.Integer(required=True)
    fluence_j_cm2 = F.Float(required=True)


class DoseSchema(ma.Schema):
    irradiance_mw_cm2 = F.Float(required=True)
    distance_cm = _nullable(F.Float, required=True)
    method = _nullable(F.String, required=True)
    rows = F.List(F.Nested(DoseRowSchema), required=True)


class TierSchema(ma.Schema):
    min_qty = F.Integer(required=True)
    unit_price = F.Integer(required=True)


class OemSchema(ma.Schema):
    private_label = F.Boolean(required=True)
    custom_wavelengths = F.Boolean(required=True)
    packaging = F.List(F.String(), required=True)
    moq = _nullable(F.Integer, required=True)
    lead_time_days = _nullable(F.Integer, required=True)
    sample_price = _nullable(F.Integer, required=True)
    tiers = F.List(F.Nested(TierSchema), required=True)
    quote_url = F.String(required=True)


class PurchaseSchema(ma.Schema):
    method = F.String(required=True, validate=ma.validate.OneOf(["cart", "quote"]))
    cart_url = _nullable(F.String, required=True)
    quote_url = F.String(required=True)


class PrecautionLineSchema(ma.Schema):
    id = F.String(required=True)
    text = F.String(required=True)
    mandatory = F.Boolean(required=True, metadata={"description": "False for lines staff added."})


class PrecautionSectionSchema(ma.Schema):
    id = F.String(required=True)
    title = F.String(required=True)
    lines = F.List(F.Nested(PrecautionLineSchema), required=True)


class EyewearSchema(ma.Schema):
    nm = F.Integer(required=True)
    od = _nullable(F.Integer, required=True, metadata={"description": "Minimum optical density."})


class PrecautionsSchema(ma.Schema):
    sku = F.String(required=True)
    sections = F.List(F.Nested(PrecautionSectionSchema), required=True)
    eyewear = F.List(F.Nested(EyewearSchema), required=True)
    nohd_m = _nullable(F.Float, required=True, metadata={"description": "Nominal ocular hazard distance."})
    laser_label = _nullable(F.String, required=True)


class ProductDetailSchema(ProductSummarySchema):
    copy = F.Nested(CopySchema, required=True)
    regulatory_info = F.Nested(RegulatoryInfoSchema, required=True)
    certifications = F.List(F.String(), required=True)
    wavelengths = F.List(F.Nested(BandSchema), required=True)
    specs = F.Dict(required=True, metadata={
        "description": "Specs as in the seed format (irradiance, laser_class, modes, timer, dimensions...)."})
    dose = F.Nested(DoseSchema, allow_none=True, required=True)
    precautions = F.Nested(PrecautionsSchema, required=True)
    oem = F.Nested(OemSchema, required=True)
    purchase = F.Nested(PurchaseSchema, required=True)


def _laser(p: Product) -> dict | None:
    if not (p.laser_class_us or p.laser_class_iec):
        return None
    return {"us": p.laser_class_us, "iec": p.laser_class_iec,
            "label": laser_class.label(p.laser_class_us, p.laser_class_iec)}


def summary(p: Product, images: list) -> dict[str, Any]:
    """The list representation of a product (``images``: its ProductImage rows, primary first)."""
    return {
        "sku": p.sku,
        "slug": p.slug,
        "name": p.name,
        "kind": p.kind.value,
        "headline": p.headline,
        "price": {"amount": p.price_amount, "currency": p.currency,
                  "display": format_money(p.price_amount, p.currency)},
        "availability": availability(p.stock)[0],
        "stock": p.stock,
        "regulatory": p.regulatory.value,
        "rx_only": p.regulatory == Regulatory.RX_ONLY,
        "wavelengths_nm": [b.nm for b in p.bands],
        "laser_class": _laser(p),
        "coverage_cm2": p.coverage_cm2,
        "irradiance_mw_cm2": p.irradiance_mw_cm2,
        "url": url_for("catalog.product", slug=p.slug),
        "api_url": url_for("products.ProductDetail", slug=p.slug),
        "images": image_refs(images),
    }


def detail(p: Product) -> dict[str, Any]:
    """The full representation: specs, copy, precautions, dose, OEM options."""
    rec = product_to_record(p)
    dose = product_dose_table(p)
    quote_url = f"/oem/quote?sku={p.sku}"
    rx = p.regulatory == Regulatory.RX_ONLY
    return {
        **summary(p, images_of(db.session, p.id)),
        "copy": {"headline": p.headline, "summary": p.summary, "body_markdown": p.body_md,
                 "body_html": render_markdown(p.body_md)},
        "regulatory_info": rec["regulatory"],
        "certifications": rec["certifications"],
        "wavelengths": rec["wavelengths"],
        "specs": rec["specs"],
        "dose": dose.to_dict() if dose else None,
        "precautions": precautions_for(p).to_dict(),
        "oem": {**rec["oem"], "quote_url": quote_url},
        "purchase": {"method": "quote" if rx else "cart", "cart_url": None if rx else "/cart/items",
                     "quote_url": quote_url},
    }


@blp.route("")
class ProductList(MethodView):
    @blp.arguments(ProductQuerySchema, location="query")
    @blp.response(200, ProductListSchema)
    def get(self, args):
        """List published products: filters combine, facets count, pages carry the total."""
        filters = Filters.from_args(args)
        session = db.session
        ref = find_page(session, filters, cache=catalog_cache(current_app))
        fragments = fragment_cache(current_app)
        # The version covers every product edit; stock moves without one, so it joins the key.
        key = ("api-list", ref.version, filters, tuple(ref.stock.get(i, 0) for i in ref.ids))
        body = fragments.get(key) if fragments is not None else None
        if body is None:
            pictures = images_for(session, ref.ids)  # one query for the page
            data = {
                "items": [summary(p, pictures[p.id]) for p in load_products(session, ref.ids)],
                "total": ref.total,
                "page": ref.page,
                "per_page": filters.per_page,
                "pages": ref.pages,
                "facets": [f.to_dict() for f in ref.facets],
            }
            body = json.dumps(ProductListSchema().dump(data), separators=(",", ":"))
            if fragments is not None:
                fragments.put(key, body)
        # A ready Response passes through flask-smorest untouched (the schema still documents it).
        return current_app.response_class(body, mimetype="application/json")


@blp.route("/<slug>")
class ProductDetail(MethodView):
    @blp.response(200, ProductDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, slug: str):
        """One published product with specs, compliant copy and structured precautions."""
        session = db.session
        head = product_head(session, slug)
        if head is None:
            raise NotFound(f"No published product with slug {slug!r}.")
        fragments = fragment_cache(current_app)
        key = ("api-detail", head.version, head.stock)
        body = fragments.get(key) if fragments is not None else None
        if body is None:
            p = get_published(session, slug)
            if p is None:  # withdrawn between the two reads
                raise NotFound(f"No published product with slug {slug!r}.")
            body = json.dumps(ProductDetailSchema().dump(detail(p)), separators=(",", ":"))
            if fragments is not None:
                fragments.put(key, body)
        return current_app.response_class(body, mimetype="application/json")
