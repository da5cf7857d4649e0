"""Unit tests of the checker: rules, context, status awareness and spans."""

from __future__ import annotations

import pytest

from storefront.compliance import Finding, check_copy

ILY = ("Temporary relief of minor muscle and joint pain and stiffness, minor arthritis pain, "
       "muscle spasm; temporary increase in local blood circulation; temporary relaxation of "
       "muscles.")


def rules_of(text, kind=None, regulatory=None, **kw):
    kw.setdefault("whole_copy", False)
    return {(f.rule, f.severity) for f in check_copy(text, kind, regulatory, **kw)}


def blocked(text, kind=None, regulatory=None, **kw):
    kw.setdefault("whole_copy", False)
    return any(f.severity == "block" for f in check_copy(text, kind, regulatory, **kw))


def otc(text, **kw):
    return rules_of(text, "belt", "otc_cleared", k_number="K123456", indications=ILY, **kw)


# --- the finding shape -----------------------------------------------------------------

def test_finding_to_dict_has_exactly_the_contract_keys():
    f = check_copy("FDA approved", whole_copy=False)[0]
    assert isinstance(f, Finding)
    assert set(f.to_dict()) == {"rule", "severity", "scope", "start", "end", "message",
                                "suggestion", "rewrite"}
    assert f.to_dict()["scope"] == "span"
    assert f.to_dict()["severity"] in ("block", "warn")
    with pytest.raises(AttributeError):
        f.rule = "x"  # frozen


def test_document_findings_have_document_scope_and_zero_span():
    found = check_copy("A class 4 laser for clinics.", "laser", "rx_only", k_number="K123456",
                       indications="Temporary relief of minor muscle pain.")
    doc = [f for f in found if f.rule == "rx-only-statement"]
    assert doc and all(f.scope == "document" and f.start == f.end == 0 for f in doc)


def test_unknown_kind_or_status_is_an_error():
    with pytest.raises(ValueError):
        check_copy("x", kind="toaster")
    with pytest.raises(ValueError):
        check_copy("x", regulatory="approved")


def test_empty_text_has_no_findings():
    assert check_copy("", whole_copy=False) == []
    assert check_copy("   \n\n", "belt", "wellness") == []


# --- inflections, word order, synonyms, passive ----------------------------------------

@pytest.mark.parametrize("text", [
    "It cures arthritis.", "Cured my arthritis.", "Curing arthritis at home.",
    "Heals tendons.", "Healing light for joints.", "It healed my knee.",
    "Eliminates tendonitis.", "Gets rid of inflammation.", "Wipes out joint pain.",
    "Fixes your sore back.", "Pain is eliminated.", "Your arthritis will be gone.",
    "Bursitis disappears after a week.", "An arthritis treatment you can wear.",
])
def test_disease_claim_phrasings_block_on_any_status(text):
    for status in ("wellness", "otc_cleared", "rx_only"):
        assert blocked(text, "belt", status, k_number="K123456", indications=ILY), (text, status)


@pytest.mark.parametrize("text", [
    "Sciatica relief in minutes.", "Relief from sciatica.", "Helps sciatica sufferers.",
    "For herniated discs.", "Eases fibromyalgia.", "Helps with spinal stenosis.",
])
def test_serious_condition_in_any_word_order(text):
    assert ("serious-condition", "block") in otc(text)


@pytest.mark.parametrize("text", ["FDA approved", "FDA-approved", "approved by the FDA",
                                  "F.D.A.-approved", "Approved by the Food and Drug Administration",
                                  "FDA registered", "registered with the FDA", "FDA certified"])
def test_fda_approval_wording_blocks_even_on_cleared_products(text):
    assert ("fda-approval", "block") in otc(text)


# --- regulatory status ------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Relieves muscle pain.", "Reduces inflammation.",
                                  "Improves circulation.", "Temporary relief of minor joint pain."])
def test_wellness_products_may_not_make_any_pain_or_body_function_claim(text):
    assert ("wellness-medical-mix", "block") in rules_of(text, "belt", "wellness")


def test_no_status_is_held_to_the_strictest_one():
    assert ("wellness-medical-mix", "block") in rules_of("Relieves muscle pain.")


@pytest.mark.parametrize("text", [
    "Temporary relief of minor muscle and joint pain.",
    "Temporarily relieves minor arthritis pain.",
    "Relieves muscle spasm.",
    "Soothes sore muscles.",
    "Temporarily increases local blood circulation.",
    "Minor joint pain relief.",
])
def test_cleared_indications_may_be_claimed(text):
    assert not any(sev == "block" for _, sev in otc(text)), otc(text)


@pytest.mark.parametrize("text", [
    "Relieves chronic back pain permanently.",
    "Treats arthritis.",
    "Reduces inflammation.",
    "Relieves pain caused by gout.",
    "Relief from all types of pain.",
    "Relieves nerve pain.",
    "Relieves arthritis swelling.",
])
def test_claims_beyond_the_indications_block_on_cleared_products(text):
    found = otc(text)
    assert ("disease-claim", "block") in found, found


def test_indication_message_quotes_the_clearance():
    f = [f for f in check_copy("Relieves chronic back pain.", "belt", "otc_cleared",
                               k_number="K123456", indications=ILY, whole_copy=False)
         if f.rule == "disease-claim"][0]
    assert "Temporary relief of minor muscle" in f.message
    assert "Temporary relief of minor muscle" in f.suggestion


def test_cleared_product_without_indications_cannot_claim_relief():
    assert blocked("Relieves minor muscle pain.", "belt", "otc_cleared", k_number="K123456")


def test_narrow_clearance_is_respected():
    back = "Adjunctive use in the temporary relief of minor chronic low back pain."
    assert not blocked("Temporary relief of minor chronic low back pain.", "handheld",
                       "otc_cleared", k_number="K111111", indications=back)
    assert blocked("Temporary relief of minor knee pain.", "handheld", "otc_cleared",
                   k_number="K111111", indications=back)


@pytest.mark.parametrize("status,k,expect", [
    ("otc_cleared", "K123456", False), ("rx_only", "K123456", False),
    ("otc_cleared", None, True), ("otc_cleared", "123456", True), ("otc_cleared", "K12345", True),
    ("wellness", "K123456", True), (None, None, True),
])
def test_fda_cleared_needs_status_and_a_well_formed_k_number(status, k, expect):
    assert blocked("FDA-cleared for home use.", "belt", status, k_number=k) is expect


def test_quoted_k_number_must_be_the_products_own():
    assert not blocked("FDA-cleared (K123456).", "belt", "otc_cleared", k_number="K123456")
    assert ("fda-approval", "block") in rules_of("FDA-cleared (K999999).", "belt", "otc_cleared",
                                                 k_number="K123456")


def test_laser_rules_apply_to_lasers_only():
    assert ("laser-no-heat", "block") in rules_of("No heat, no goggles needed.", "laser", "rx_only",
                                                  k_number="K123456", indications=ILY)
    assert not any(r == "laser-no-heat" for r, _ in rules_of("No heat, just light.", "belt",
                                                             "wellness"))


def test_rx_only_statement_is_required_on_the_whole_copy():
    found = check_copy("A class 4 laser for clinics.", "laser", "rx_only", k_number="K123456",
                       indications=ILY)
    rx = [f for f in found if f.rule == "rx-only-statement"]
    assert rx and rx[0].severity == "block" and (rx[0].start, rx[0].end) == (0, 0)
    for ok in ("A class 4 laser. Rx only.", "Caution: Federal law restricts this device to sale "
               "by or on the order of a licensed practitioner."):
        assert not [f for f in check_copy(ok, "laser", "rx_only") if f.rule == "rx-only-statement"]
    assert not [f for f in check_copy("A belt.", "belt", "otc_cleared", k_number="K123456")
                if f.rule == "rx-only-statement"]
    assert not check_copy("A class 4 laser for clinics.", "laser", "rx_only", whole_copy=False)


# --- context: negations, disclaimers, precautions, side effects, specs ------------------

