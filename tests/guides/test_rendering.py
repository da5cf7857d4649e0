"""Guide Markdown: sanitised HTML, card slots, contents, reference links, reading time."""

from storefront.guides import rendering


def test_blocks_cards_toc_and_references():
    body = ("Intro [1].\n\n## First part\n\nText <script>alert(1)</script>.\n\n"
            "{{ product: glow-belt }}\nCaption here.\n\n### Detail\n\nMore.")
    r = rendering.render(body)
    assert [b.product for b in r.blocks] == [None, "glow-belt", None]
    assert "<script>" not in r.blocks[0].html
    assert '<sup class="ref"><a href="#ref-1"' in r.blocks[0].html
    assert r.blocks[1].caption_html.startswith("<p>Caption here.")
    assert [(h.level, h.id) for h in r.toc] == [(2, "first-part"), (3, "detail")]
    assert '<h2 id="first-part">' in r.blocks[0].html
    assert r.reading_minutes == 1


def test_reading_time_grows_with_words():
    assert rendering.render("word " * 1000).reading_minutes == 5


def test_javascript_links_are_dropped():
    html = rendering.render("[x](javascript:alert(1))").blocks[0].html
    assert "href=\"javascript" not in html and "<a" not in html
