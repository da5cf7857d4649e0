"""Search-engine plumbing: sitemap.xml, robots.txt and schema.org Product JSON-LD."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

from storefront.catalog.display import availability
from storefront.catalog.filters import KIND_LABELS
from storefront.catalog.models import Product, Regulatory
from storefront.catalog.queries import published_slugs
from storefront.extensions import db
from storefront.guides.services import published_slugs as published_guides
from storefront.money import decimal_amount

bp = Blueprint("seo", __name__)

_SCHEMA_AVAILABILITY = {
    "in_stock": "https://schema.org/InStock",
    "low_stock": "https://schema.org/LimitedAvailability",
    "out_of_stock": "https://schema.org/OutOfStock",
}


def product_jsonld(p: Product, url: str) -> dict:
    """schema.org ``Product`` for a product page; prescription devices carry no online offer."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": p.name,
        "sku": p.sku,
        "url": url,
        "description": p.summary or p.headline,
        "category": KIND_LABELS.get(p.kind, str(p.kind)),
        "additionalProperty": [
            {"@type": "PropertyValue", "name": "Wavelength", "value": b.nm, "unitText": "nm"}
            for b in p.bands
        ],
    }
    if p.irradiance_mw_cm2 is not None:
        prop = {"@type": "PropertyValue", "name": "Irradiance", "value": p.irradiance_mw_cm2,
                "unitText": "mW/cm²"}
        if p.irradiance_distance_cm is not None:
            prop["description"] = f"measured at {p.irradiance_distance_cm:g} cm"
        data["additionalProperty"].append(prop)
    if p.regulatory != Regulatory.RX_ONLY:
        code, _ = availability(p.stock)
        data["offers"] = {
            "@type": "Offer",
            "price": decimal_amount(p.price_amount, p.currency),
            "priceCurrency": p.currency,
            "availability": _SCHEMA_AVAILABILITY[code],
            "url": url,
        }
    return data


@bp.get("/sitemap.xml")
def sitemap():
    """The catalogue, every published product page and guide, as a sitemaps.org urlset."""
    urls = [(url_for("catalog.index", _external=True), None)]
    for slug, updated in published_slugs(db.session):
        urls.append((url_for("catalog.product", slug=slug, _external=True),
                     updated.date().isoformat() if updated else None))
    urls.append((url_for("guides.index", _external=True), None))
    for slug, updated in published_guides(db.session):
        urls.append((url_for("guides.article", slug=slug, _external=True),
                     updated.date().isoformat() if updated else None))
    xml = render_template("catalog/sitemap.xml", urls=urls)
    return Response(xml, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    """Let crawlers see the catalogue, not carts, checkout, staff pages or the API."""
    lines = [
        "User-agent: *",
        "Disallow: /cart",
        "Disallow: /checkout",
        "Disallow: /orders/",
        "Disallow: /staff/",
        "Disallow: /api/",
        "Disallow: /compare",
        "Allow: /",
        f"Sitemap: {url_for('seo.sitemap', _external=True)}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")