@pytest.mark.parametrize("text", [
    "Not intended to diagnose, treat, cure or prevent any disease.",
    "This device does not cure arthritis.",
    "It does not replace medical care.",
    "Never stop prescribed treatment.",
    "This device is not FDA approved.",
    "It isn't a treatment for sciatica.",
    "Avoid use over areas of known or suspected cancer.",
    "Consult your provider if you are pregnant.",
    "Children only under adult supervision.",
    "Do not use if you have diabetes or impaired sensation.",
    "People with photosensitive epilepsy should not use pulsed mode.",
    "If you have a herniated disc, talk to your doctor first.",
    "Diabetics should consult a doctor before use.",
    "Arthritis sufferers should consult their doctor before use.",
    "People with diabetes, neuropathy or poor circulation should not use the heat setting.",
    "To avoid burns, keep the pad moving.",
    "Some users report mild warmth or temporary redness.",
    "660 nm and 850 nm; 45 mW/cm\u00b2 at 15 cm; 27 J/cm\u00b2 in 10 minutes.",
    "Timer 10/20 min; battery 2,500 mAh; 62 \u00d7 18 cm.",
    "2-year warranty and 30-day returns.",
    "For best results, use daily.",
    "Treat yourself to a calm evening ritual.",
    "Treatment area: 30 \u00d7 20 cm.",
])
def test_compliant_sentences_pass(text):
    assert not blocked(text, "belt", "wellness"), rules_of(text, "belt", "wellness")


@pytest.mark.parametrize("text", [
    "Not only relieves pain, it cures arthritis.",
    "Don't let sciatica slow you down.",
    "You will never suffer from back pain again.",
    "If you suffer from sciatica, this belt is for you.",
    "Heals arthritis; consult your doctor.",
    "Relieves arthritis pain and should not be used by children.",
    "Relieves arthritis pain, should not be used by children.",
    "Before use, know that it cures arthritis.",
    "Consult your doctor, then enjoy relief from sciatica.",
    "Avoid the pain of arthritis with daily sessions.",
    "Warning: this belt relieves back pain instantly.",
    "It won't cure anything, but it relieves back pain.",
    "People with arthritis love it.",
    "Great for diabetics.",
])
def test_negation_and_precaution_cues_are_not_loopholes(text):
    assert blocked(text, "belt", "wellness"), text


def test_hedged_mechanism_passes_and_stated_mechanism_warns():
    assert rules_of("Researchers are studying how red light affects mitochondria.", "panel",
                    "wellness") == set()
    assert rules_of("Red light boosts ATP in your cells.", "panel", "wellness") == {
        ("mechanism-as-fact", "warn")}
    assert ("mechanism-as-fact", "block") in rules_of("Boosts ATP to relieve arthritis.")


def test_mechanism_not_escalated_by_a_negated_condition():
    found = rules_of("Boosts ATP; it is not intended to treat any disease.", "panel", "wellness")
    assert found == {("mechanism-as-fact", "warn")}


def test_proof_claim_with_a_citation_passes():
    assert ("proof-claim", "warn") in rules_of("Studies show it helps you relax.", "panel",
                                               "wellness")
    assert rules_of("Studies show it helps you relax (Smith et al., 2021).", "panel",
                    "wellness") == set()
    md = "Studies show it helps you relax [1](https://doi.org/10.1000/xyz)."
    assert rules_of(md, "panel", "wellness") == set()


def test_social_proof_passes_with_a_typical_results_statement_in_the_paragraph():
    assert ("social-proof", "warn") in rules_of("Pro athletes swear by it.", "panel", "wellness")
    assert rules_of("Pro athletes swear by it. Results vary.", "panel", "wellness") == set()


def test_guaranteed_fast_alone_is_a_warning():
    assert rules_of("Fast relief.", "belt", "otc_cleared", k_number="K123456",
                    indications=ILY) == {("guaranteed-result", "warn")}
    assert ("guaranteed-result", "block") in rules_of("Instant relief, guaranteed.")


def test_money_back_guarantee_is_not_a_result_guarantee():
    assert rules_of("60-day money-back guarantee.", "belt", "wellness") == set()
    assert rules_of("Try it risk-free for 30 days.", "belt", "wellness") == set()
    assert ("absolute-safety", "block") in rules_of("Risk-free light therapy.")


def test_curly_apostrophes_count_as_straight_ones():
    assert ("laser-no-heat", "block") in rules_of("It can\u2019t burn the skin.", "laser",
                                                  "rx_only", k_number="K123456", indications=ILY)
    assert not blocked("This device doesn\u2019t cure arthritis.")


# --- spans ------------------------------------------------------------------------------

def test_spans_point_at_the_claim_in_plain_text():
    text = "Our belt is lovely. It cures arthritis and heals herniated discs."
    spans = {(f.rule, text[f.start:f.end])
             for f in check_copy(text, "belt", "wellness", markdown=False)}
    assert ("serious-condition", "herniated discs") in spans
    assert ("disease-claim", "cures arthritis") in spans
    assert ("disease-claim", "heals herniated discs") in spans


def test_spans_include_the_modifiers_of_a_condition():
    text = "Chronic lower back pain relief."
    f = [f for f in check_copy(text, "belt", "otc_cleared", k_number="K123456", indications=ILY,
                               whole_copy=False) if f.rule == "disease-claim"][0]
    assert text[f.start:f.end] == "Chronic lower back pain relief"


def test_spans_point_into_the_markdown_source():
    src = ("# Our *wrap*\n\n"
           "Some intro with a [link](https://example.com/cure) first.\n\n"
           "- **Cures** arthritis &amp; heals `sciatica` fast\n"
           "- FDA\\-approved? No: *FDA approved*!\n")
    found = check_copy(src, "belt", "wellness")
    got = {(f.rule, src[f.start:f.end]) for f in found}
    assert ("serious-condition", "sciatica") in got
    assert ("fda-approval", "FDA approved") in got
    cures = [f for f in found if f.rule == "disease-claim" and src[f.start:f.end].startswith("Cures")]
    assert cures, got
    # nothing points into the link target
    assert all(not (src.index("https") <= f.start < src.index(") first")) for f in found)


def test_headings_and_list_items_are_separate_sentences():
    src = "## Relief\n\n- Back pain is gone\n- it is not a toy\n"
    found = check_copy(src, "belt", "wellness")
    assert any(f.rule == "disease-claim" and src[f.start:f.end] == "Back pain is gone"
               for f in found), found


def test_code_and_link_text_are_checked_like_any_reader_text():
    assert blocked("Read [how it cures arthritis](/blog).")
    assert blocked("Run `cures arthritis` mode.")


# --- the model's second opinion: where it may block and where it stays silent -------------

@pytest.fixture
def zorblat_model(monkeypatch):
    """A stand-in model that blocks any sentence holding the made-up word "zorblat"."""
    from storefront.compliance import checker
    from storefront.compliance.model import Model

    mdl = Model(weights={"w:zorblat": (0.0, 0.0, 60.0)}, intercept=(0.0, -4.0, -6.0),
                block_threshold=0.9, review_threshold=0.5, meta={})
    monkeypatch.setattr(checker, "active_model", lambda: mdl)
    checker.clear_caches()
    yield mdl
    checker.clear_caches()


def test_model_blocks_a_sentence_the_rules_only_warned_about(zorblat_model):
    found = rules_of("The most powerful zorblat panel on the market.", "panel", "wellness")
    assert ("superlative", "warn") in found
    assert ("likely-claim", "block") in found


def test_a_stratum_threshold_lets_the_model_block_only_in_its_stratum(monkeypatch):
    """A stratum's own threshold applies to sentences of that stratum alone: here the model
    may never block in general, but may on a wellness product where a condition is named."""
    from storefront.compliance import checker
    from storefront.compliance.model import Model

    mdl = Model(weights={"w:zorblat": (0.0, 0.0, 60.0)}, intercept=(0.0, -4.0, -6.0),
                block_threshold=1.01, review_threshold=0.5, meta={},
                block_thresholds={"wellness/condition/silent": 0.9})
    monkeypatch.setattr(checker, "active_model", lambda: mdl)
    checker.clear_caches()
    try:
        named = "Zorblat evenings with the panel for my knuckles."
        assert rules_of(named, "panel", "wellness") == {("likely-claim", "block")}
        # no condition named: the general threshold holds, so a review warning only
        assert rules_of("Zorblat evenings with the panel.", "panel", "wellness") == {
            ("likely-claim", "warn")}
        # a cleared product is another stratum
        cleared = rules_of(named, "panel", "otc_cleared", k_number="K123456",
                           indications="Temporary relief of minor muscle and joint pain.")
        assert ("likely-claim", "block") not in cleared
    finally:
        checker.clear_caches()


def test_model_adds_nothing_where_the_rules_blocked(zorblat_model):
    found = rules_of("Zorblat cures arthritis.", "panel", "wellness")
    assert ("likely-claim", "block") not in found
    assert any(sev == "block" for _, sev in found)


