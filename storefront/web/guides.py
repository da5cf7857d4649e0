"""Guide pages: /guides (list with tags), /guides/<slug> (article), /guides/feed.xml (Atom)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for

from storefront.extensions import db
from storefront.guides import presentation, rendering
from storefront.guides import services as guides

bp = Blueprint("guides", __name__, url_prefix="/guides")

PER_PAGE = 20


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
    canonical = url_for("guides.article", slug=g.slug, _external=True)
    return render_template("guides/article.html",
                           **presentation.article_context(db.session, g, canonical))
