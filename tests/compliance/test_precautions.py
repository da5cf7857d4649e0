"""The precautions block: contents per product facts and the laser hazard numbers."""

from __future__ import annotations

import dataclasses
import json
import math
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from storefront.compliance import ProductFacts, build_precautions, check_copy
from storefront.compliance.precautions import (
    EXCLUSIVE,
    PrecautionLine,
    Precautions,
    PrecautionSection,
    contradictions,
    mpe_w_m2,
    nohd_m,
    required_od,
)


def facts(**kw) -> ProductFacts:
    base = dict(sku="SKU-1", kind="belt", regulatory="wellness", wavelengths_nm=[660])
    base.update(kw)
    return ProductFacts(**base)


def laser(**kw) -> ProductFacts:
    base = dict(sku="L-1", kind="laser", regulatory="rx_only", k_number="K123456",
                indications="Temporary relief of minor muscle and joint pain.",
                wavelengths_nm=[810, 980], laser_class_us="IV", laser_class_iec="4",
                optical_output_w=15.0, beam_divergence_mrad=200, beam_diameter_mm=5)
    base.update(kw)
    return ProductFacts(**base)


def ids(p) -> set[str]:
    return {ln.id for ln in p.lines}


def test_every_light_device_gets_general_and_contraindication_lines():
    p = build_precautions(facts())
    assert [s.id for s in p.sections] == ["general", "contraindications"]
    assert {"general.eyes", "general.physician", "general.unattended", "general.children",
            "general.balms", "general.timer"} <= ids(p)
    assert {"contra.malignancy", "contra.thyroid", "contra.pregnancy", "contra.photosensitivity",
            "contra.tattoos", "contra.sensation", "contra.implants", "contra.steroid"} <= ids(p)
    assert all(ln.mandatory for ln in p.lines)
    assert p.eyewear == () and p.nohd_m is None and p.laser_label is None


@pytest.mark.parametrize("nms,expect", [([630, 660], False), ([660, 700], True), ([850], True)])
def test_nir_section_when_any_band_is_at_least_700_nm(nms, expect):
    p = build_precautions(facts(wavelengths_nm=nms))
    assert (p.section("nir") is not None) is expect
    if expect:
        text = " ".join(ln.text for ln in p.section("nir").lines)
        assert "diabetes" in text and "open wounds" in text and "blink reflex" in text


def test_pulsed_section_names_the_flicker_range_and_in_range_frequencies():
    assert build_precautions(facts()).section("pulsed") is None
    p = build_precautions(facts(pulsed_hz=[10.0, 40.0, 1000.0]))
    lines = [ln.text for ln in p.section("pulsed").lines]
    assert "photosensitive epilepsy" in lines[0] and "3 and 30 Hz" in lines[0]
    assert lines[1] == "This device pulses at 10 Hz, inside that range."
    p2 = build_precautions(facts(pulsed_hz=[40.0]))
    assert [ln.id for ln in p2.section("pulsed").lines] == ["pulsed.epilepsy"]


def test_class_4_laser_section():
    p = build_precautions(laser())
    section = p.section("laser")
    assert section.title == "Class 4 laser safety"
    assert {"laser.eyewear.810", "laser.eyewear.980", "laser.nohd", "laser.aim", "laser.area",
            "laser.operator", "laser.controls", "laser.moving", "laser.fire",
            "laser.label"} <= {ln.id for ln in section.lines}
    assert [(e.nm, e.od) for e in p.eyewear] == [(810, 5), (980, 5)]
    assert "OD \u2265 5 at 980 nm" in p.render_text()
    assert p.section("prescription").lines[0].text.startswith("Rx only.")
    assert p.laser_label.startswith("DANGER \u2013 INVISIBLE LASER RADIATION")
    assert "CLASS IV LASER PRODUCT (IEC 60825-1 CLASS 4)" in p.laser_label
    assert "MAXIMUM OUTPUT 15 W" in p.laser_label and "810 / 980 nm" in p.laser_label
    d = p.to_dict()
    assert d["eyewear"] == [{"nm": 810, "od": 5}, {"nm": 980, "od": 5}]
    assert d["nohd_m"] == p.nohd_m