def test_model_leaves_a_question_answered_with_a_precaution_alone(zorblat_model):
    text = "Taking zorblat pills that make you burn easily? Ask your pharmacist before using the panel."
    assert ("likely-claim", "block") not in rules_of(text, "panel", "wellness")
    # the same words asserted rather than asked and answered are the model's to judge
    assert ("likely-claim", "block") in rules_of("Zorblat pills make you burn easily.", "panel",
                                                 "wellness")


# --- claims made by a question and its answer together -----------------------------------

LASER_IND = ("Emitting energy in the infrared spectrum to provide topical heating for the purpose "
             "of elevating tissue temperature for temporary relief of minor muscle and joint pain.")


@pytest.mark.parametrize("text, kind, expected", [
    ("Are there any side effects? None whatsoever.", "panel", {("absolute-safety", "block")}),
    ("Do I need goggles? Not with this laser, the beam is gentle.", "laser",
     {("laser-no-heat", "block")}),
    ("Do I need special training? Not really; if you can aim a torch, you can run it.", "laser",
     {("laser-no-heat", "block")}),
    # an answer that keeps the precaution claims nothing
    ("Do I need goggles? Yes: everyone in the room wears the supplied OD 5 eyewear.", "laser", set()),
    # eyewear and training are a laser's rule: on a panel the same exchange is left alone
    ("Do I need goggles? Not with this panel.", "panel", set()),
])
def test_a_question_and_its_answer_make_one_claim(text, kind, expected):
    found = rules_of(text, kind, "rx_only", k_number="K123456", indications=LASER_IND, model=False)
    assert found == expected


@pytest.mark.parametrize("text, kind, regulatory, blocks", [
    # a camel-case hashtag is read as its words
    ("#BackPainGone thanks to my nightly glow wrap", "belt", "wellness", True),
    ("#NoMorePills since I got the panel", "panel", "wellness", True),
    ("Loving my new panel #SelfCareSunday #RedLight", "panel", "wellness", False),
    # precautions that name a wound or a fresh tattoo and say "until healed" claim nothing
    ("Keep the light off newly microbladed or tattooed brows until they have fully healed.",
     "handheld", "wellness", False),
    ("Keep the pad away from a fresh C-section incision or any open wound until your doctor "
     "confirms it has healed.", "belt", "wellness", False),
    # a muscle cramp is a muscle spasm: inside the LED/heating clearance
    ("When my calves cramp after cycling it takes the edge off for a while.", "belt",
     "otc_cleared", False),
    ("No LED mask is 'FDA approved'; this one is 510(k) cleared.", "panel", "otc_cleared", False),
    ("Clear skin in seven days or your money back.", "panel", "wellness", True),
    # medical care said to hide the problem: doctors and prescriptions count here
    ("Doctors just hand out prescriptions that cover things up; this gadget actually does "
     "something.", "handheld", "wellness", True),
    ("Ask your doctor before use if you take prescription medicines.", "handheld", "wellness",
     False),
    ("My sciatica flare settled down within a week of using the wrap, not even exaggerating.",
     "belt", "wellness", True),
    # the product doing nothing is an honest review; other things doing nothing is a pitch
    ("I'll be honest, it did nothing for my neuropathy, but I still like the warmth.", "belt",
     "wellness", False),
    ("Honestly the belt did nothing for my sciatica.", "belt", "wellness", False),
    ("Pills did nothing for my sciatica but this belt cleared it up.", "belt", "wellness", True),
    ("You'll see light devices advertised as FDA approved, but none are; ours is 510(k) cleared.",
     "panel", "otc_cleared", False),
    ("Wait until your surgeon has signed off on your C-section scar before placing the wrap "
     "near it.", "belt", "wellness", False),
    ("Older cats seem to love the gentle warmth and will curl up on it for a nap.", "belt",
     "wellness", False),
    ("Colour options for the Knee Pain Wrap: graphite, sand and plum.", "belt", "wellness", False),
    ("If an ad says a gadget can replace your prescriptions, close the tab and call your "
     "pharmacist instead.", "handheld", "wellness", False),
    ("This gadget can replace your prescriptions.", "handheld", "wellness", True),
    ("It can cause permanent eye injury, so the goggles are not optional.", "laser", "rx_only",
     False),
    ("Goggles are optional with this laser.", "laser", "rx_only", True),
    # words inside a neutral phrase are no cues: "if it doesn't" is no precaution, "using it
    # wrong" no debunking, "in check with" no "check with your doctor"
    ("Guaranteed to loosen stiff joints, and if it doesn't, you're using it wrong.", "panel",
     "otc_cleared", True),
    ("Members living with fibromyalgia keep their flare-ups in check with weekly sessions.",
     "panel", "wellness", True),
    ("People with fibromyalgia should check with their doctor before a session.", "panel",
     "wellness", False),
    # someone's own history with a condition is background until an effect is claimed
    ("I've had fibromyalgia for years, so I read the manual twice before my first session.",
     "panel", "wellness", False),
    ("I've had fibromyalgia for years and this panel finally eased it.", "panel", "wellness",
     True),
    # a sentence labelled "Myth:" quotes the claim to refute it; the "Fact:" is checked
    ("Myth: a class 4 laser can't burn you. Fact: it can, so the handpiece keeps moving.",
     "laser", "rx_only", False),
    ("Myth: light can't touch arthritis. Fact: it cures arthritis in three sessions.", "laser",
     "rx_only", True),
    # a symptom "from" its cause is read as "minor arthritis stiffness" against the indications
    ("Eases stiffness from minor arthritis in my hands.", "belt", "otc_cleared", False),
    ("Eases stiffness from tendonitis.", "belt", "otc_cleared", True),
    # a retold testimonial is social proof (a warning) like a quoted one
    ("One customer told us she went from barely walking to hiking again.", "belt",
     "otc_cleared", False),
    ("Does it hurt? Not at all, just gentle warmth.", "panel", "wellness", False),
    ("Thirty-day guarantee: if the panel isn't for you, we refund every penny.", "panel",
     "wellness", False),
    ("There's no FDA clearance on this lamp, so we sell it as a relaxation light.", "panel",
     "wellness", False),
    # a myth that names a risk, answered by a denial, denies every risk
    ("Myth: red light has side effects. Truth: it has none, full stop.", "panel", "wellness",
     True),
    ("Myth: red light has side effects. Truth: a few people get mild redness; see Precautions.",
     "panel", "wellness", False),
    ("Contraindications? There simply aren't any with this panel.", "panel", "wellness", True),
    # "talk to us" is a sales call, not a precaution
    ("Facing knee surgery? Talk to us about the laser before you go under the knife.", "laser",
     "rx_only", True),
    # an answer that presents the product sells it, whatever "isn't" follows; a plain
    # correction still answers the question
    ("Herniated disc? This is the laser your chiropractor isn't telling you about.", "laser",
     "rx_only", True),
    ("Herniated disc? That isn't something any light device is cleared for.", "laser",
     "rx_only", False),
    # a claim disowned later in the sentence, and a negated claim
    ("Some listings say it melts fat; we do not claim it.", "belt", "wellness", False),
    ("Some listings say it melts fat, and it really does.", "belt", "wellness", True),
    ("Nothing about it cures arthritis; see the cleared indications.", "panel", "otc_cleared",
     False),
    # a typo does not make safety less absolute; "you" may be the one who can do no harm
    ("Completly safe to use on your head every single day.", "panel", "wellness", True),
    ("You won't do any harm running it twice a day.", "handheld", "wellness", True),
    # a condition word inside a neutral phrase is not a condition: beam hot spots
    ("A smudged window lowers the output and can create hot spots.", "handheld", "otc_cleared",
     False),
    ("Our clinic laser cleared up a nasty hot spot on a retriever.", "laser", "rx_only", True),
    # "no problem" answers yes; a notice that withdraws a claim passes, the claim does not
    ("Pregnant? No problem — our laser is safe over the tummy at any stage.", "laser", "rx_only",
     True),
    ("The phrase 'no side effects' has been deleted from this page.", "panel", "wellness", False),
    ("No side effects, and the phrase is staying on this page.", "panel", "wellness", True),
    ("Think of it as a painkiller you don't have to swallow.", "handheld", "otc_cleared", True),
    # a claim re-asserted after the correction ("but … still") is not corrected by it
    ("We no longer mention cancer, but the belt is still a great option for sciatica.", "belt",
     "otc_cleared", True),
    ("We no longer advertise the belt for sciatica; ask your doctor about it.", "belt",
     "otc_cleared", False),
    ("A cheaper, gentler option than a cortisone injection for the wrist.", "handheld",
     "otc_cleared", True),
    # style guides and briefs quote a claim to forbid it
    ("Strike 'no side effects' and '100% safe' from every draft.", "panel", "wellness", False),
    ("Words like 'permanent' or 'instant' next to a health outcome get a listing suppressed.",
     "panel", "otc_cleared", False),
    ("Instant, permanent relief for every ache.", "panel", "otc_cleared", True),
])
def test_everyday_shapes(text, kind, regulatory, blocks):
    kw = {} if regulatory == "wellness" else {
        "k_number": "K123456",
        "indications": "Temporary relief of minor muscle and joint pain and stiffness, minor "
                       "arthritis pain, muscle spasm; temporary increase in local blood "
                       "circulation; temporary relaxation of muscles."}
    found = check_copy(text, kind, regulatory, model=False, whole_copy=False, **kw)
    # the Rx-only statement is a whole-copy requirement, not a claim in the sentence
    assert any(f.severity == "block" and f.scope == "span" for f in found) is blocks


