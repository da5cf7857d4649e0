"""Guide pages: /guides (list with tags), /guides/<slug> (article), /guides/feed.xml (Atom)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from markupsafe import Markup

from storefront.catalog.display import availability
from storefront.catalog.models import Regulatory, Status
from storefront.compliance import laser_class
from storefront.extensions import db
from storefront.guides import rendering
from storefront.guides import services as guides

bp = Blueprint("guides", __name__, url_prefix="/guides")

PER_PAGE = 20


def regulatory_notice(p) -> str:
    """The short regulatory line a product card carries, from the product's own facts."""
    if p.regulatory == Regulatory.RX_ONLY:
        label = laser_class.label(p.laser_class_us, p.laser_class_iec) if p.is_laser else ""
        return ("Rx only: a prescription device sold to licensed practitioners through a quote."
                + (f" {label}." if label else ""))
    if p.regulatory == Regulatory.OTC_CLEARED:
        return (f"FDA-cleared ({p.k_number}) for: {p.indications.strip()}" if p.indications
                else f"FDA-cleared ({p.k_number}).")
    return ("A general-wellness device: not intended to diagnose, treat, cure or prevent "
            "any disease.")


def article_jsonld(g, url: str) -> dict:
    """schema.org ``Article`` for a guide page."""
    return {
        "@context": "https://schema.org", "@type": "Article", "headline": g.title,
        "description": g.summary, "url": url, "mainEntityOfPage": url,
        "author": {"@type": "Person", "name": g.author},
        "reviewedBy": {"@type": "Person", "name": g.reviewer_name,
                       "jobTitle": g.reviewer_credentials},
        "lastReviewed": g.reviewed_on.isoformat(),
        "datePublished": (g.published_at or g.created_at).isoformat(),
        "dateModified": g.updated_at.isoformat(),
        "keywords": ", ".join(g.tags or []),
        "citation": [{"@type": "CreativeWork", "name": r["title"], "datePublished": str(r["year"]),
                      "url": r.get("url") or f"https://doi.org/{r['doi']}"}
                     for r in g.references or []],
    }


@bp.get("")
def index():
    """Published guides, newest first, with their tags; ``?tag=`` filters."""
    tag = request.args.get("tag", "")[:40]
    page = request.args.get("page", "1")
    page = max(int(page), 1) if page.isdigit() else 1
    items, total = guides.list_published(db.session, tag=tag, page=page, per_page=PER_PAGE)
    return render_template("guides/index.html", items=items, total=total, tag=tag, page=page,
                           per_page=PER_PAGE, tags=guides.all_tags(db.session),
                           minutes={g.id: rendering.render(g.body_md).reading_minutes
                                    for g in items})


@bp.get("/feed.xml")
def feed():
    """The newest published guides as an Atom feed."""
    items, _ = guides.list_published(db.session, per_page=50)
    xml = render_template("guides/feed.xml", items=items,
                          updated=max((g.updated_at for g in items), default=None))
    return Response(xml, mimetype="application/atom+xml")


@bp.get("/<slug>")
def article(slug: str):
    """One guide: contents, reading time, reviewer, references, live product cards, related."""
    g = guides.get_published(db.session, slug)
    rendered = rendering.render(g.body_md)
    products = {link.product.slug: link.product for link in g.links}
    cards = {}
    for s, p in products.items():
        if p.status != Status.PUBLISHED:
            continue  # withdrawn since the guide was saved: no card, never a broken one
        code, label = availability(p.stock)
        cards[s] = {"p": p, "stock_code": code, "stock_label": label,
                    "notice": regulatory_notice(p), "rx_only": p.regulatory == Regulatory.RX_ONLY,
                    "laser_label": laser_class.label(p.laser_class_us, p.laser_class_iec)
                    if p.is_laser else ""}
    blocks = [(Markup(b.html), cards.get(b.product) if b.product else None,
               Markup(b.caption_html)) for b in rendered.blocks]
    canonical = url_for("guides.article", slug=g.slug, _external=True)
    related_products = [cards[link.product.slug] for link in g.links
                        if link.related and not link.card and link.product.slug in cards]
    return render_template(
        "guides/article.html", g=g, blocks=blocks, toc=rendered.toc,
        minutes=rendered.reading_minutes, canonical=canonical,
        jsonld=article_jsonld(g, canonical), related=guides.related(db.session, g),
        related_products=related_products,
        meta_description=rendering.plain_summary(g.summary))
