"""A guide's Markdown as sanitised HTML blocks, product-card slots, contents and reading time.

The same markdown-it + nh3 pipeline as product copy (``catalog.display``): raw HTML is
escaped by the parser, then nh3 keeps only the allowed tags. Guides keep ``##`` as h2
(the page title is the h1), give h2/h3 ids for the table of contents, and turn reference
markers (``[2]``) into links to the numbered references. A shortcode paragraph
``{{ product: slug }}`` becomes a card slot that the page fills with live price and stock.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

from storefront.compliance.articles import REF_MARKER, SHORTCODE

WORDS_PER_MINUTE = 220

_TAGS = {
    "p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "h5", "h6", "a", "hr", "table", "thead", "tbody", "tr", "th", "td",
    "s", "del", "sup",
}
_ATTRS = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "h2": {"id"},
          "h3": {"id"}, "sup": {"class"}}


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True, slots=True)
class Block:
    """Either sanitised HTML (``html``) or a product card slot (``product`` slug)."""

    html: str = ""
    product: str | None = None
    caption_html: str = ""  # text in the card's own paragraph, under the card


@dataclass(frozen=True, slots=True)
class Rendered:
    blocks: tuple[Block, ...]
    toc: tuple[Heading, ...]
    words: int

    @property
    def reading_minutes(self) -> int:
        """Reading time at ~220 words a minute, at least one minute."""
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE))


@lru_cache(maxsize=1)
def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def slug_id(text: str, used: set[str]) -> str:
    """A unique, URL-safe element id for a heading."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "section"
    out, n = base, 2
    while out in used:
        out, n = f"{base}-{n}", n + 1
    used.add(out)
    return out


def _ref_links(text: str) -> str:
    def link(m: re.Match) -> str:
        nums = re.split(r"\s*,\s*", m.group(1))
        return "".join(f"[\\[{n}\\]](#ref-{n})" for n in nums)
    return REF_MARKER.sub(link, text)


def _markdown_html(text: str, used: set[str], toc: list[Heading]) -> str:
    md = _md()
    tokens = md.parse(_ref_links(text))
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            level = min(6, max(2, int(tok.tag[1])))  # a body "#" is demoted under the page's h1
            tok.tag = f"h{level}"
            tokens[i + 2].tag = tok.tag
            title = tokens[i + 1].content
            if level <= 3:
                hid = slug_id(title, used)
                tok.attrSet("id", hid)
                toc.append(Heading(level, hid, re.sub(r"[*_`]", "", title)))
    html = md.renderer.render(tokens, md.options, {})
    # Reference links are superscripts.
    html = re.sub(r'(<a href="#ref-\d+">\[\d+\]</a>)', r'<sup class="ref">\1</sup>', html)
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRS,
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener")


def _paragraphs(body: str) -> list[str]:
    return re.split(r"\n[ \t]*\n", body.replace("\r\n", "\n"))


def render(body: str | None) -> Rendered:
    """Render a guide body into HTML blocks and card slots, with contents and word count."""
    body = body or ""
    used: set[str] = set()
    toc: list[Heading] = []
    blocks: list[Block] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            blocks.append(Block(html=_markdown_html("\n\n".join(pending), used, toc)))
            pending.clear()

    for para in _paragraphs(body):
        m = SHORTCODE.search(para)
        if m is None or para.lstrip().startswith(("```", "~~~", "    ")):
            pending.append(para)
            continue
        flush()
        for slug in dict.fromkeys(s.group(1) for s in SHORTCODE.finditer(para)):
            blocks.append(Block(product=slug))
        caption = SHORTCODE.sub("", para).strip()
        if caption:
            last = blocks[-1]
            blocks[-1] = Block(product=last.product,
                               caption_html=_markdown_html(caption, used, toc))
    flush()
    words = len(re.findall(r"\w+", SHORTCODE.sub("", body)))
    return Rendered(tuple(blocks), tuple(toc), words)


def plain_summary(text: str, limit: int = 155) -> str:
    """A one-line summary cut at a word boundary (meta description, feed)."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