@pytest.mark.parametrize("text", ["my lower back grumbles after the school run",
                                  "whenever he tweaks a hamstring", "her dodgy shoulder"])
def test_a_complaint_word_makes_a_body_part_a_condition(text):
    from storefront.compliance.claims import analyse

    assert "moderate" in analyse(text).cats()


@pytest.mark.parametrize("text, blocked", [
    # a forum reply quoting a post to dispute it: the quoted words are not the seller's
    ('"> it cured my sciatica" Respectfully, no: this belt is for relaxation only.', False),
    ("> it cured my sciatica — no, it didn't; see the indications.", False),
    ('One listing promises it will "reverse sciatica"; no trial we found supports that.', False),
    # the same quotes endorsed, or followed by anything but a dispute, still block
    ('"> it cured my sciatica" No joke, same here.', True),
    ("> It cured my back — no joke, best buy ever", True),
    ("> It cured my back — Jane, Texas", True),
    ('Customers say it "cured my sciatica" and we agree.', True),
])
def test_quoted_claims_pass_only_when_the_sentence_rejects_them(text, blocked):
    found = check_copy(text, "belt", "wellness", whole_copy=False)
    assert any(f.severity == "block" for f in found) is blocked, found


@pytest.mark.parametrize("text, blocked", [
    # wording named in order to remove or avoid it: a removal verb or a word for wording
    # right before the quote, or one right after it with a removal verb in the sentence
    ("Strike 'no side effects' and '100% safe' from every draft.", False),
    ("Words like 'permanent', 'instant' or 'guaranteed' get a listing suppressed.", False),
    ("We pulled the 'FDA Registered' badge from our listings.", False),
    ('Feedback: take out "FDA approved" before this goes live.', False),
    # the seller's own wording, quoted or not, is still a claim
    ("We display the 'FDA approved' badge on every box.", True),
    ("Our 'no side effects' promise is why customers trust us.", True),
    ("We removed the old photos; it's 'FDA approved' and 'completely safe'.", True),
    # a quoted claim the sentence endorses is made, whatever "call it" suggests
    ('Customers call it "a miracle cure" and we agree.', True),
    ('Some listings call it "a miracle cure"; it isn\'t.', False),
    # the quoted wording said to be gone, judged, or reported from old or other people's copy
    ("Changelog: \u201cmelts pain away\u201d removed.", False),
    ("The \u2018FDA approved\u2019 sticker is gone from the box.", False),
    ("Our previous label described the panel as 'a cure for arthritis'.", False),
    ("A reseller's banner called it \u201cFDA approved\u201d.", False),
    ("'Heals tendons' was the supplier's phrase, not ours.", False),
    ("'Reduces swelling' falls outside what a wellness panel may say.", False),
    ("Swap 'heals injuries' for 'a warm, relaxing glow'.", False),
    # the same quotes as the seller's current wording still block
    ("Our new label says it 'cures arthritis'.", True),
    ("The 'FDA approved' sticker is on every box.", True),
    ("Customers said it 'healed my knee', and it's our best seller.", True),
    ("Rewritten headline: 'Clears up eczema in a week.'", True),
])
def test_quoted_wording_named_for_removal_is_not_a_claim(text, blocked):
    found = check_copy(text, "panel", "wellness", whole_copy=False)
    assert any(f.severity == "block" for f in found) is blocked, found


@pytest.mark.parametrize("text, blocked", [
    # other copy reported, unquoted, in a sentence that removes or polices it
    ("Forum rule: threads saying the panel cures psoriasis will be removed.", False),
    ("We deleted a comment pitching the panel as a treatment for lupus.", False),
    ("Taken down by our moderators: it claimed the panel heals burns.", False),
    # the same report kept, endorsed or with nothing policing it is a claim
    ("Our ads saying the panel cures psoriasis are back up.", True),
    ("Threads saying the panel cures psoriasis are right, and we agree.", True),
])
def test_reported_copy_that_is_policed_is_not_a_claim(text, blocked):
    found = check_copy(text, "panel", "wellness", whole_copy=False)
    assert any(f.severity == "block" for f in found) is blocked, found


_CARPAL = ("Adjunctive use in providing temporary relief of hand and wrist pain associated with "
           "carpal tunnel syndrome.")


@pytest.mark.parametrize("text, indications, blocked", [
    # a condition the indications name, in a sentence that restates them in their own words
    ("For carpal tunnel, use it as an adjunct for temporary relief of hand and wrist pain.",
     _CARPAL, False),
    ("For arthritis, it gives temporary relief of minor arthritis pain.", ILY, False),
    # naming the condition with a bare "temporary relief" widens the clearance
    ("For arthritis, it gives temporary relief.", ILY, True),
    ("For carpal tunnel, it gives temporary relief.", _CARPAL, True),
    # and a condition the indications do not name is never covered by restating them
    ("For sciatica, it gives temporary relief of minor arthritis pain.", ILY, True),
    # what follows "not" is disowned, not claimed
    ("Cleared as an adjunct for hand and wrist pain associated with carpal tunnel syndrome, "
     "not for numbness.", _CARPAL, False),
])
def test_indicated_conditions_named_while_restating_the_clearance(text, indications, blocked):
    found = check_copy(text, "handheld", "otc_cleared", k_number="K123456",
                       indications=indications, whole_copy=False)
    assert any(f.severity == "block" for f in found) is blocked, found


@pytest.mark.parametrize("text, blocked", [
    # what others say, flatly denied by the next sentence
    ("Some sellers claim their belts heal sciatica. Not true.", False),
    ("You'll hear that red light cures arthritis. It doesn't.", False),
    # confirmed, or the next sentence is no denial, or it is the shopper's own story
    ("People say it cures arthritis. It does!", True),
    ("People swear it heals sciatica. And it really does.", True),
    ("It cured my sciatica. It didn't take long either.", True),
])
def test_reports_denied_by_the_next_sentence(text, blocked):
    found = check_copy(text, "belt", "wellness", whole_copy=False)
    assert any(f.severity == "block" for f in found) is blocked, found


def test_long_sentences_are_read_in_segments(monkeypatch):
    # The model's opinion is pinned (a block for the one clause that claims), so the test
    # checks the mechanism, not one trained file.
    from storefront.compliance import checker as chk

    chk.clear_caches()
    judged = []

    def verdict(seg, kind, regulatory, warned=False):
        judged.append(seg)
        return ("block", 0.999) if "lactic" in seg else (None, 0.1)

    monkeypatch.setattr(chk, "_model_verdict", verdict)
    text = ("Ten minutes on each side after my Sunday long run with the goggles on and the phone "
            "in the other room, and the light flushes the lactic acid out so my legs recover "
            "before Monday, and always keep the panel away from your eyes.")
    found = check_copy(text, "panel", "wellness", markdown=False, whole_copy=False)
    blocks = [f for f in found if f.severity == "block"]
    assert [f.rule for f in blocks] == [chk.MODEL_RULE], found
    assert "lactic" in text[blocks[0].start:blocks[0].end]
    assert "goggles" not in text[blocks[0].start:blocks[0].end]  # it points at the segment
    assert not any("keep the panel away" in s for s in judged)  # a warning is not judged
    # a hedge, a correction or quoted wording anywhere keeps the model off every segment
    judged.clear()
    hedged = ("Researchers are still studying whether it matters, and the light flushes the "
              "lactic acid out so my legs recover before Monday, and always keep the panel "
              "away from your eyes.")
    found = check_copy(hedged, "panel", "wellness", markdown=False, whole_copy=False)
    assert not any(f.rule == chk.MODEL_RULE for f in found) and not judged
    # short sentences are judged whole, as before
    assert chk._segments("The light flushes the lactic acid out, and my legs recover.") == []
    monkeypatch.undo()
    chk.clear_caches()  # forget the pinned opinions


