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