def test_class_3b_laser_uses_the_3b_label():
    p = build_precautions(laser(laser_class_us="IIIb", laser_class_iec="3B", optical_output_w=0.5,
                                wavelengths_nm=[660]))
    assert p.section("laser").title == "Class 3B laser safety"
    assert "AVOID EXPOSURE TO THE BEAM" in p.laser_label and "CLASS IIIb" in p.laser_label
    assert "VISIBLE" not in p.laser_label.replace("LASER RADIATION", "")


def test_lower_class_laser_gets_label_but_not_the_hazard_section():
    p = build_precautions(laser(laser_class_us="I", laser_class_iec="1", regulatory="otc_cleared",
                                optical_output_w=0.005))
    assert p.section("laser").title == "Laser" and p.eyewear == () and p.nohd_m is None
    assert p.section("prescription") is None


# --- the numbers -----------------------------------------------------------------------

@pytest.mark.parametrize("nm,t,expected_mw_cm2", [
    (650, 0.25, 2.55),   # the classic 2.5 mW/cm² visible limit
    (810, 10, 1.68),
    (980, 10, 3.67),
    (1064, 10, 5.06),
    (1300, 10, 40.5),    # C_C = 8
    (1470, 10, 99.6),    # corneal band
])
def test_mpe_matches_published_values(nm, t, expected_mw_cm2):
    assert mpe_w_m2(nm, t) / 10 == pytest.approx(expected_mw_cm2, rel=0.01)


def test_mpe_correction_factors_are_continuous():
    # C_A reaches 10^0.7 = 5.01 at 1050 nm where the standard switches to 5: 0.2 % step
    assert mpe_w_m2(1049.999, 10) == pytest.approx(mpe_w_m2(1050, 10), rel=5e-3)
    # C_C reaches 10^0.9 = 7.94 at 1200 nm where the standard switches to 8
    assert mpe_w_m2(1199.999, 10) == pytest.approx(mpe_w_m2(1200, 10), rel=1e-2)
    assert mpe_w_m2(700, 10) == pytest.approx(mpe_w_m2(699.999, 10), rel=1e-3)
    assert mpe_w_m2(350) is None and mpe_w_m2(2000) is None


def test_od_formula():
    # 15 W through the 7 mm limiting aperture at 980 nm: log10(3.9e5 / 36.7) = 4.03 -> OD 5
    assert required_od(980, 15.0, 5.0) == 5
    h0 = 15.0 / (math.pi * 0.0035 ** 2)
    assert required_od(980, 15.0, None) == math.ceil(math.log10(h0 / mpe_w_m2(980)))
    # a wide beam spreads the power: log10(15 W / (π·(15 mm)²) / 36.7) = 2.76 -> OD 3
    assert required_od(980, 15.0, 30.0) == 3
    # a 0.5 W 3B laser at 810 nm
    assert required_od(810, 0.5, 2.0) == 3
    # clamped to a sensible range
    assert required_od(980, 1e-9, None) == 1
    assert required_od(980, 1e12, None) == 10
    assert required_od(300, 15.0, None) is None


def test_nohd_formula():
    d = nohd_m(980, 15.0, 200, 5.0)
    expected = (math.sqrt(4 * 15.0 / (math.pi * mpe_w_m2(980))) - 0.005) / 0.2
    assert d == pytest.approx(expected) and 3.0 < d < 4.0
    assert nohd_m(980, 15.0, None, 5.0) is None
    assert nohd_m(980, 1e-6, 200, 5.0) == 0.0
    # the block reports the worst wavelength, rounded up to 0.1 m
    p = build_precautions(laser())
    worst = max(nohd_m(nm, 15.0, 200, 5.0) for nm in (810, 980))
    assert p.nohd_m == math.ceil(worst * 10) / 10
    assert f"{p.nohd_m:g} m (at 810 nm)" in p.render_text()