def test_model_second_opinion_releases_only_sentences_about_copy(monkeypatch):
    # The model's opinion is pinned so the test checks the mechanism, not one trained file.
    from storefront.compliance import checker as chk

    chk.clear_caches()
    monkeypatch.setattr(chk, "_model_pass_probability", lambda s, k, r: 0.995)
    about_copy = "Our old FAQ said the wrap cures arthritis."
    found = check_copy(about_copy, "belt", "wellness", whole_copy=False)
    assert found and not any(f.severity == "block" for f in found), found
    assert any("statistical model reads this sentence as compliant" in f.message for f in found)
    # rules alone still block it, and a plain claim beside a precaution is never released
    assert any(f.severity == "block" for f in check_copy(
        about_copy, "belt", "wellness", whole_copy=False, model=False))
    for claim in ("Before use, know that it cures arthritis.", "Heals arthritis; consult your doctor."):
        assert any(f.severity == "block" for f in check_copy(
            claim, "belt", "wellness", whole_copy=False)), claim
    # below the threshold nothing changes
    monkeypatch.setattr(chk, "_model_pass_probability", lambda s, k, r: 0.9)
    assert any(f.severity == "block" for f in check_copy(about_copy, "belt", "wellness",
                                                          whole_copy=False))


def _sentence_findings(text: str, kind: str, status: str, model: bool = True) -> list[Finding]:
    """Findings for one sentence on a product of that kind and status (a cleared product
    carries a K-number and the ILY indications); ``model=False``: the rules alone."""
    return check_copy(text, kind, status, markdown=False, whole_copy=False, model=model,
                      k_number="K123456" if status != "wellness" else None,
                      indications=ILY if status != "wellness" else None)


# Claims reported and judged, shop promises, concessions and warnings that stop at a new clause.
@pytest.mark.parametrize(("text", "kind", "status", "blocked"), [
    # others' copy denied later in the same sentence; the writer's own claim stays a claim
    ("Marketplace listings for near-identical belts promise permanent results; nothing we "
     "tested earns that word.", "belt", "wellness", False),
    ("My cousin swears it cured her sciatica, I'm not buying it.", "belt", "wellness", False),
    ("Listings promise permanent results, and ours really delivers them.", "belt", "wellness", True),
    # a quoted claim naming someone else's selling, but not one's own promise or badge
    ("Despite the 'no heat' marketing, the handpiece got warm.", "laser", "rx_only", False),
    ("Our 'works for everyone' promise stands.", "panel", "otc_cleared", True),
    ("We display the 'FDA approved' badge on every box.", "panel", "wellness", True),
    # what a shop guarantees is not a result
    ("Guaranteed delivery by Dec 22 on orders placed by noon.", "panel", "otc_cleared", False),
    ("Guaranteed relief for your back, order now.", "belt", "otc_cleared", True),
    ("There is no guarantee of results, and responses vary.", "handheld", "otc_cleared", False),
    # a concession, then the claim anyway
    ("It isn't a medical device, but it does take my sciatica down a notch.", "belt", "wellness", True),
    # a warning before a claim does not excuse the claim after a new coordinated clause
    ("Keep it away from the eyes, and within a few weeks the wand heals tendonitis.",
     "handheld", "otc_cleared", True),
    ("Diabetes can dull sensation in the feet, so check your skin after each session.",
     "belt", "otc_cleared", False),
    # quoted copy kept as it is makes the claim; copy reported to be taken down does not
    ("Reviewer kept this FAQ line: 'Supports your immune system through the winter.'",
     "panel", "wellness", True),
    ("Posts saying a light 'cured' someone's nerve damage will be taken down.",
     "handheld", "wellness", False),
    # "a cold" is an illness only where someone has one
    ("A cold laser built for the sidelines.", "laser", "rx_only", False),
    ("I sit in front of it the minute I feel a cold coming on and it knocks it right out.",
     "panel", "wellness", True),
    # a warning after the claim in a clause of its own does not excuse it; one that limits
    # the claim ("but only …") or follows a claim-free warning does
    ("Beat winter depression with our panel, and subscribe for yearly goggle replacements.",
     "panel", "wellness", True),
    ("Our therapy laser is safe for every pet, and everyone wears goggles.", "laser", "rx_only", True),
    ("Safe for children, but only under adult supervision.", "panel", "wellness", False),
    ("No open wounds under the wrap, and stop if your skin goes red and stays red.",
     "belt", "wellness", False),
    ("For people with diabetic neuropathy the handheld can bring back some feeling in the feet, "
     "though you should check your skin afterwards.", "handheld", "otc_cleared", True),
    # a question put to the shop, answered no (or yes)
    ("We are sometimes asked whether the belt can help with sciatica, and the honest answer is "
     "that it is not cleared for it, so leg numbness needs a proper medical assessment.",
     "belt", "otc_cleared", False),
    ("Parents ask whether it's okay for kids: yes, our panel is safe for the whole family.",
     "panel", "wellness", True),
    # a safety feature is not an instant result
    ("A contact sensor stops emission the moment you lift the tip from the skin.",
     "handheld", "otc_cleared", False),
    # a reason that names the harm shares the warning it explains; a benefit does not
    ("My neurologist told me not to put the wrap on my feet, because with neuropathy I "
     "wouldn't feel a burn coming.", "belt", "otc_cleared", False),
    ("After a spay we schedule laser visits with goggles for the pet and the handler, because "
     "the light speeds up post-surgical recovery and helps the incision close.", "laser",
     "rx_only", True),
    # a denied burn reported of others and answered with the heat
    ("Some clinics promise that class 4 lasers cannot burn, but these devices heat tissue by "
     "design.", "laser", "rx_only", False),
    # ice and TENS are no medicine; surgery is
    ("Pro athletes have swapped their ice baths for our panel.", "panel", "otc_cleared", False),
    ("Worth every penny if it keeps you from going under the knife.", "laser", "rx_only", True),
    # a question answered with the clearance, a refund or a precaution; or answered yes
    ("Q: Will it help my arthritis? A: It's cleared for temporary relief of minor arthritis "
     "pain; it doesn't treat the arthritis itself.", "belt", "otc_cleared", False),
    ("Q: Is there a guarantee? A: Yes, a 90-day money-back guarantee if you're not satisfied.",
     "panel", "otc_cleared", False),
    ("Q: Do you use the laser on cancer patients? A: We never treat over an area of known or "
     "suspected cancer.", "laser", "rx_only", False),
    ("Is it FDA certified? It is, which means you can trust it.", "belt", "otc_cleared", True),
    # "no extra precautions" denies the precautions, it is none
    ("Suitable and safe for children from age two, with no extra precautions needed.",
     "belt", "otc_cleared", True),
    # a teaser answered no is turned away; "not for long" is a promise, not a no
    ("Q: Is it a cure for neuropathy? A: No, nothing in this box treats nerve damage.",
     "belt", "wellness", False),
    ("Sore back? Not for long.", "belt", "wellness", True),
    # damage to the parcel is no risk to the user
    ("Arrived in 9 days, box no damage, all lights working.", "belt", "wellness", False),
    # a question someone asks frames its own statement, not the next one
    ("Clients often ask whether a class 4 laser is worth it for a senior cat, and we tell them it "
     "is safe for kittens, puppies and elderly pets alike.", "laser", "rx_only", True),
    # a reason after a warning is a statement of its own when it claims
    ("Please consult your doctor first, as the panel heals eczema and psoriasis faster than most "
     "people expect.", "panel", "otc_cleared", True),
    ("Do not use over a known or suspected cancer, as the light has not been studied there.",
     "panel", "otc_cleared", False),
    # a guarantee of the price paid is no result; an answer that narrows to the clearance
    ("Our guarantee covers your purchase price, not any particular result.", "belt", "wellness",
     False),
    ("Can I use it for arthritis? Yes, alongside your usual care: it is cleared for temporary "
     "relief of minor arthritis pain.", "handheld", "otc_cleared", False),
    # "no need to check with anyone" denies the precaution it names
    ("Safe for seniors on several medications, so there's no need to check with anyone before "
     "starting.", "handheld", "otc_cleared", True),
    # a contrast that negates the object: "for relaxation, not pain relief"
    ("Designed for relaxation and evening routines rather than pain relief of any kind.",
     "belt", "wellness", False),
    ("Designed for relaxation, not pain relief.", "belt", "wellness", False),
    ("Designed for back pain, not only sore necks.", "belt", "wellness", True),
    # a label warns of nothing by itself; what follows it decides
    ("Warning: this wrap heals arthritis so well you may forget you ever had it.", "belt",
     "otc_cleared", True),
    ("Warning: do not use over a known or suspected cancer.", "belt", "otc_cleared", False),
    # "studies confirm that …" claims proof of the cure; it hedges nothing
    ("Published studies confirm that red light eliminates arthritis.", "panel", "otc_cleared",
     True),
    ("Studies are looking at whether red light eliminates arthritis.", "panel", "otc_cleared",
     False),
    # a report flatly denied by a next sentence that goes on denying
    ("You may read online that red light cures sciatica. It does not, and this belt is not "
     "sold for that purpose.", "belt", "wellness", False),
    # an answer that declines and narrows to the clearance
    ("Q: Does it help with inflammation? A: We can only describe what it's cleared for: "
     "temporary relief of minor muscle and joint pain and stiffness.", "handheld", "otc_cleared",
     False),
    # "Do I need the goggles? Not really" denies the need; "Yes, always" keeps it
    ("Q: Do I really need the goggles? A: Not really, your eyes will be fine without them.",
     "laser", "rx_only", True),
    ("Q: Do I really need the goggles? A: Yes, always, because the beam can damage your eyes.",
     "laser", "rx_only", False),
    # "without any extra precautions" denies the precautions it names
    ("Elderly patients can be treated safely with this laser without any extra precautions.",
     "laser", "rx_only", True),
    # a condition that needs a diagnosis, and a device that does not treat it
    ("Hip dysplasia and cruciate tears need a veterinary diagnosis; this panel does not treat "
     "them.", "panel", "wellness", False),
    # the job of the tablets; heat denied in other words
    ("One belt does the job of the hot-water bottle and the tablets.", "belt", "otc_cleared",
     True),
    ("Park the beam on one spot as long as you like; it cannot scorch the skin.", "laser",
     "rx_only", True),
    ("The laser is far too gentle to need goggles.", "laser", "rx_only", True),
    # pets dozing through a session is comfort (a warning at most), not a safety claim
    ("Treatments are painless; most cats purr right through them.", "laser", "rx_only", False),
    # "results vary" in a testimonial excuses no cure; "two different splints" corrects nothing
    ("My knees don't creak going downstairs anymore; results vary, of course, but this panel "
     "did it for me.", "panel", "wellness", True),
    ("Four stars: it reversed the tendonitis in my thumb that two different splints couldn't "
     "fix.", "handheld", "otc_cleared", True),
    ("Results vary from person to person, and no outcome is guaranteed.", "panel", "wellness",
     False),
    # acne treatments in a list of light-sensitising medicines are medicines, not a claim
    ("Please list any photosensitising medications, such as certain antibiotics or acne "
     "treatments, on your intake form.", "panel", "otc_cleared", False),
    ("Retire the pill organiser; the belt takes it from here.", "belt", "otc_cleared", True),
    # claims in metaphor: pills that paint over the cracks, the fire behind the pain, a green
    # light from the FDA, an operator trained by a two-minute video
    ("Pills only paint over the cracks, and most doctors just keep handing out more paint.",
     "panel", "otc_cleared", True),
    ("Instead of silencing the smoke alarm, it goes looking for the fire behind your joint pain.",
     "panel", "otc_cleared", True),
    ("Road-tested and green-lit by the FDA.", "belt", "otc_cleared", True),
    ("Any assistant coach can run it after watching a two-minute video.", "laser", "rx_only",
     True),
    # a slimmer battery slims nobody; a carer present is a precaution
    ("The new wrap uses a slimmer 4,000 mAh battery that clips inside the strap.", "belt",
     "wellness", False),
    ("People living with dementia should only have a session with a carer present.", "panel",
     "wellness", False),
    # a condition "that hasn't come back"; what is behind it; painkillers never opened
    ("The back trouble that put me in bed every spring simply hasn't come back.", "belt",
     "otc_cleared", True),
    ("It doesn't just take the edge off; it goes after whatever is behind it.", "belt",
     "otc_cleared", True),
    # a product's name ending in Mitt or Strap is a name; "We don't:" denies the report
    ("Replacement strap for the Arthritis Hand Mitt, sold separately.", "belt", "otc_cleared",
     False),
    ("Some shops say red light works like a painkiller. We don't: this belt is cleared only for "
     "temporary relief of minor muscle and joint pain and stiffness.", "belt", "otc_cleared",
     False),
    # "We can't say that" declines the question's claim; a correction notice and its denial
    ("Will it fix my back? We can't say that: this belt is a wellness product for warmth and "
     "relaxation, not a treatment.", "belt", "wellness", False),
    ("Corrections notice: our ad said the belt 'treats sciatica'. That was wrong; it is cleared "
     "only for temporary relief of minor muscle and joint pain.", "belt", "otc_cleared", False),
    ("You'll see belts advertised as fixing the root cause of back pain. No light belt can "
     "honestly say that, and ours doesn't.", "belt", "wellness", False),
    # "does the same job" as a painkiller
    ("Skip the ibuprofen, since the wand already does the same job.", "handheld", "otc_cleared",
     True),
])
def test_reports_promises_and_clause_scope(text, kind, status, blocked):
    found = _sentence_findings(text, kind, status)
    assert any(f.severity == "block" for f in found) is blocked, found


