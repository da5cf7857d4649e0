"""Presentation helpers shared by the pages and the JSON API: money, copy, availability."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

# ISO 4217 minor-unit exponents that differ from 2, and symbols worth showing.
_EXPONENT = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3}
_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}

LOW_STOCK = 5

_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "h3", "h4", "h5", "h6", "a", "hr", "table", "thead", "tbody", "tr", "th", "td", "s", "del",
}
_ALLOWED_ATTRS = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def decimal_amount(amount: int, currency: str) -> str:
    """Minor units as a plain decimal string (``19900, 'USD'`` -> ``'199.00'``)."""
    exp = _EXPONENT.get(currency.upper(), 2)
    if exp == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d}"


def format_money(amount: int | None, currency: str = "USD") -> str:
    """Minor units as a display price (``19900, 'USD'`` -> ``'$199.00'``)."""
    if amount is None:
        return ""
    text = decimal_amount(amount, currency)
    whole, _, frac = text.lstrip("-").partition(".")
    grouped = f"{int(whole):,}" + (f".{frac}" if frac else "")
    sign = "-" if amount < 0 else ""
    symbol = _SYMBOL.get(currency.upper())
    return f"{sign}{symbol}{grouped}" if symbol else f"{sign}{grouped} {currency.upper()}"


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
