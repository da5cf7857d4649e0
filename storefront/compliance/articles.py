"""Articles (guides) under the claim rules, paragraph by paragraph, each in its own scope.

Pure: Markdown source and plain product facts in, findings by path out. A general
paragraph is held to the strictest public status (``wellness``, no kind); a paragraph
carrying a product card (``{{ product: slug }}``) or naming exactly one of the article's
products is held to that product's status and indications. A proof claim ("studies
show…") in a paragraph with a reference marker (``[2]``) that resolves to one of the
article's references stays a warning; without one it blocks, because an article has a
references list and "cite the trial, or drop it" is the fix (COMPLIANCE.md, proof-claim).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from storefront.compliance.checker import Finding, check_copy
from storefront.compliance.rules import KINDS, REGULATORY_STATUSES

# ``{{ product: slug }}`` (spaces optional); the slug is what a product URL ends with.
SHORTCODE = re.compile(r"\{\{\s*product\s*:\s*([a-z0-9][a-z0-9-]*)\s*\}\}")
# ``[3]`` or ``[1, 4]``: a reference marker (not a Markdown link ``[x](…)`` or ``[x]:``).
REF_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\](?![(:\[])")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
PROOF_RULE = "proof-claim"
# What an unreferenced proof claim in an article is (see the module docstring).
UNREFERENCED_PROOF = "block"


@dataclass(frozen=True, slots=True)
class ProductScope:
    """Plain facts of a product an article may name or embed."""

    slug: str
    name: str
    kind: str | None
    regulatory: str
    k_number: str | None = None
    indications: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One block of the body: [start, end) into the source, its scope and references."""

    number: int  # 1-based, counting every non-blank block
    start: int
    end: int
    text: str
    cards: tuple[str, ...] = ()  # product slugs embedded by shortcode
    product: str | None = None  # slug whose scope holds this paragraph; None: wellness
    references: tuple[int, ...] = ()  # 1-based reference numbers cited here

    @property
    def path(self) -> str:
        """The paragraph's path in findings and errors: ``body[para 3]``."""
        return f"body[para {self.number}]"


@dataclass(frozen=True, slots=True)
class ArticleFinding:
    """A finding at ``path``; ``finding.start/end`` index the field's whole text."""

    field: str  # "title", "summary" or "body"
    path: str  # "title", "summary", "body[para 3]"
    finding: Finding
    scope: str = "wellness"  # the status the text was held to ("wellness" or a product slug)

    @property
    def severity(self) -> str:
        """The finding's severity."""
        return self.finding.severity

    def to_dict(self) -> dict:
        """JSON-ready: the finding plus its field, path and scope."""
        return {"field": self.field, "path": self.path, "held_to": self.scope,
                **self.finding.to_dict()}


@dataclass(frozen=True, slots=True)
class ArticleReport:
    """The gate's verdict on one article."""

    findings: tuple[ArticleFinding, ...] = ()
    errors: Mapping[str, list[str]] = field(default_factory=dict)  # path -> messages

    @property
    def blocks(self) -> list[ArticleFinding]:
        """Findings that stop publication."""
        return [f for f in self.findings if f.severity == "block"]

    @property
    def blocking(self) -> bool:
        """True when the article may not be published."""
        return bool(self.errors) or bool(self.blocks)

    def for_field(self, name: str) -> list[Finding]:
        """The findings of one field, spans into that field's text."""
        return [f.finding for f in self.findings if f.field == name]

    def to_dict(self) -> dict:
        """JSON-ready report."""
        return {"publishable": not self.blocking,
                "findings": [f.to_dict() for f in self.findings],
                "errors": {k: list(v) for k, v in self.errors.items()},
                "counts": {"block": len(self.blocks),
                           "warn": sum(1 for f in self.findings if f.severity == "warn")}}


def shortcode_slugs(body: str) -> list[str]:
    """Product slugs embedded by shortcode, in order of appearance (repeats kept once)."""
    return list(dict.fromkeys(m.group(1) for m in SHORTCODE.finditer(body or "")))


def reference_numbers(text: str) -> list[int]:
    """The reference numbers cited by ``[n]`` markers in ``text``."""
    out: list[int] = []
    for m in REF_MARKER.finditer(text):
        out += [int(n) for n in re.split(r"\s*,\s*", m.group(1))]
    return out