@pytest.mark.parametrize("text,kind,status,blocked", [
    # a dose rule given for a condition the device is aimed at presupposes it treats it
    ("Caution: people living with sciatica should not go beyond two sessions a day.", "belt",
     "wellness", True),
    ("Tendonitis responds best to two eight-minute sessions daily.", "handheld", "otc_cleared",
     True),
    # … but not for people who have a condition, nor for a risk a precaution guards against
    ("If you have diabetes, do not exceed ten minutes and check your skin afterwards.", "belt",
     "otc_cleared", False),
    ("No more than one short session a day near a fresh sunburn.", "panel", "wellness", False),
    # an aid put away for good tells of a recovery; quoted or from a crowd it is social proof
    ("The walking frame has been in the loft since March, and Nan wears the belt every evening.",
     "belt", "wellness", True),
    ("Back brace binned, heat patches binned, all within a month of the wrap arriving.", "belt",
     "otc_cleared", True),
    ("'I put my walking stick away for good after three weeks!' - verified buyer", "belt",
     "otc_cleared", False),
    ("Thousands of customers have put their heat packs away for good.", "belt", "otc_cleared",
     False),
    # a clinician's care, a hoped-for cure denied, a shop that sells no painkiller
    ("It would be lovely if a wrap could cure carpal tunnel syndrome, but this one won't.", "belt",
     "otc_cleared", False),
    ("Nothing we sell is a substitute for your pain medication.", "handheld", "wellness", False),
    # a regulator's report of another firm's copy
    ("The agency noted that the firm's website promoted its laser for fractures and wounds, uses "
     "its clearance never covered.", "laser", "rx_only", False),
    ("The agency's letter listed the wording it objected to, among them 'cures arthritis' and "
     "'no side effects'.", "panel", "otc_cleared", False),
    ("A regulator faulted a wrap maker for promising relief from sciatica when its clearance "
     "covered minor muscle pain only.", "belt", "otc_cleared", False),
    ("You may read that red light has no side effects. That isn't quite true: some people get "
     "temporary redness.", "panel", "wellness", False),
    # the natural course of a condition, and general first-aid advice, claim nothing
    ("Most bouts of neck stiffness settle on their own within a couple of weeks.", "panel",
     "wellness", False),
    ("For a fresh wrist sprain the usual first-aid advice is rest, ice and compression.",
     "handheld", "wellness", False),
    ("An advertising watchdog upheld a complaint against a site whose wraps were said to "
     "'heal torn tendons'.", "belt", "wellness", False),
    ("Correction: our newsletter called the panel 'safe for children'. It is not made for "
     "children.", "panel", "wellness", False),
    ("We sell the panel as a calm evening ritual, not as a treatment for depression.", "panel",
     "wellness", False),
    ("The ad said 'no side effects', but my skin went pink, so take that line with a pinch of "
     "salt.", "belt", "wellness", False),
    # the seller's own copy, after a warning letter, still claims
    ("After the warning letter we changed our labels to read 'FDA certified device'.", "panel",
     "otc_cleared", True),
])
def test_dose_rules_retired_aids_and_reports(text, kind, status, blocked):
    found = _sentence_findings(text, kind, status)
    assert any(f.severity == "block" for f in found) is blocked, found


