"""Presentation helpers shared by the pages and the JSON API: copy and availability.

Money is formatted by ``storefront.money``.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

LOW_STOCK = 5

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "a", "hr", "table", "thead", "tbody", "tr", "th", "td", "s", "del",
}
_ALLOWED_ATTRS = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def availability(stock: int) -> tuple[str, str]:
    """A stock state code and its label (``in_stock``, ``low_stock``, ``out_of_stock``)."""
    if stock <= 0:
        return "out_of_stock", "Out of stock"
    if stock <= LOW_STOCK:
        return "low_stock", f"Only {stock} left"
    return "in_stock", "In stock"


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # Raw HTML in copy is not trusted: it is escaped by the parser, then nh3 cleans the rest.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


@lru_cache(maxsize=2048)
def render_markdown(text: str | None) -> str:
    """Product copy (Markdown) as sanitised HTML; headings start at h3 under the page's own."""
    if not text:
        return ""
    md = _markdown()
    tokens = md.parse(text)
    for tok in tokens:
        if tok.type in ("heading_open", "heading_close"):
            tok.tag = f"h{min(6, int(tok.tag[1]) + 2)}"
    html = md.renderer.render(tokens, md.options, {})
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS,
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener")
