"""Development mail: every email the shop queued, readable by staff (DEV_MAIL_PAGE only).

The outbox table holds each message the shop would send, whether or not an SMTP server
took it, so in development the outbox is the mail sink: this module lists it and renders
a message for a browser. HTML bodies are sanitised by nh3 (no script, style, event
handlers or non-http(s) links); plain-text bodies are escaped and their http(s) URLs made
into links, so an accept link in an email can be followed from the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nh3
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.mail.outbox import OutboxEmail

PER_PAGE = 50
_URL = re.compile(r"https?://[^\s<>\"']+")
# Punctuation that ends a sentence rather than the URL it follows.
_TRAILING = ".,;:!?)]}»"
ALLOWED_TAGS = {"a", "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h1", "h2", "h3",
                "h4", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "hr", "span",
                "div", "code", "pre", "small", "img"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"},
                      "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def linkify_text(text: str) -> Markup:
    """Escape a plain-text body and turn its http(s) URLs into links."""
    out: list[str] = []
    pos = 0
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_TRAILING)
        end = m.start() + len(url)
        out.append(str(escape(text[pos:m.start()])))
        out.append(f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(url)}</a>')
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def sanitise_html(html: str) -> Markup:
    """An email's HTML body, safe to put inside a staff page."""
    return Markup(nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                            url_schemes={"http", "https", "mailto"},
                            link_rel="noopener noreferrer"))


@dataclass
class MailPage:
    rows: list[OutboxEmail]
    total: int
    page: int


def list_mail(session: Session, *, to: str = "", q: str = "", page: int = 1) -> MailPage:
    """Queued and sent mail, newest first, filtered by recipient and subject."""
    stmt = select(OutboxEmail)
    if to:
        stmt = stmt.where(func.lower(OutboxEmail.to_addr) == to.strip().lower())
    if q:
        stmt = stmt.where(func.lower(OutboxEmail.subject).like(f"%{q.strip().lower()}%"))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(OutboxEmail.id.desc())
                                .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    return MailPage(rows, total, page)


def get_mail(session: Session, email_id: int) -> OutboxEmail | None:
    """One queued or sent email."""
    return session.get(OutboxEmail, email_id)