def test_unknown_divergence_makes_the_whole_room_the_hazard_zone():
    p = build_precautions(laser(beam_divergence_mrad=None))
    assert p.nohd_m is None
    assert "whole room" in next(ln.text for ln in p.lines if ln.id == "laser.nohd")


def test_unknown_output_still_demands_eyewear():
    p = build_precautions(laser(optical_output_w=None))
    assert [e.od for e in p.eyewear] == [None, None]
    assert "laser.eyewear.810" in ids(p)


# --- staff lines -----------------------------------------------------------------------

def test_staff_lines_are_appended_as_non_mandatory_and_deduplicated():
    f = facts(extra_precautions=["Store in a dry place.", "Do not use over tattoos."])
    p = build_precautions(f, extra_lines=["store in a dry place", "  Clean the pad weekly.  ", ""])
    extra = p.section("additional")
    assert extra.title == "Additional precautions"
    assert [(ln.text, ln.mandatory) for ln in extra.lines] == [
        ("Store in a dry place.", False), ("Clean the pad weekly.", False)]
    assert p.sections[-1].id == "additional"


def test_mandatory_lines_cannot_be_removed():
    base = build_precautions(laser())
    with_extra = build_precautions(laser(), extra_lines=["Anything at all."])
    assert [ln.id for ln in base.mandatory_lines] == [ln.id for ln in with_extra.mandatory_lines]
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.sections = ()
    assert isinstance(base.sections, tuple) and isinstance(base.sections[0].lines, tuple)


def test_render_text_and_to_dict():
    p = build_precautions(facts(wavelengths_nm=[660, 850], pulsed_hz=[10]))
    text = p.render_text()
    assert text.startswith("PRECAUTIONS\n\nGeneral\n- ")
    for s in p.sections:
        assert s.title in text
        for ln in s.lines:
            assert f"- {ln.text}" in text
    d = p.to_dict()
    assert d["sections"][0]["lines"][0] == {"id": "general.eyes", "text": p.lines[0].text,
                                           "mandatory": True}


@pytest.mark.parametrize("f", [facts(), facts(wavelengths_nm=[660, 850], pulsed_hz=[10]),
                               laser(), laser(pulsed_hz=[20, 1000])])
def test_precautions_pass_the_copy_checker(f):
    # The mandatory lines name conditions; they must read as precautions, not claims.
    findings = check_copy(build_precautions(f).render_text(), f.kind, f.regulatory,
                          k_number=f.k_number, indications=f.indications, markdown=False)
    assert findings == []


# --- one audience per block: no lines that cannot both hold ----------------------------

SEED = Path(__file__).resolve().parents[2] / "seed" / "products.json"
CONSUMER_GENERAL = {f"general.{k}" for k in ("eyes", "physician", "unattended", "children",
                                               "balms", "timer")}
LAY_ONLY = CONSUMER_GENERAL - {"general.balms"}  # the balms line suits both audiences
PRO_GENERAL = {f"general.pro-{k}" for k in ("eyes", "assessment", "unattended", "children",
                                            "timer")} | {"general.balms"}
PRO_CONTRA = {"contra.malignancy", "contra.thyroid", "contra.pregnancy",
              "contra.photosensitivity-patient", "contra.tattoos", "contra.sensation",
              "contra.implants-patient", "contra.steroid"}
# Wording addressed to a lay user running the device on themselves.
LAY_WORDING = ("not a toy", "children may use", "supplied goggles", "consult a physician",
               "ask your doctor", "protect your eyes", "if you ")


def seed_facts() -> list[ProductFacts]:
    """Facts for every demo product, built the way the product page builds them."""
    from storefront.catalog.gate import facts_from_record
    from storefront.seeding.loader import validate_document

    records, errors, _ = validate_document(json.loads(SEED.read_text(encoding="utf-8")),
                                           gate=False)
    assert not errors, errors[:5]
    return [facts_from_record(rec) for rec in records]