def _blocks(body: str) -> list[tuple[int, int]]:
    """Blank-line-delimited blocks as source spans; a fenced block is one block."""
    spans: list[tuple[int, int]] = []
    start = None
    fence = None
    pos = 0
    end = 0
    for line in body.splitlines(keepends=True):
        text = line.rstrip("\r\n")
        a, b = pos, pos + len(text)
        pos += len(line)
        m = _FENCE.match(text)
        if fence is not None:
            end = b
            if m and m.group(1)[0] == fence:
                fence = None
            continue
        if m:
            fence = m.group(1)[0]
        if not text.strip() and fence is None:
            if start is not None:
                spans.append((start, end))
                start = None
            continue
        if start is None:
            start = a
        end = b
        # A heading is a block of its own, even without a blank line after it.
        if text.lstrip().startswith("#") and fence is None:
            spans.append((start, end))
            start = None
    if start is not None:
        spans.append((start, end))
    return spans


def _names(products: Sequence[ProductScope]) -> list[tuple[str, re.Pattern]]:
    return [(p.slug, re.compile(r"(?<!\w)" + re.escape(p.name) + r"(?!\w)", re.IGNORECASE))
            for p in products if p.name]


def split_paragraphs(body: str, products: Sequence[ProductScope] = ()) -> list[Paragraph]:
    """The body's blocks, each with its scope: a card's or named product's, else wellness."""
    names = _names(products)
    out = []
    for n, (a, b) in enumerate(_blocks(body or ""), start=1):
        text = body[a:b]
        cards = tuple(dict.fromkeys(m.group(1) for m in SHORTCODE.finditer(text)))
        named = [slug for slug, rx in names if rx.search(text)]
        about = set(cards) | set(named)
        product = next(iter(about)) if len(about) == 1 else None
        out.append(Paragraph(n, a, b, text, cards, product, tuple(reference_numbers(text))))
    return out


def _masked(text: str) -> str:
    """Shortcodes and reference markers as spaces (same length, so offsets hold).

    The checker passes a proof claim with a citation in its sentence; an article's
    markers are judged here instead, against the references that really exist.
    """
    text = SHORTCODE.sub(lambda m: " " * len(m.group(0)), text)
    return REF_MARKER.sub(lambda m: " " * len(m.group(0)), text)


def _check(text: str, scope: ProductScope | None, markdown: bool) -> list[Finding]:
    if scope is None:
        return check_copy(text, None, None, markdown=markdown, whole_copy=False)
    kind = scope.kind if scope.kind in KINDS else None
    status = scope.regulatory if scope.regulatory in REGULATORY_STATUSES else None
    return check_copy(text, kind, status, k_number=scope.k_number,
                      indications=scope.indications, markdown=markdown, whole_copy=False)


def _proof(f: Finding, refs: Sequence[int]) -> Finding:
    if f.rule != PROOF_RULE:
        return f
    if refs:
        cited = ", ".join(f"[{n}]" for n in refs)
        return replace(f, severity="warn",
                       message=f"Proof claim with reference {cited} attached: check that the "
                               "cited study supports this sentence as written.")
    return replace(f, severity=UNREFERENCED_PROOF,
                   message=f.message + " In a guide, attach a reference marker such as [1] "
                                       "to this paragraph, or drop the claim.")


def check_article(title: str, summary: str, body: str, *,
                  products: Sequence[ProductScope] = (),
                  reference_count: int = 0) -> ArticleReport:
    """Check an article's title, summary and body paragraphs, each in its scope.

    ``products`` are the facts of every product the article embeds or names (published
    ones; a shortcode whose slug is missing here is an error). ``reference_count`` is
    the length of the article's references list, which ``[n]`` markers must fall within.
    """
    by_slug = {p.slug: p for p in products}
    findings: list[ArticleFinding] = []
    errors: dict[str, list[str]] = {}
    for name, text in (("title", title or ""), ("summary", summary or "")):
        for f in _check(_masked(text), None, markdown=False):
            findings.append(ArticleFinding(name, name, _proof(f, reference_numbers(text))))
    for para in split_paragraphs(body or "", products):
        for slug in para.cards:
            if slug not in by_slug:
                errors.setdefault(para.path, []).append(
                    f"{{{{ product: {slug} }}}}: no published product has this slug")
        bad = [n for n in para.references if not 1 <= n <= reference_count]
        if bad:
            errors.setdefault(para.path, []).append(
                f"reference [{bad[0]}] does not exist (the article lists {reference_count})")
        refs = [n for n in para.references if 1 <= n <= reference_count]
        scope = by_slug.get(para.product) if para.product else None
        held = scope.slug if scope is not None else "wellness"
        for f in _check(_masked(para.text), scope, markdown=True):
            f = _proof(f, refs)
            findings.append(ArticleFinding(
                "body", para.path, replace(f, start=f.start + para.start, end=f.end + para.start),
                held))
    return ArticleReport(tuple(findings), errors)
