"""Reader-visible text: Markdown to plain text with an offset map, sentences and clauses.

The checker reads what a shopper sees (no ``**``, no link targets), but every finding
must point into the source the author edits, so plain text keeps, for each of its
characters, the index of the source character it came from.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from storefront.compliance.markdown import markdown_to_plain

# Curly quotes become straight ones (same length, so offsets are unaffected) so that
# one regex spelling ("don't") covers both.
_NORMALISE = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'),
              ("\u00a0", " "), ("\u2011", "-"))


def _normalise(text: str) -> str:
    if text.isascii():
        return text
    for a, b in _NORMALISE:
        if a in text:
            text = text.replace(a, b)
    return text


@dataclass(frozen=True, slots=True)
class PlainText:
    """Reader-visible text of a source, with ``index[i]`` = source offset of ``text[i]``."""

    text: str
    source_len: int
    index: tuple[int, ...] | None = None  # None: identity mapping (plain input)

    def span_to_source(self, start: int, end: int) -> tuple[int, int]:
        """Map a plain-text span [start, end) to the source span it was read from."""
        if self.index is None:
            return start, end
        if not self.index:
            return 0, 0
        if end <= start:
            pos = self.index[start] if start < len(self.index) else self.source_len
            return pos, pos
        return self.index[start], self.index[end - 1] + 1


def to_plain(source: str, markdown: bool = True) -> PlainText:
    """Return the text a reader sees; with ``markdown`` the markup is stripped."""
    if not markdown:
        return PlainText(_normalise(source), len(source))
    text, index = markdown_to_plain(source)
    return PlainText(_normalise(text), len(source), tuple(index))


# --- sentences -------------------------------------------------------------------------

_SENT_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)|\n+")
_ABBREV = {"dr", "mr", "mrs", "ms", "st", "no", "vs", "approx", "fig", "e.g", "i.e", "etc",
           "incl", "max", "min", "ca", "al", "u.s", "inc", "ltd", "co", "jr", "sr", "ref"}
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def sentences(text: str) -> list[tuple[int, int]]:
    """Split text into sentence spans (start, end), trimmed of surrounding space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENT_END.finditer(text):
        if m.group(0)[0] == ".":
            w = _WORD_BEFORE.search(text, max(0, m.start() - 12), m.start())
            if w and w.group(1).lower().rstrip(".") in _ABBREV:
                continue
            nxt = text[m.end():m.end() + 3].lstrip()
            if nxt[:1].islower():  # "e.g. arthritis", "approx. 5 cm": not a new sentence
                continue
        _push(text, spans, start, m.end())
        start = m.end()
    _push(text, spans, start, len(text))
    return spans


def _push(text: str, spans: list[tuple[int, int]], s: int, e: int) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        spans.append((s, e))


class SentenceIndex:
    """Find the sentence holding an offset, by binary search over sentence starts."""

    def __init__(self, text: str) -> None:
        self.spans = sentences(text)
        self.starts = [s for s, _ in self.spans]

    def find(self, pos: int) -> int:
        """Index of the sentence containing ``pos`` (or the nearest one before it)."""
        return max(bisect_right(self.starts, pos) - 1, 0)


# --- clauses ---------------------------------------------------------------------------

# A clause ends at strong punctuation, at a contrastive conjunction, or at a comma that
# starts a new subject ("…, it cures …"); list commas ("diagnose, treat, cure") do not
# end one, so a negation carries across the whole list.
CLAUSE_BREAK = re.compile(
    r"[;:!?]|\s[-\u2013\u2014]\s|[\u2013\u2014]|\.(?=\s)"
    # "all but cleared up" means "almost": no clause break
    r"|\b(?:(?<!\ball\s)but|however|yet|although|though|whereas|while|because|since|so that)\b"
    r"|,\s*(?=(?:and\s+|so\s+|then\s+|plus\s+)?(?:it|it's|this|that|these|they|we|you|you'll"
    r"|our|its|which|i|he|she|plus|just|simply|now|then|so|there|there's|everyone|everybody|most|many|each)\b)"
    r"|\b(?:and|or)\s+(?=(?:it|it's|this|our|we|you|they)\b)",
    re.IGNORECASE,
)


def clause_bounds(sentence: str) -> list[int]:
    """Offsets (relative to the sentence) where clauses start, beginning with 0."""
    return [0] + [m.end() for m in CLAUSE_BREAK.finditer(sentence)]
