"""Markdown to reader text with an offset map; sentences and clauses."""

from __future__ import annotations

import pytest

from storefront.compliance.text import clause_bounds, sentences, to_plain

SAMPLES = [
    "# Title with *emphasis*\n\nA paragraph with **bold**, _em_ and a [link text](http://x.y/z).\n",
    "- one\n- two `code`\n  continued line\n\n1. first\n2. second\n",
    "Escapes \\* and entities &amp; &lt;ok&gt; stay readable.\n",
    "| a | b |\n|---|---|\n| cures | *x* |\n",
    "```\nfenced block\n```\n\n> quoted *text*\n",
    "<div>html <b>block</b></div>\n\nAfter ![alt words](img.png) image.\n",
    "Line one  \nhard break\nsoft break\r\nwindows line\n",
    "Curly \u2019quotes\u2019 and \u201cdouble\u201d\u00a0space.",
]


@pytest.mark.parametrize("src", SAMPLES)
def test_every_reader_character_maps_into_the_source(src):
    plain = to_plain(src)
    assert len(plain.index) == len(plain.text)
    assert list(plain.index) == sorted(plain.index), "offsets must be monotonic"
    for i, ch in enumerate(plain.text):
        j = plain.index[i]
        assert 0 <= j < len(src)
        if ch.isalnum():
            assert src[j] == ch, (i, ch, src[j])


def test_markup_is_stripped_and_text_kept():
    plain = to_plain(SAMPLES[0]).text
    assert "*" not in plain and "#" not in plain and "http" not in plain
    assert "Title with emphasis" in plain and "link text" in plain
    assert "code" in to_plain(SAMPLES[1]).text
    assert "Escapes * and entities & <ok>" in to_plain(SAMPLES[2]).text
    assert "cures" in to_plain(SAMPLES[3]).text
    assert "fenced block" in to_plain(SAMPLES[4]).text
    text = to_plain(SAMPLES[5]).text
    assert "html block" in text and "<b>" not in text and "alt words" in text


def test_span_to_source_covers_markup_inside_the_span():
    src = "It **cures** arthritis."
    plain = to_plain(src)
    start = plain.text.index("cures arthritis")
    s, e = plain.span_to_source(start, start + len("cures arthritis"))
    assert src[s:e] == "cures** arthritis"


def test_plain_mode_is_identity():
    plain = to_plain("A *b* c", markdown=False)
    assert plain.text == "A *b* c" and plain.span_to_source(2, 5) == (2, 5)


def test_curly_punctuation_is_normalised_without_moving_offsets():
    src = SAMPLES[-1]
    plain = to_plain(src, markdown=False)
    assert len(plain.text) == len(src) and "'quotes'" in plain.text


def test_sentences():
    text = ("Dr. Smith uses it daily. It emits 660 nm, e.g. red light. Approved by the F.D.A. "
            "Really? Yes!\nNew block")
    got = [text[s:e] for s, e in sentences(text)]
    assert got == ["Dr. Smith uses it daily.", "It emits 660 nm, e.g. red light.",
                   "Approved by the F.D.A.", "Really?", "Yes!", "New block"]
    assert sentences("") == [] and sentences("   ") == []


def test_clauses_break_at_new_subjects_but_not_inside_lists():
    s = "Not intended to diagnose, treat, cure or prevent any disease"
    assert clause_bounds(s) == [0]
    s2 = "It is not a toy, it cures arthritis"
    assert len(clause_bounds(s2)) == 2
    s3 = "Not a cure; heals tendons"
    assert len(clause_bounds(s3)) == 2


# --- agreement with a full CommonMark parser ---------------------------------------------

MORE = [
    "Setext heading\n==============\n\nPara ___bold it___ and snake_case_name and 5 * 3.\n\n---\n\n"
    "See <https://example.com> and [ref][1].\n\n[1]: https://example.com\n",
    "Nested [link with `code` and *em*](https://a.b/(c)) end. ~~strike~~ ok\n",
    "* star item\n+ plus item\n\n    indented code\n\nText with a \\\nhard break.\n",
    "> quote line one\n> - quoted item\n\n## Heading ##\n\n1) first\n2) second\n",
]


def _reference_text(src: str) -> str:
    """Reader text according to markdown-it-py (CommonMark + tables + strikethrough)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    out: list[str] = []

    def inline(children):
        for t in children:
            if t.type in ("text", "code_inline"):
                out.append(t.content)
            elif t.type in ("softbreak", "hardbreak"):
                out.append(" ")
            elif t.type == "image":
                inline(t.children or [])

    for t in md.parse(src):
        if t.type == "inline":
            inline(t.children or [])
        elif t.type in ("fence", "code_block"):
            out.append("\n" + t.content + "\n")
        elif t.type == "html_block":
            import re

            out.append(re.sub(r"<[^>]*>", "", t.content))
        elif t.type.endswith("_close") or t.type == "hr":
            out.append("\n")
    return " ".join("".join(out).split())


def _documents() -> list[str]:
    import json
    from pathlib import Path

    docs = SAMPLES[:-1] + MORE
    seed = Path(__file__).resolve().parents[2] / "seed" / "products.json"
    if seed.exists():
        data = json.loads(seed.read_text("utf-8"))
        docs += [p["copy"]["body"] for p in (data["products"] if isinstance(data, dict) else data)]
    return docs


@pytest.mark.parametrize("src", _documents())
def test_reader_text_agrees_with_markdown_it(src):
    ours = " ".join(to_plain(src).text.split())
    assert ours == _reference_text(src)
