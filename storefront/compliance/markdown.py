"""Markdown to the text a reader sees, with the source offset of every character.

A single regex-driven pass over lines (blocks) and their inline content, several times
faster than a full CommonMark parse, which matters when checking a whole catalogue. It
covers what product copy uses: headings, lists, quotes, tables, fences, emphasis,
links and images (text kept, targets dropped), code, escapes, entities and HTML tags.
The test suite checks its output against markdown-it-py on a range of documents.
"""

from __future__ import annotations

import html
import re

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_BLANK = re.compile(r"\s*$")
_HR = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*$")
_REFDEF = re.compile(r" {0,3}\[[^\]]+\]:\s*\S")
_QUOTE = re.compile(r" {0,3}>[ \t]?")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]+|$)")
_HEADING_END = re.compile(r"[ \t]+#+[ \t]*$|[ \t]+$")
_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
_TABLE_DELIM = re.compile(r" {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+\|?[ \t]*$")

_INLINE = re.compile(
    r"(?P<esc>\\[!-/:-@\[-`{-~])"
    r"|(?P<code>(?P<ticks>`+)(?P<codetext>.+?)(?P=ticks))"
    r"|(?P<img>!\[(?P<alt>[^\]]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\))"
    r"|(?P<link>\[(?P<ltext>(?:[^\[\]]|\[[^\]]*\])*)\](?:\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)"
    r"|\[[^\]]*\]))"
    r"|(?P<auto><(?P<url>[a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>)"
    r"|(?P<tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--.*?-->)"
    r"|(?P<ent>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|(?P<delim>\*+|_+|~~)"
)
# Every inline construct starts with one of these: find them first, then try _INLINE
# there (a long alternation tried at every character is the slow part otherwise).
_SPECIAL = re.compile(r"[\\`!\[<&*_~]")


class _Out:
    __slots__ = ("chars", "index")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.index: list[int] = []

    def copy(self, src: str, a: int, b: int) -> None:
        if b > a:
            self.chars.append(src[a:b])
            self.index.extend(range(a, b))

    def put(self, text: str, at: int) -> None:
        self.chars.append(text)
        self.index.extend([at] * len(text))

    def brk(self, at: int) -> None:
        """A block boundary: a newline, once."""
        if self.chars and not self.chars[-1].endswith("\n"):
            self.put("\n", at)


def _flanking(src: str, a: int, b: int) -> bool:
    """True when a run of ``*``/``_`` at [a, b) can open or close emphasis."""
    before = src[a - 1] if a > 0 else " "
    after = src[b] if b < len(src) else " "
    if before.isspace() and after.isspace():
        return False  # "5 * 3": a literal asterisk
    if src[a] == "_" and before.isalnum() and after.isalnum():
        return False  # snake_case
    return True


def _inline(src: str, a: int, b: int, out: _Out) -> None:
    pos = i = a
    while True:
        s = _SPECIAL.search(src, i, b)
        if s is None:
            break
        m = _INLINE.match(src, s.start(), b)
        if m is None or m.end() == m.start():
            i = s.start() + 1
            continue
        out.copy(src, pos, m.start())
        pos = i = m.end()
        if m.group("esc") is not None:
            out.copy(src, m.start() + 1, m.end())
        elif m.group("code") is not None:
            s, e = m.span("codetext")
            if e - s > 2 and src[s] == " " and src[e - 1] == " ":
                s, e = s + 1, e - 1
            out.copy(src, s, e)
        elif m.group("img") is not None:
            out.copy(src, *m.span("alt"))
        elif m.group("link") is not None:
            _inline(src, *m.span("ltext"), out)
        elif m.group("auto") is not None:
            out.copy(src, *m.span("url"))
        elif m.group("ent") is not None:
            out.put(html.unescape(m.group("ent")), m.start())
        elif m.group("delim") is not None:
            if not (m.group() == "~~" or _flanking(src, m.start(), m.end())):
                out.copy(src, m.start(), m.end())
        # tags: dropped
    out.copy(src, pos, b)


def _cells(src: str, a: int, b: int, out: _Out) -> None:
    line = src[a:b]
    start = a + (len(line) - len(line.lstrip()))
    end = a + len(line.rstrip())
    if start < end and src[start] == "|":
        start += 1
    if end > start and src[end - 1] == "|" and src[end - 2:end] != "\\|":
        end -= 1
    cell = start
    i = start
    while i <= end:
        if i == end or (src[i] == "|" and src[i - 1] != "\\"):
            s, e = cell, i
            while s < e and src[s].isspace():
                s += 1
            while e > s and src[e - 1].isspace():
                e -= 1
            _inline(src, s, e, out)
            out.brk(i)
            cell = i + 1
        i += 1


def markdown_to_plain(src: str) -> tuple[str, list[int]]:
    """Return (reader text, source offset of each of its characters)."""
    out = _Out()
    lines = []
    pos = 0
    for line in src.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        lines.append((pos, pos + len(body)))
        pos += len(line)
    fence = None
    table = False
    in_para = False
    for n, (a, b) in enumerate(lines):
        text = src[a:b]
        if fence is not None:
            m = _FENCE.match(text)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                    and not text[m.end():].strip():
                fence = None
                out.brk(a)
            else:
                out.copy(src, a, b)
                out.put("\n", b)
            continue
        m = _FENCE.match(text)
        if m and not (m.group(1)[0] == "`" and "`" in text[m.end():]):
            fence = m.group(1)
            out.brk(a)
            in_para = False
            continue
        if _BLANK.match(text):
            out.brk(a)
            in_para = table = False
            continue
        if _REFDEF.match(text) and not in_para:
            continue
        if in_para and _SETEXT.match(text):  # underline of a setext heading
            out.brk(a)
            in_para = False
            continue
        if _HR.match(text):
            out.brk(a)
            in_para = False
            continue
        q = _QUOTE.match(text)
        while q:  # block quotes: drop the markers
            a += q.end()
            text = src[a:b]
            q = _QUOTE.match(text)
        nxt = src[lines[n + 1][0]:lines[n + 1][1]] if n + 1 < len(lines) else ""
        if table or ("|" in text and _TABLE_DELIM.match(nxt)):
            if not table:
                out.brk(a)
            if not _TABLE_DELIM.match(text):
                _cells(src, a, b, out)
            table = True
            in_para = False
            continue
        h = _HEADING.match(text)
        if h:
            out.brk(a)
            end = _HEADING_END.search(src, a + h.end(), b)
            _inline(src, a + h.end(), end.start() if end else b, out)
            out.brk(b)
            in_para = False
            continue
        item = _ITEM.match(text)
        if item:
            out.brk(a)
            a += item.end()
        elif in_para:
            out.put(" ", a)  # a soft line break reads as a space
        lead = len(src[a:b]) - len(src[a:b].lstrip())
        # "  " or "\" at the end of a line is a hard break: still one sentence flow.
        end = b - (1 if src[a:b].endswith("\\") else 0)
        _inline(src, a + lead, end, out)
        in_para = True
    text = "".join(out.chars)
    return text, out.index
