"""The article gate (pure): paragraphs, scopes, references, findings by path and span."""

from storefront.compliance.articles import (
    ProductScope,
    check_article,
    reference_numbers,
    shortcode_slugs,
    split_paragraphs,
)

CLEARED = ProductScope("clinic-belt", "Clinic Belt", "belt", "otc_cleared", "K123456",
                       "Temporary relief of minor muscle and joint pain and stiffness.")
WELLNESS = ProductScope("glow-belt", "Glow Belt", "belt", "wellness")


def test_shortcodes_and_reference_markers():
    body = "Intro [1, 3].\n\n{{ product: clinic-belt }}\n\n{{product:glow-belt}} and [2]"
    assert shortcode_slugs(body) == ["clinic-belt", "glow-belt"]
    assert reference_numbers("A [1] and [2, 4], not [link](http://x) or [x]") == [1, 2, 4]


def test_paragraph_scopes():
    body = ("General text.\n\n{{ product: clinic-belt }}\nCaption.\n\n"
            "The Glow Belt has 120 LEDs.\n\nBoth the Glow Belt and the Clinic Belt.")
    paras = split_paragraphs(body, [CLEARED, WELLNESS])
    assert [p.product for p in paras] == [None, "clinic-belt", "glow-belt", None]
    assert paras[1].cards == ("clinic-belt",)
    assert [p.path for p in paras][-1] == "body[para 4]"
    assert body[paras[2].start:paras[2].end] == "The Glow Belt has 120 LEDs."


def test_general_paragraph_is_held_to_wellness_and_card_paragraph_to_the_product():
    claim = "It gives temporary relief of minor muscle and joint pain and stiffness."
    body = f"Intro.\n\n{claim}\n\n{{{{ product: clinic-belt }}}}\n{claim}\n"
    report = check_article("Title", "Summary", body, products=[CLEARED])
    blocks = report.blocks
    assert blocks and {f.path for f in blocks} == {"body[para 2]"}
    f = blocks[0]
    assert f.scope == "wellness"
    assert body[f.finding.start:f.finding.end] in claim  # span into the whole body
    assert f.finding.start >= body.index(claim)
    assert not report.errors


def test_proof_claim_is_a_warning_with_a_reference_and_blocks_without():
    body = "Studies show that people like a routine [1].\n\nStudies show that people like a routine."
    report = check_article("T", "S", body, reference_count=1)
    proof = {f.path: f.severity for f in report.findings if f.finding.rule == "proof-claim"}
    assert proof == {"body[para 1]": "warn", "body[para 2]": "block"}


def test_unknown_card_and_dangling_reference_are_errors_by_path():
    report = check_article("T", "S", "Text [2].\n\n{{ product: nope }}", reference_count=1)
    assert set(report.errors) == {"body[para 1]", "body[para 2]"}
    assert report.blocking


def test_clean_article_passes():
    report = check_article("Choosing a panel", "How to read irradiance.",
                           "Irradiance is power per area in mW/cm² at a stated distance.")
    assert not report.blocking
