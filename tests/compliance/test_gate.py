"""The publication gate: copy fields plus regulatory facts."""

from __future__ import annotations

import pytest

from storefront.compliance import GateReport, ProductFacts, check_product

ILY = ("Temporary relief of minor muscle and joint pain and stiffness, minor arthritis pain, "
       "muscle spasm; temporary increase in local blood circulation.")
GOOD_BODY = ("## What it is\n\n180 LEDs at 660 nm and 850 nm.\n\n"
             "Not intended to diagnose, treat, cure or prevent any disease. See Precautions.\n")


def facts(**kw) -> ProductFacts:
    base = dict(sku="SKU-1", kind="belt", regulatory="wellness", wavelengths_nm=[660, 850])
    base.update(kw)
    return ProductFacts(**base)


def laser(**kw) -> ProductFacts:
    base = dict(sku="LASER-1", kind="laser", regulatory="rx_only", k_number="K123456",
                indications=ILY, wavelengths_nm=[810, 980], laser_class_us="IV",
                laser_class_iec="4", optical_output_w=15.0, beam_divergence_mrad=180,
                spot_size_mm=30)
    base.update(kw)
    return ProductFacts(**base)


def copy(headline="A 660/850 nm belt for your evening routine", summary="180 LEDs; 10-minute timer.",
         body=GOOD_BODY):
    return {"headline": headline, "summary": summary, "body": body}


def test_clean_wellness_product_passes():
    report = check_product(facts(), copy())
    assert isinstance(report, GateReport)
    assert not report.blocking and report.findings == () and report.problems == ()
    d = report.to_dict()
    assert d["blocking"] is False and d["findings"] == [] and d["problems"] == []


def test_findings_are_reported_per_field_with_spans_into_that_field():
    body = GOOD_BODY + "\nIt **heals** sciatica.\n"
    report = check_product(facts(), copy(headline="Relieves back pain", body=body))
    assert report.blocking
    by_field = {(f.field, f.finding.rule) for f in report.findings}
    assert ("headline", "wellness-medical-mix") in by_field
    assert ("body", "serious-condition") in by_field
    for ff in report.findings:
        text = copy(headline="Relieves back pain", body=body)[ff.field]
        assert text[ff.finding.start:ff.finding.end]
    assert {"field", "rule", "severity", "scope", "start", "end", "message", "suggestion",
            "rewrite"} == set(
        report.to_dict()["findings"][0])


def test_warnings_do_not_block():
    report = check_product(facts(), copy(summary="Clinically proven. Results vary."))
    assert not report.blocking
    assert [w.finding.rule for w in report.warnings] == ["proof-claim"]


@pytest.mark.parametrize("kw,field", [
    (dict(regulatory="otc_cleared", indications=ILY), "k_number"),
    (dict(regulatory="otc_cleared", k_number="K12345", indications=ILY), "k_number"),
    (dict(regulatory="otc_cleared", k_number="K123456"), "indications"),
    (dict(regulatory="rx_only", k_number="K123456"), "indications"),
    (dict(regulatory="wellness", k_number="K123456"), "k_number"),
    (dict(wavelengths_nm=[]), "wavelengths_nm"),
    (dict(kind="toaster"), "kind"),
    (dict(regulatory="approved"), "regulatory"),
])
def test_missing_regulatory_data_is_a_problem(kw, field):
    report = check_product(facts(**kw), copy())
    assert report.blocking
    assert field in {p.field for p in report.problems}, report.problems


@pytest.mark.parametrize("kw,field", [
    (dict(regulatory="wellness", k_number=None, indications=None), "regulatory"),
    (dict(laser_class_us=None, laser_class_iec=None), "laser_class"),
    (dict(optical_output_w=None), "optical_output_w"),
    (dict(regulatory="otc_cleared"), "regulatory"),
])
def test_laser_problems(kw, field):
    report = check_product(laser(**kw), copy(body=GOOD_BODY + "\nRx only.\n"))
    assert field in {p.field for p in report.problems}, report.problems


def test_cleared_product_may_quote_its_indications():
    body = f"FDA-cleared (K123456) for: \u201c{ILY}\u201d Results vary; see Precautions.\n"
    report = check_product(facts(regulatory="otc_cleared", k_number="K123456", indications=ILY),
                           copy(headline="An FDA-cleared 660/850 nm wrap", body=body))
    assert not report.blocking, report.to_dict()


def test_rx_only_statement_is_checked_on_the_combined_copy():
    no_rx = check_product(laser(), copy(headline="A class 4 laser", body="For clinics.\n"))
    assert [(f.field, f.finding.rule) for f in no_rx.blocks] == [("copy", "rx-only-statement")]
    in_summary = check_product(laser(), copy(headline="A class 4 laser", summary="Rx only.",
                                             body="For clinics.\n"))
    assert not in_summary.blocking, in_summary.to_dict()


def test_staff_precaution_lines_are_checked_too():
    report = check_product(facts(extra_precautions=["Store dry.", "Safe for all ages."]), copy())
    assert [(f.field, f.finding.rule) for f in report.findings] == [
        ("precautions[1]", "vulnerable-groups")]


def test_facts_from_mapping_ignores_unknown_keys():
    f = ProductFacts.from_mapping({"sku": "X", "kind": "panel", "regulatory": "wellness",
                                   "wavelengths_nm": [660], "price": 100})
    assert f.sku == "X" and f.wavelengths_nm == [660]