def texts(p) -> str:
    return " ".join(ln.text for ln in p.lines).casefold()


def otc_belt(**kw) -> ProductFacts:
    return facts(sku="B-OTC", kind="belt", regulatory="otc_cleared", k_number="K123456",
                 indications="Temporary relief of minor muscle and joint pain.",
                 wavelengths_nm=[660, 850], pulsed_hz=[10.0, 40.0], **kw)


def test_every_demo_product_has_a_block_without_contradictions():
    all_facts = seed_facts()
    assert len(all_facts) >= 24
    audiences = set()
    for f in all_facts:
        p = build_precautions(f)
        audiences.add(p.audience)
        assert contradictions(p) == [], (f.sku, contradictions(p))
        if f.is_hazard_laser or f.regulatory == "rx_only":
            assert p.audience == "professional", f.sku
            assert not any(w in texts(p) for w in LAY_WORDING), f.sku
            assert PRO_GENERAL | PRO_CONTRA | {"rx.statement"} <= ids(p), f.sku
        else:
            assert p.audience == "consumer", f.sku
            assert CONSUMER_GENERAL <= ids(p), f.sku
            assert not any(i.startswith("general.pro-") for i in ids(p)), f.sku
            assert "rx.statement" not in ids(p), f.sku
    assert audiences == {"consumer", "professional"}  # the demo has both kinds


def test_exclusion_table_names_lines_the_builder_makes():
    # A pattern that matches nothing would silently stop guarding anything.
    made = set()
    for f in [*seed_facts(), otc_belt(), laser(laser_class_us="IIIb", laser_class_iec="3B"),
              facts(kind="panel", regulatory="rx_only", k_number="K123456", indications="x",
                    wavelengths_nm=[660, 850], pulsed_hz=[10])]:
        made |= ids(build_precautions(f))
    for a, b, why in EXCLUSIVE:
        assert why
        assert any(fnmatchcase(i, a) for i in made), a
        assert any(fnmatchcase(i, b) for i in made), b


def test_contradictions_are_detected():
    lines = tuple(PrecautionLine(i, i) for i in ("general.children", "general.eyes",
                                                 "laser.operator", "laser.eyewear.980"))
    p = Precautions("X", (PrecautionSection("s", "S", lines),))
    found = {(a, b) for a, b, _ in contradictions(p)}
    assert found == {("general.children", "laser.operator"),
                     ("general.eyes", "laser.eyewear.980")}
    # Staff lines on a professional block may not bring the consumer wording back ...
    bad = ["Children may use it under adult supervision.", "Wear the supplied goggles.",
           "Consult a physician before use.", "Not a toy."]
    p = build_precautions(laser(), extra_lines=bad)
    assert [a for a, b, _ in contradictions(p)] == [f"additional.{i}" for i in range(1, 5)]
    # ... while on a consumer block they are ordinary (duplicate lines are dropped anyway).
    assert contradictions(build_precautions(facts(), extra_lines=bad)) == []


def test_class_4_laser_block_is_for_the_practitioner():
    p = build_precautions(laser(pulsed_hz=[20.0, 1000.0]))
    assert p.audience == "professional"
    assert contradictions(p) == []
    assert [s.id for s in p.sections] == ["general", "contraindications", "nir", "pulsed",
                                          "laser", "prescription"]
    assert p.section("general").title == "General (for the practitioner)"
    assert p.section("contraindications").title == "Do not treat"
    assert PRO_GENERAL | PRO_CONTRA <= ids(p)
    assert not LAY_ONLY & ids(p) and "general.pro-user" not in ids(p)
    assert {"laser.operator", "laser.area", "laser.controls", "laser.nohd", "laser.eyewear.810",
            "laser.eyewear.980", "rx.statement", "nir.invisible-room",
            "pulsed.epilepsy-room", "pulsed.in-range"} <= ids(p)
    t = texts(p)
    assert not any(w in t for w in LAY_WORDING)
    assert "operator, patient, observers" in t and "od \u2265 5 at 980 nm" in t
    assert "key" in t and "interlock" in t and "do not treat infants" in t
    assert "patient or anyone else in the room has photosensitive epilepsy" in t
    assert "eye protection stays on for everyone in the room" in t


