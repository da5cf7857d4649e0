"""Guide use: check against the article gate, save, publish, unpublish, and the queries.

Services add and flush; the caller (page, API, CLI) commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storefront.catalog.models import Product, Status
from storefront.compliance.articles import (
    ArticleReport,
    ProductScope,
    check_article,
    shortcode_slugs,
)
from storefront.db import utcnow
from storefront.errors import DomainError, NotFound, ValidationError
from storefront.guides.models import Guide, GuideProduct, GuideStatus


class GuideRefused(DomainError):
    """The article gate found blocking findings or errors; ``report`` holds them."""

    code = "compliance_blocked"
    status = 422

    def __init__(self, message: str, report: ArticleReport):
        super().__init__(message, errors=report_errors(report))
        self.report = report


def report_errors(report: ArticleReport) -> dict[str, list[str]]:
    """Blocking findings and errors keyed by path (``body[para 3]``), for error bodies."""
    errors: dict[str, list[str]] = {k: list(v) for k, v in report.errors.items()}
    for f in report.blocks:
        errors.setdefault(f.path, []).append(
            f"[{f.finding.rule}] {f.finding.message} (at {f.finding.start}-{f.finding.end})")
    return errors


def scope_of(p: Product) -> ProductScope:
    """The plain facts the article gate needs about a product."""
    return ProductScope(slug=p.slug, name=p.name, kind=str(p.kind), regulatory=str(p.regulatory),
                        k_number=p.k_number, indications=p.indications)


def published_products(session: Session, slugs: Iterable[str]) -> dict[str, Product]:
    """Published products by slug (unknown and unpublished slugs are left out)."""
    slugs = list(dict.fromkeys(slugs))
    if not slugs:
        return {}
    rows = session.scalars(select(Product).where(Product.slug.in_(slugs),
                                                 Product.status == Status.PUBLISHED))
    return {p.slug: p for p in rows}


def review(session: Session, record: dict[str, Any]) -> ArticleReport:
    """Check a record (schema-loaded) against the article gate; unknown products are errors."""
    cards = shortcode_slugs(record.get("body", ""))
    related = list(record.get("products") or [])
    found = published_products(session, cards + related)
    report = check_article(record.get("title", ""), record.get("summary", ""),
                           record.get("body", ""),
                           products=[scope_of(found[s]) for s in dict.fromkeys(cards + related)
                                     if s in found],
                           reference_count=len(record.get("references") or []))
    errors = {k: list(v) for k, v in report.errors.items()}
    for i, slug in enumerate(related):
        if slug not in found:
            errors.setdefault(f"products[{i}]", []).append(
                f"{slug}: no published product has this slug")
    return ArticleReport(report.findings, errors)


def guide_to_record(g: Guide) -> dict[str, Any]:
    """A stored guide as the record ``save`` and the seed files take (round-trip)."""
    return {
        "slug": g.slug, "title": g.title, "summary": g.summary, "body": g.body_md,
        "author": g.author,
        "reviewer": {"name": g.reviewer_name, "credentials": g.reviewer_credentials,
                     "reviewed_on": g.reviewed_on.isoformat()},
        "references": [dict(r) for r in g.references or []],
        "tags": list(g.tags or []),
        "products": [link.product.slug for link in g.links if link.related],
        "status": str(g.status),
    }


def _record_json(record: dict[str, Any]) -> dict[str, Any]:
    out = dict(record)
    rev = dict(out.get("reviewer") or {})
    if isinstance(rev.get("reviewed_on"), date):
        rev["reviewed_on"] = rev["reviewed_on"].isoformat()
    out["reviewer"] = rev
    return out


def save(session: Session, record: dict[str, Any], guide: Guide | None = None, *,
         publish: bool | None = None) -> tuple[Guide, ArticleReport]:
    """Create or update a guide from a loaded record.

    Unknown or unpublished product slugs and dangling reference markers are refused
    (ValidationError by path) whatever the status; a published guide (or ``publish``)
    must also pass the article gate (GuideRefused).
    """
    report = review(session, record)
    if report.errors:
        raise ValidationError("The guide names products or references that do not exist.",
                              errors=report.errors)
    target = record.get("status", "draft") if publish is None else (
        "published" if publish else "draft")
    if guide is not None and publish is None and guide.status == GuideStatus.PUBLISHED:
        target = "published"  # editing a live guide keeps it live, so it must pass
    if target == "published" and report.blocking:
        raise GuideRefused("The article gate blocks this guide; fix the findings listed by "
                           "path, or save it as a draft.", report)
    clash = session.scalar(select(Guide.id).where(Guide.slug == record["slug"]))
    if clash is not None and (guide is None or clash != guide.id):
        raise ValidationError("Another guide has this slug.", errors={"slug": ["already in use"]})
    if guide is None:
        guide = Guide()
        session.add(guide)
    rev = record["reviewer"]
    guide.slug = record["slug"]
    guide.title = record["title"]
    guide.summary = record["summary"]
    guide.body_md = record["body"]
    guide.author = record["author"]
    guide.reviewer_name = rev["name"]
    guide.reviewer_credentials = rev["credentials"]
    reviewed = rev["reviewed_on"]
    guide.reviewed_on = reviewed if isinstance(reviewed, date) else date.fromisoformat(reviewed)
    guide.references = [_clean_ref(r) for r in record.get("references") or []]
    guide.tags = list(record.get("tags") or [])
    _set_links(session, guide, shortcode_slugs(record["body"]), record.get("products") or [])
    if target == "published" and guide.status != GuideStatus.PUBLISHED:
        guide.status = GuideStatus.PUBLISHED
        guide.published_at = utcnow()
    elif target == "draft":
        guide.status = GuideStatus.DRAFT
    guide.updated_at = utcnow()
    session.flush()
    return guide, report


def _clean_ref(ref: dict[str, Any]) -> dict[str, Any]:
    return {k: ref[k] for k in ("title", "year", "authors", "journal", "doi", "url")
            if ref.get(k) not in (None, "")}


def _set_links(session: Session, guide: Guide, cards: list[str], related: list[str]) -> None:
    found = published_products(session, cards + related)
    wanted = list(dict.fromkeys(related + cards))  # related first, in their order
    guide.links.clear()
    session.flush()
    for pos, slug in enumerate(wanted):
        if slug in found:
            guide.links.append(GuideProduct(product=found[slug], position=pos,
                                            card=slug in cards, related=slug in related))


def publish(session: Session, guide: Guide) -> ArticleReport:
    """Publish a stored guide if the article gate lets it through."""
    report = review(session, guide_to_record(guide) | {"body": guide.body_md})
    if report.blocking:
        raise GuideRefused("The article gate blocks this guide; fix the findings listed by path.",
                           report)
    if guide.status != GuideStatus.PUBLISHED:
        guide.status = GuideStatus.PUBLISHED
        guide.published_at = utcnow()
    session.flush()
    return report


def unpublish(session: Session, guide: Guide) -> None:
    """Take a guide off the shop (a draft again)."""
    guide.status = GuideStatus.DRAFT
    session.flush()


# --- queries ---------------------------------------------------------------------------

def get(session: Session, guide_id: int) -> Guide | None:
    """A guide by id (any status)."""
    return session.get(Guide, guide_id)


def get_published(session: Session, slug: str) -> Guide:
    """A published guide by slug, with its products; NotFound otherwise."""
    g = session.scalar(select(Guide).where(Guide.slug == slug,
                                           Guide.status == GuideStatus.PUBLISHED)
                       .options(selectinload(Guide.links).selectinload(GuideProduct.product)))
    if g is None:
        raise NotFound("We could not find that guide; it may have been withdrawn.")
    return g


def list_published(session: Session, *, tag: str = "", page: int = 1,
                   per_page: int = 20) -> tuple[list[Guide], int]:
    """Published guides, newest first, optionally with one tag; returns (page, total)."""
    rows = list(session.scalars(select(Guide).where(Guide.status == GuideStatus.PUBLISHED)
                                .order_by(Guide.published_at.desc(), Guide.id.desc())))
    if tag:  # tags are a short JSON list; guides number in the tens or hundreds
        rows = [g for g in rows if tag in (g.tags or [])]
    start = (max(page, 1) - 1) * per_page
    return rows[start:start + per_page], len(rows)


def all_tags(session: Session) -> list[tuple[str, int]]:
    """Tags of published guides with their counts, most used first."""
    counts: dict[str, int] = {}
    for tags in session.scalars(select(Guide.tags).where(Guide.status == GuideStatus.PUBLISHED)):
        for t in tags or []:
            counts[t] = counts.get(t, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def related(session: Session, guide: Guide, limit: int = 3) -> list[Guide]:
    """Other published guides, by tags in common then shared products, newest first."""
    mine = set(guide.tags or [])
    products = {link.product_id for link in guide.links}
    others = session.scalars(select(Guide).where(Guide.status == GuideStatus.PUBLISHED,
                                                 Guide.id != guide.id)
                             .options(selectinload(Guide.links)))
    scored = []
    for g in others:
        score = 2 * len(mine & set(g.tags or [])) + len(products & {lk.product_id for lk in g.links})
        if score:
            scored.append((score, g.published_at or g.created_at, g))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [g for _, _, g in scored[:limit]]


def featuring(session: Session, product_id: int) -> list[tuple[str, str]]:
    """(slug, title) of published guides that feature a product, newest first."""
    rows = session.execute(
        select(Guide.slug, Guide.title).join(GuideProduct, GuideProduct.guide_id == Guide.id)
        .where(GuideProduct.product_id == product_id, Guide.status == GuideStatus.PUBLISHED)
        .order_by(Guide.published_at.desc(), Guide.id.desc()))
    return [(s, t) for s, t in rows]


def published_slugs(session: Session) -> list[tuple[str, Any]]:
    """(slug, updated_at) of every published guide, for the sitemap."""
    return list(session.execute(select(Guide.slug, Guide.updated_at)
                                .where(Guide.status == GuideStatus.PUBLISHED)
                                .order_by(Guide.id)))


def list_all(session: Session) -> list[Guide]:
    """Every guide, for staff and export."""
    return list(session.scalars(select(Guide).order_by(Guide.id)
                                .options(selectinload(Guide.links).selectinload(GuideProduct.product))))


def version(session: Session) -> tuple:
    """A cheap probe that changes whenever a guide is saved or its status changes."""
    return tuple(session.execute(select(func.count(Guide.id), func.max(Guide.updated_at))).one())
