"""What a guide page shows: rendered blocks with live product cards, JSON-LD, related guides.

Shared by the public page and the staff preview; the adapters add URLs and render.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from storefront.catalog.display import availability
from storefront.catalog.models import Product, Regulatory, Status
from storefront.compliance import laser_class
from storefront.guides import rendering
from storefront.guides import services as guides
from storefront.guides.models import Guide


def regulatory_notice(p: Product) -> str:
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


def card(p: Product) -> dict[str, Any]:
    """A product card's live facts: price, stock, regulatory notice, laser label."""
    code, label = availability(p.stock)
    return {"p": p, "stock_code": code, "stock_label": label, "notice": regulatory_notice(p),
            "rx_only": p.regulatory == Regulatory.RX_ONLY,
            "laser_label": laser_class.label(p.laser_class_us, p.laser_class_iec)
            if p.is_laser else ""}


def article_jsonld(g: Guide, url: str) -> dict:
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


def article_context(session: Session, g: Guide, canonical: str) -> dict[str, Any]:
    """Everything ``guides/article.html`` needs for one guide."""
    rendered = rendering.render(g.body_md)
    # Only products still published get a card: a withdrawn one leaves no broken card.
    cards = {link.product.slug: card(link.product) for link in g.links
             if link.product.status == Status.PUBLISHED}
    blocks = [(Markup(b.html), cards.get(b.product) if b.product else None,
               Markup(b.caption_html)) for b in rendered.blocks]
    related_products = [cards[link.product.slug] for link in g.links
                        if link.related and not link.card and link.product.slug in cards]
    return {"g": g, "blocks": blocks, "toc": rendered.toc, "minutes": rendered.reading_minutes,
            "canonical": canonical, "jsonld": article_jsonld(g, canonical),
            "related": guides.related(session, g), "related_products": related_products,
            "meta_description": rendering.plain_summary(g.summary)}