def test_class_3b_laser_block_is_for_the_practitioner():
    p = build_precautions(laser(laser_class_us="IIIb", laser_class_iec="3B", optical_output_w=0.5,
                                wavelengths_nm=[660], beam_diameter_mm=2))
    assert p.audience == "professional" and contradictions(p) == []
    assert p.section("laser").title == "Class 3B laser safety"
    assert PRO_GENERAL | PRO_CONTRA | {"laser.operator", "laser.eyewear.660",
                                       "rx.statement"} <= ids(p)
    assert p.section("nir") is None  # 660 nm only
    assert not LAY_ONLY & ids(p)
    assert not any(w in texts(p) for w in LAY_WORDING)


def test_otc_led_belt_with_nir_and_pulsed_modes_is_for_the_consumer():
    p = build_precautions(otc_belt())
    assert p.audience == "consumer" and contradictions(p) == []
    assert [s.id for s in p.sections] == ["general", "contraindications", "nir", "pulsed"]
    assert CONSUMER_GENERAL <= ids(p)
    assert {"contra.photosensitivity", "contra.implants", "nir.burns", "nir.wounds",
            "nir.invisible", "pulsed.epilepsy", "pulsed.in-range"} <= ids(p)
    assert not any(i.startswith("general.pro-") or i.endswith(("-patient", "-room"))
                   for i in ids(p))
    t = texts(p)
    assert "supplied goggles" in t and "consult a physician" in t and "not a toy" in t
    assert "practitioner" not in t and "rx only" not in t and "operator" not in t
    assert "This device pulses at 10 Hz, inside that range." in p.render_text()


def test_wellness_panel_is_for_the_consumer():
    p = build_precautions(facts(sku="P-1", kind="panel", wavelengths_nm=[630, 660, 850]))
    assert p.audience == "consumer" and contradictions(p) == []
    assert [s.id for s in p.sections] == ["general", "contraindications", "nir"]
    assert p.section("general").title == "General" and p.section("contraindications").title == "Do not use"
    assert CONSUMER_GENERAL <= ids(p)
    assert p.eyewear == () and p.laser_label is None


def test_rx_only_led_system_is_for_the_practitioner_without_laser_lines():
    p = build_precautions(facts(kind="panel", regulatory="rx_only", k_number="K123456",
                                indications="x", wavelengths_nm=[660, 850]))
    assert p.audience == "professional" and contradictions(p) == []
    assert PRO_GENERAL | PRO_CONTRA | {"general.pro-user", "rx.statement"} <= ids(p)
    assert p.section("laser") is None and p.eyewear == ()
    t = texts(p)
    assert not any(w in t for w in LAY_WORDING) and "key" not in t


def test_low_class_otc_laser_is_for_the_consumer():
    p = build_precautions(laser(laser_class_us="I", laser_class_iec="1", regulatory="otc_cleared",
                                optical_output_w=0.005))
    assert p.audience == "consumer" and contradictions(p) == []
    assert CONSUMER_GENERAL <= ids(p) and "laser.aim" in ids(p)


@pytest.mark.parametrize("f", [
    otc_belt(), facts(kind="panel", regulatory="rx_only", k_number="K123456", indications="x",
                      wavelengths_nm=[660, 850], pulsed_hz=[10]),
    laser(laser_class_us="IIIb", laser_class_iec="3B", optical_output_w=0.5, wavelengths_nm=[660]),
])
def test_every_audience_passes_the_copy_checker(f):
    findings = check_copy(build_precautions(f).render_text(), f.kind, f.regulatory,
                          k_number=f.k_number, indications=f.indications, markdown=False)
    assert findings == []
