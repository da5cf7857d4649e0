"""``/api/v1/guides``: published guides as JSON (list with tags, one with body and cards)."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate

from storefront.catalog.display import availability
from storefront.catalog.models import Status
from storefront.extensions import db
from storefront.guides import rendering
from storefront.guides import services as guides
from storefront.money import format_money

blp = Blueprint("guides_api", __name__, url_prefix="/api/v1/guides",
                description="Published guides: reviewed articles with references and product cards.")

F = ma.fields


class GuideQuerySchema(ma.Schema):
    tag = F.String(load_default="", validate=validate.Length(max=40))
    page = F.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = F.Integer(load_default=20, validate=validate.Range(1, 100))


class ReviewerOutSchema(ma.Schema):
    name = F.String(required=True)
    credentials = F.String(required=True)
    reviewed_on = F.Date(required=True)


class ReferenceOutSchema(ma.Schema):
    number = F.Integer(required=True)
    title = F.String(required=True)
    year = F.Integer(required=True)
    authors = F.String()
    journal = F.String()
    doi = F.String()
    url = F.String(required=True, metadata={"description": "The DOI link when a DOI is known."})


class GuideSummarySchema(ma.Schema):
    slug = F.String(required=True)
    title = F.String(required=True)
    summary = F.String(required=True)
    author = F.String(required=True)
    reviewer = F.Nested(ReviewerOutSchema, required=True)
    tags = F.List(F.String(), required=True)
    reading_minutes = F.Integer(required=True)
    published_at = F.DateTime(allow_none=True)
    updated_at = F.DateTime(required=True)
    url = F.String(required=True)


class GuideListSchema(ma.Schema):
    items = F.List(F.Nested(GuideSummarySchema), required=True)
    total = F.Integer(required=True)
    page = F.Integer(required=True)
    per_page = F.Integer(required=True)
    tags = F.List(F.Dict(), required=True, metadata={"description": "[{tag, count}] of all published guides."})


class GuideProductSchema(ma.Schema):
    slug = F.String(required=True)
    sku = F.String(required=True)
    name = F.String(required=True)
    card = F.Boolean(required=True, metadata={"description": "Embedded in the body by shortcode."})
    regulatory = F.String(required=True)
    price = F.Dict(allow_none=True, metadata={"description": "{amount, currency, display}; null for Rx-only."})
    availability = F.String(required=True)
    url = F.String(required=True)


class HeadingSchema(ma.Schema):
    level = F.Integer(required=True)
    id = F.String(required=True)
    text = F.String(required=True)


class GuideDetailSchema(GuideSummarySchema):
    body_md = F.String(required=True)
    body_html = F.String(required=True, metadata={"description": "Sanitised HTML; product cards "
                                                  "appear as <div data-product-card=slug>."})
    toc = F.List(F.Nested(HeadingSchema), required=True)
    references = F.List(F.Nested(ReferenceOutSchema), required=True)
    products = F.List(F.Nested(GuideProductSchema), required=True)
    related = F.List(F.Nested(GuideSummarySchema), required=True)


def _summary(g, minutes: int | None = None) -> dict:
    return {
        "slug": g.slug, "title": g.title, "summary": g.summary, "author": g.author,
        "reviewer": {"name": g.reviewer_name, "credentials": g.reviewer_credentials,
                     "reviewed_on": g.reviewed_on},
        "tags": list(g.tags or []),
        "reading_minutes": minutes if minutes is not None
        else rendering.render(g.body_md).reading_minutes,
        "published_at": g.published_at, "updated_at": g.updated_at,
        "url": url_for("guides.article", slug=g.slug, _external=True),
    }


@blp.route("")
class GuideList(MethodView):
    @blp.arguments(GuideQuerySchema, location="query")
    @blp.response(200, GuideListSchema)
    def get(self, args):
        """List published guides, newest first (``tag`` filters)."""
        items, total = guides.list_published(db.session, tag=args["tag"], page=args["page"],
                                             per_page=args["per_page"])
        return {"items": [_summary(g) for g in items], "total": total, "page": args["page"],
                "per_page": args["per_page"],
                "tags": [{"tag": t, "count": n} for t, n in guides.all_tags(db.session)]}


@blp.route("/<slug>")
class GuideDetail(MethodView):
    @blp.response(200, GuideDetailSchema)
    @blp.alt_response(404, schema="Error", description="No published guide has this slug")
    def get(self, slug: str):
        """One published guide with body, contents, references and live product facts."""
        g = guides.get_published(db.session, slug)
        rendered = rendering.render(g.body_md)
        html = "".join(b.html if b.product is None else
                       f'<div data-product-card="{b.product}">{b.caption_html}</div>'
                       for b in rendered.blocks)
        products = []
        for link in g.links:
            p = link.product
            if p.status != Status.PUBLISHED:
                continue
            rx = str(p.regulatory) == "rx_only"
            products.append({
                "slug": p.slug, "sku": p.sku, "name": p.name, "card": link.card,
                "regulatory": str(p.regulatory),
                "price": None if rx else {"amount": p.price_amount, "currency": p.currency,
                                          "display": format_money(p.price_amount, p.currency)},
                "availability": availability(p.stock)[0],
                "url": url_for("catalog.product", slug=p.slug, _external=True)})
        refs = [{"number": i, **r, "url": r.get("url") or f"https://doi.org/{r['doi']}"}
                for i, r in enumerate(g.references or [], start=1)]
        return {**_summary(g, rendered.reading_minutes), "body_md": g.body_md, "body_html": html,
                "toc": [{"level": h.level, "id": h.id, "text": h.text} for h in rendered.toc],
                "references": refs, "products": products,
                "related": [_summary(r) for r in guides.related(db.session, g)]}