@pytest.mark.parametrize("text,claimed", [
    ("Your hand specialist should keep managing the condition itself.", False),
    ("Your vet treats the infection; the pad is only for warmth.", False),
    ("Numb skin can't warn you when the pad gets too warm.", False),
    # the seller's own staff, or the product between them, still claim
    ("Our team physios clear up tendonitis in three visits.", True),
    ("Doctors say this wand heals tendonitis in weeks.", True),
])
def test_clinicians_care_and_symptom_adjectives_claim_nothing(text, claimed):
    from storefront.compliance.claims import analyse, match_families

    hits = list(match_families(analyse(text), "handheld", "otc_cleared"))
    assert bool(hits) is claimed, hits


def test_model_leaves_shop_promises_and_denied_approval_alone():
    from storefront.compliance.checker import _APPROVAL_DENIED, _analysed, _term, model_may_judge
    from storefront.compliance.rules import active_rules

    citation = _term(active_rules(), "citation")
    assert not model_may_judge(_analysed("Fast, free shipping on every laser order."), citation)
    assert model_may_judge(_analysed("Fast relief for every sore joint, free shipping."), citation)
    assert _APPROVAL_DENIED.search("No light bed is FDA approved.")
    assert _APPROVAL_DENIED.search("FYI: the FDA doesn't \"approve\" panels like this.")
    assert not _APPROVAL_DENIED.search("It has been approved by the FDA.")


@pytest.mark.parametrize("text", [
    "Q: Does it hurt? A: Not a bit, the whole session is painless.",
    "Does it sting? Not really, the session is painless.",
])
def test_a_standalone_no_negates_nothing_after_it(text):
    found = check_copy(text, "handheld", "otc_cleared", markdown=False, whole_copy=False,
                       k_number="K123456", indications=ILY)
    assert [f.rule for f in found] == ["painless"], found


# Courtesies, caring replies, symptoms, side effects, negated targets, reports and denied hopes
# (batches 522-557); the rules alone, so no trained file decides them.
@pytest.mark.parametrize(("text", "kind", "status", "is_blocked"), [
    # symptoms and a side effect that went away claim nothing …
    ("If your hands go numb at night, book in with your doctor first.", "handheld", "wellness",
     False),
    ("After a knee replacement the skin around the scar can stay numb for months, so use the "
     "lowest setting.", "belt", "wellness", False),
    ("Some mild redness on my cheeks after the first week, gone within the hour.", "panel",
     "wellness", False),
    # … but pain that went away is a claim
    ("My knee pain was gone within the hour.", "belt", "wellness", True),
    # a target negated after a dash
    ("The box lists temporary relief of minor muscle and joint pain and stiffness — nothing "
     "about sciatica, so I wouldn't buy it for that.", "belt", "otc_cleared", False),
    ("It is cleared for temporary relief of minor muscle and joint pain — not for sciatica or "
     "a herniated disc.", "belt", "otc_cleared", False),
    ("Sessions are offered for temporary relief of minor muscle and joint stiffness, not as a "
     "cure for hip dysplasia.", "laser", "rx_only", False),
    ("The clearance covers temporary relief of minor muscle and joint pain; it does not cover "
     "wounds, neuropathy or post-surgical care.", "laser", "rx_only", False),
    ("The clearance covers temporary relief of minor muscle and joint pain, and it covers "
     "wounds, neuropathy and post-surgical care too.", "laser", "rx_only", True),
    ("It does not do miracles, but it cures arthritis.", "belt", "wellness", True),
    # wording named, reported or policed
    ("Reseller claims guide — never write: cures, heals, treats neuropathy, FDA approved, or "
     "no side effects.", "belt", "wellness", False),
    ("The FDA letter pointed out that the firm's labeling recommended its lamps for bursitis "
     "and gout, none of which appear in the cleared indications.", "belt", "otc_cleared", False),
    ("Reviews that mention sciatica, surgery or medication are held back because we can't "
     "verify medical outcomes.", "belt", "wellness", False),
    ("A dermatologist quoted in the piece cautioned that \"heals your skin from within\" is a "
     "sales line rather than a research finding.", "panel", "wellness", False),
    ("Update: we stopped saying \u201cinstant relief\u201d and now say the ache vanishes the "
     "moment you switch it on.", "belt", "wellness", True),
    # a hope denied, and a claim beside a denial that excuses nothing
    ("I bought it hoping it would fix my sciatica; it didn't, and to be fair the seller never "
     "said it would.", "belt", "wellness", False),
    ("It fixed my sciatica, and the seller never said it would.", "belt", "wellness", True),
    ("It cured my sciatica, which is a very different thing from what the box says.", "belt",
     "wellness", True),
    # implied outcomes without a claim word
    ("Walked to the shop and back without the stick, first time in years.", "belt", "wellness",
     True),
    ("Use it without the goggles only if your eyes are closed.", "panel", "wellness", False),
])
def test_symptoms_reports_and_denied_hopes(text, kind, status, is_blocked):
    found = _sentence_findings(text, kind, status, model=False)
    assert any(f.severity == "block" for f in found) is is_blocked, found


# Questions left open, courtesies, complaints about what a rep said, reports without quotes.
@pytest.mark.parametrize(("text", "kind", "status", "is_blocked"), [
    # a shopper's question asks; a rhetorical one, or one answered after it, does not
    ("Will the wrap get rid of the neuropathy in my toes, or is that hoping for too much?",
     "belt", "otc_cleared", False),
    ("Is it safe for toddlers?", "handheld", "wellness", False),
    ("Screening: do you have epilepsy, or have flashing lights ever set off a seizure?",
     "panel", "wellness", False),
    ("Did you know this wrap heals sciatica?", "belt", "wellness", True),
    ("Could this be the winter she finally gives up her anti-inflammatories?", "belt",
     "wellness", True),
    ("Is it safe for toddlers? Yes, perfectly safe for every age.", "handheld", "wellness", True),
    # a courtesy names the reader's condition; a claim inside one is still a claim
    ("So sorry about the spinal stenosis diagnosis.", "belt", "otc_cleared", False),
    ("Hello Dana, thanks for asking if the wrap works for neuropathy.", "belt", "otc_cleared",
     False),
    ("Thanks for trusting us with your sciatica, which this wrap will heal.", "belt",
     "wellness", True),
    # complaints and reports that recount someone else's claim to object to it
    ("The rep told me the panel would 'cure my fibromyalgia in weeks', which the leaflet "
     "flatly contradicts, so I want a refund.", "panel", "wellness", False),
    ("Prosecutors say the distributor sold an ordinary LED pad as a diabetes treatment to "
     "pensioners.", "belt", "wellness", False),
    ("Shoppers who were told the cap would regrow hair after chemotherapy are owed refunds "
     "under the settlement.", "panel", "wellness", False),
    ("Takedown log: removed the seller's bullet 'goggles not required' from the laser listing.",
     "laser", "rx_only", False),
    ("My rep told me it would cure my sciatica, and it did!", "belt", "wellness", True),
    ("In reply to your complaint: the reseller's line that the wand lifts your immune system "
     "is one we fully stand behind.", "handheld", "wellness", True),
    # the reader's question reported; a report judged by the next sentence
    ("You asked in your message whether the wrap could speed up healing after your hip "
     "operation.", "belt", "wellness", False),
    ("You asked if the panel treats depression in the dark months. It does, beautifully.",
     "panel", "wellness", True),
    ("You asked about sciatica: the belt heals it.", "belt", "wellness", True),
    ("Thanks for sending the video claiming red light melts tumours. That claim isn't "
     "supported by any trial.", "panel", "otc_cleared", False),
    ("Dear pharmacist: I saw an advert claiming this pad cures neuropathy. Is that true?",
     "belt", "wellness", False),
    # universal outcomes and doing a medicine's job
    ("Every horse we treat leaves the barn moving better than it came in.", "laser", "rx_only",
     True),
    ("Co-pays for injections add up; this pad costs less and does what the shots do.", "belt",
     "otc_cleared", True),
    # healing as a precondition; a warranty's term
    ("Wait until a new tattoo has fully healed before using the light over it.", "handheld",
     "wellness", False),
    ("Stop the sessions once your tendonitis has healed.", "handheld", "wellness", True),
    ("Guarantee of two years for the LEDs and one year for the battery.", "handheld",
     "wellness", False),
    # empathy names the reader's situation; what follows the turn is judged on its own
    ("I can imagine how draining the chemo months have been; please get your oncologist's "
     "go-ahead first.", "panel", "otc_cleared", False),
    ("So sorry you're living with fibromyalgia; the wrap is made for relaxation, so please "
     "don't expect it to change the flares.", "belt", "wellness", False),
    ("So sorry you're living with fibromyalgia; this wrap will calm the flares for good.",
     "belt", "wellness", True),
    ("Keep your diabetes team in charge of any change to your insulin.", "belt",
     "otc_cleared", False),
    ("No one can promise this pad helps sciatica, and we won't either.", "belt", "wellness",
     False),
    # reports by regulators and readers, and wording disowned
    ("The warning letter notes that the firm's site described its laser as treating diabetic "
     "nerve pain, a use the clearance does not cover.", "laser", "rx_only", False),
    ("A reviewer in the Q&A said the belt cured her sciatica, which we cannot verify.", "belt",
     "wellness", False),
    ("That claim you read about reversing arthritis isn't ours.", "panel", "otc_cleared",
     False),
    ("Competitors claim their pads help joints, but our belt cures arthritis.", "belt",
     "wellness", True),
    # asked, then answered yes
    ("You asked whether the panel eases depression. It does, within days.", "panel",
     "wellness", True),
    # studies of marketing, owners' threads and hopes denied
    ("Across the 25 listings we reviewed, sellers told buyers the pad heals nerve damage, yet "
     "none cited a trial.", "belt", "wellness", False),
    ("A streamer with a big following said the mask had replaced her acne cream; she disclosed "
     "the affiliate link only at the end.", "panel", "wellness", False),
    ("Is it safe to use while breastfeeding? Asking before I see my GP.", "belt", "wellness",
     False),
    ("Question for people who own one: do you use it with your physio exercises, or instead of "
     "them?", "belt", "otc_cleared", False),
    ("Can a red light wrap fix plantar fasciitis?", "belt", "wellness", False),
    ("I hoped it would fix my tennis elbow and it didn't; it's a nice warm ritual, nothing "
     "more.", "handheld", "otc_cleared", False),
    ("Stop and call your doctor if blisters appear.", "panel", "wellness", False),
    ("Book a 30-minute demo and we'll bring the goggles for your staff.", "laser", "rx_only",
     False),
    # a protocol for a condition; a medicine dropped
    ("Plantar fasciitis protocol: 10 minutes under each heel, twice a day.", "handheld",
     "otc_cleared", True),
    ("Many users stop the muscle relaxers after a month with the belt.", "belt", "otc_cleared",
     True),
    # preconditions, lawsuits and disowned reviews, hopes denied, side effects
    ("Before your first session we need your surgeon to confirm the incisions have fully "
     "closed.", "panel", "otc_cleared", False),
    ("Once the wound has closed, the wand has done its job.", "handheld", "wellness", True),
    ("The lawsuit alleges the seller told retirees a course of sessions would cure their "
     "neuropathy.", "laser", "rx_only", False),
    ("Lawyers are looking for people who bought pads advertised to treat diabetic nerve pain.",
     "belt", "wellness", False),
    ("Some buyers say it reversed their arthritis. We make no such claim.", "belt",
     "otc_cleared", False),
    ("Bought it hoping it would help my fibromyalgia; I can't say it did anything for that.",
     "belt", "wellness", False),
    ("Skin over an old injury may feel a little sore for a day after the first session; that "
     "is a normal reaction.", "laser", "rx_only", False),
    ("If you have sciatica, buy this; it knocked the pain out of my leg in a week.", "handheld",
     "otc_cleared", True),
    # research turned into a product claim, universal and refund-backed outcomes
    ("Studies show this wrap eases knee pain within a week.", "belt", "wellness", True),
    ("One study found no change in knee pain, and none tested this panel.", "panel", "wellness",
     False),
    ("Every client who completes the course walks out pain-free.", "laser", "rx_only", True),
    ("If the panel hasn't cleared your rosacea in a month, we'll refund it.", "panel",
     "wellness", True),
    ("Does red light therapy really help tennis elbow?", "handheld", "wellness", False),
    ("Using the belt over broken skin is against the instructions and voids the warranty.",
     "belt", "otc_cleared", False),
    # precautions in other words, a locked thread, research about a topic turned into a claim
    ("Skip today's session if you had a cortisone shot there this week.", "panel", "wellness",
     False),
    ("Because of your son's seizure history, please switch off the strobe mode.", "panel",
     "wellness", False),
    ("The thread was locked because replies were offering treatment advice for torn ligaments.",
     "laser", "rx_only", False),
    ("A new study on knee arthritis shows our panel rebuilds worn cartilage.", "panel",
     "otc_cleared", True),
    ("Studies in older adults show this wrap eases stiff knees.", "belt", "wellness", True),
    ("Risk-free for every body, as all the trials we read agree.", "belt", "wellness", True),
    ("Platinum-cure silicone pads, washable at 30 degrees.", "belt", "wellness", False),
    ("People with neuropathy can be burned by warmth they cannot feel, so check the skin often.",
     "belt", "otc_cleared", False),
    # reports doubted in the same sentence; a vet referral
    ("My physio says this heals torn tendons, is that true?", "handheld", "otc_cleared", False),
    ("A reviewer above says it cured her sciatica, but that's one person's experience and not "
     "something this belt is cleared for.", "belt", "otc_cleared", False),
    ("Always see your vet for lameness or swelling before using the pad.", "belt", "wellness",
     False),
    # thanks for what the reader told us; an effect claimed in the same breath stays a claim
    ("Hi Sam, thanks for mentioning your neuropathy and the numbness in your feet.", "belt",
     "otc_cleared", False),
    ("Thanks for sharing your fibromyalgia story; our belt fixes it.", "belt", "wellness", True),
])
def test_questions_courtesies_and_complaints(text, kind, status, is_blocked):
    found = _sentence_findings(text, kind, status, model=False)
    assert any(f.severity == "block" for f in found) is is_blocked, found


def test_mechanism_is_tied_only_to_a_condition_in_its_own_statement():
    split = ("Keep the handheld off his neck because of his thyroid condition; elsewhere, the "
             "light encourages stem cell activity.")
    assert rules_of(split, "handheld", "wellness") == {("mechanism-as-fact", "warn")}
    assert ("mechanism-as-fact", "block") in rules_of(
        "The light floods the cells with ATP, and that is how it rebuilds arthritic cartilage.",
        "handheld", "wellness")


def test_courtesy_openers_are_not_the_models_to_judge():
    from storefront.compliance.checker import _analysed, _term, model_may_judge
    from storefront.compliance.rules import active_rules

    citation = _term(active_rules(), "citation")
    for courtesy in ("Thank you for telling us about your husband's sciatica.",
                     "Sorry the wrap didn't help your husband's sciatica, Linda.",
                     "Thanks for asking before your knee arthroscopy."):
        assert not model_may_judge(_analysed(courtesy), citation), courtesy
    for claim in ("Thanks to the belt my sciatica is gone.",
                  "Thanks for the kind words, so glad it's helping your lower back pain!",
                  "Sorry the brace didn't do it for you, but the wrap actually treats tendonitis.",
                  "We're sorry shipping took so long, but once it's set up you'll see how it "
                  "handles stiff, achy joints."):
        assert model_may_judge(_analysed(claim), citation), claim


def test_second_opinion_reaches_caring_sentences_that_only_name_a_condition(monkeypatch):
    # The model's opinion is pinned so the test checks the mechanism, not one trained file.
    from storefront.compliance import checker as chk

    chk.clear_caches()
    monkeypatch.setattr(chk, "_model_pass_probability", lambda s, k, r: 0.985)
    caring = ("If you have sciatica or a herniated disc, please ask your doctor before using "
              "the belt, and wait until your surgeon has discharged you.")
    rules_alone = check_copy(caring, "belt", "wellness", whole_copy=False, model=False)
    with_model = check_copy(caring, "belt", "wellness", whole_copy=False)
    if any(f.severity == "block" for f in rules_alone):
        assert not any(f.severity == "block" for f in with_model), with_model
    # an effect in the blocked span is never released, whatever the model says
    for claim in ("Before use, know that it cures arthritis.",
                  "Ask your doctor, then let it heal your sciatica for good."):
        assert any(f.severity == "block" for f in check_copy(
            claim, "belt", "wellness", whole_copy=False)), claim
    # below the care threshold nothing changes
    monkeypatch.setattr(chk, "_model_pass_probability", lambda s, k, r: 0.97)
    assert [f.severity for f in check_copy(caring, "belt", "wellness", whole_copy=False)
            if f.rule != chk.MODEL_RULE] == [f.severity for f in rules_alone]
    monkeypatch.undo()
    chk.clear_caches()
