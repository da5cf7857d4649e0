"""The published JSON Schema of the seed file: valid, matching the demo file, and in step
with the marshmallow schema the loader uses."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from marshmallow import Schema, ValidationError, fields, validate

from storefront.catalog.schemas import ProductRecordSchema, Text
from storefront.seeding.json_schema import build, render
from tests.factories import laser_record, product_record

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "seed" / "products.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
DELETE = object()


def _json_errors(record: dict) -> list[str]:
    doc = {"products": [record]}
    return [f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(doc)]


def _marshmallow_errors(record: dict):
    try:
        ProductRecordSchema().load(copy.deepcopy(record))
    except ValidationError as exc:
        return exc.messages
    return None


def _with(record: dict, path: str, value) -> dict:
    """A copy of ``record`` with the dotted ``path`` set to ``value`` (or deleted)."""
    out = copy.deepcopy(record)
    *parents, last = path.split(".")
    node = out
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(last)] = value
    elif value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return out


BELT = product_record(sku="SCHEMA-BELT-1", name="Schema Belt")
LASER = laser_record(sku="SCHEMA-LASER-1", name="Schema Laser")
OTC = product_record(sku="SCHEMA-OTC-1", name="Schema OTC", regulatory={
    "status": "otc_cleared", "k_number": "K290001", "product_code": "ILY",
    "indications": "Temporary relief of minor muscle and joint pain."})
MINIMAL = {"sku": "MIN-1", "name": "Minimal", "kind": "handheld", "price": 0,
           "regulatory": {"status": "wellness"}, "wavelengths": [{"nm": 660}]}

VALID = {
    "belt": BELT,
    "laser": LASER,
    "otc": OTC,
    "minimal": MINIMAL,
    "nulls-everywhere-optional": _with(_with(_with(_with(BELT, "slug", None), "specs.irradiance", None),
                                             "oem.moq", None), "regulatory.indications", None),
    "padded-text-is-trimmed": _with(_with(BELT, "name", "  Padded name  "), "certifications", [" CE "]),
    "padded-k-number": _with(OTC, "regulatory.k_number", " K290001 "),
    "rx-only-led": _with(BELT, "regulatory", {"status": "rx_only", "indications": "As cleared."}),
    "share-missing-skips-sum": _with(BELT, "wavelengths", [{"nm": 660, "share_pct": 10}, {"nm": 850}]),
    "boundaries-low": _with(_with(_with(MINIMAL, "wavelengths", [{"nm": 200}]), "stock", 0),
                            "specs", {"irradiance": {"mw_cm2": 0.001, "distance_cm": 0},
                                      "timer_minutes": [1]}),
    "boundaries-high": _with(_with(_with(MINIMAL, "wavelengths", [{"nm": 1500, "share_pct": 100}]),
                                   "price", 100_000_000),
                             "specs", {"beam_angle_deg": 180, "timer_minutes": [240],
                                       "irradiance": {"mw_cm2": 100000, "distance_cm": 500}}),
    "pulsed-with-hz": _with(BELT, "specs.modes", [{"type": "pulsed", "hz": 40}]),
    "archived": _with(BELT, "status", "archived"),
    "float-irradiance": _with(BELT, "specs.irradiance.mw_cm2", 46.5),
    "lead-time-bounds": _with(_with(BELT, "oem.lead_time_days", 365), "oem.sample_price", 0),
    "empty-copy": _with(BELT, "copy", {}),
}

INVALID = {
    "missing-sku": _with(BELT, "sku", DELETE),
    "missing-name": _with(BELT, "name", DELETE),
    "missing-kind": _with(BELT, "kind", DELETE),
    "missing-price": _with(BELT, "price", DELETE),
    "missing-regulatory": _with(BELT, "regulatory", DELETE),
    "missing-wavelengths": _with(BELT, "wavelengths", DELETE),
    "no-wavelengths": _with(BELT, "wavelengths", []),
    "unknown-field": _with(BELT, "colour", "red"),
    "unknown-spec": _with(BELT, "specs.colour", "red"),
    "unknown-band-field": _with(BELT, "wavelengths.0.fwhm_nm", 20),
    "unknown-oem-field": _with(BELT, "oem.discount", 5),
    "unknown-copy-field": _with(BELT, "copy.tagline", "x"),
    "sku-lowercase": _with(BELT, "sku", "belt-1"),
    "sku-too-short": _with(BELT, "sku", "B"),
    "sku-starts-with-dash": _with(BELT, "sku", "-BELT"),
    "slug-with-space": _with(BELT, "slug", "bad slug"),
    "slug-uppercase": _with(BELT, "slug", "Belt"),
    "name-blank": _with(BELT, "name", "   "),
    "name-empty": _with(BELT, "name", ""),
    "name-too-long": _with(BELT, "name", "n" * 201),
    "name-null": _with(BELT, "name", None),
    "kind-unknown": _with(BELT, "kind", "lamp"),
    "status-unknown": _with(BELT, "status", "live"),
    "price-negative": _with(BELT, "price", -1),
    "price-too-high": _with(BELT, "price", 100_000_001),
    "price-string": _with(BELT, "price", "19900"),
    "price-bool": _with(BELT, "price", True),
    "price-fraction": _with(BELT, "price", 199.5),
    "currency-lowercase": _with(BELT, "currency", "usd"),
    "currency-null": _with(BELT, "currency", None),
    "stock-negative": _with(BELT, "stock", -1),
    "stock-too-high": _with(BELT, "stock", 10_000_001),
    "regulatory-unknown-status": _with(BELT, "regulatory.status", "approved"),
    "k-number-short": _with(OTC, "regulatory.k_number", "K12345"),
    "k-number-letter": _with(OTC, "regulatory.k_number", "P123456"),
    "product-code-lowercase": _with(OTC, "regulatory.product_code", "ily"),
    "otc-without-k-number": _with(OTC, "regulatory.k_number", DELETE),
    "otc-null-k-number": _with(OTC, "regulatory.k_number", None),
    "otc-without-indications": _with(OTC, "regulatory.indications", DELETE),
    "rx-blank-indications": _with(LASER, "regulatory.indications", "   "),
    "wellness-with-k-number": _with(BELT, "regulatory.k_number", "K290001"),
    "indications-too-long": _with(OTC, "regulatory.indications", "i" * 4001),
    "laser-without-class": _with(LASER, "specs.laser_class", DELETE),
    "laser-null-class": _with(LASER, "specs.laser_class", None),
    "laser-without-output": _with(LASER, "specs.optical_output_w", DELETE),
    "laser-without-specs": _with(LASER, "specs", DELETE),
    "laser-wellness": _with(LASER, "regulatory", {"status": "wellness"}),
    "belt-with-laser-class": _with(BELT, "specs.laser_class", {"us": "IV", "iec": "4"}),
    "laser-class-us-unknown": _with(LASER, "specs.laser_class.us", "4"),
    "laser-class-iec-unknown": _with(LASER, "specs.laser_class.iec", "IV"),
    "nm-too-low": _with(BELT, "wavelengths.0.nm", 199),
    "nm-too-high": _with(BELT, "wavelengths.0.nm", 1501),
    "nm-string": _with(BELT, "wavelengths.0.nm", "660"),
    "nm-fraction": _with(BELT, "wavelengths.0.nm", 660.5),
    "share-zero": _with(BELT, "wavelengths", [{"nm": 660, "share_pct": 0}, {"nm": 850}]),
    "share-over-100": _with(BELT, "wavelengths", [{"nm": 660, "share_pct": 101}, {"nm": 850}]),
    "power-zero": _with(LASER, "wavelengths.0.power_w", 0),
    "pulsed-without-hz": _with(BELT, "specs.modes", [{"type": "pulsed"}]),
    "pulsed-null-hz": _with(BELT, "specs.modes", [{"type": "pulsed", "hz": None}]),
    "cw-with-hz": _with(BELT, "specs.modes", [{"type": "cw", "hz": 10}]),
    "cw-with-duty-cycle": _with(BELT, "specs.modes", [{"type": "cw", "duty_cycle_pct": 50}]),
    "mode-unknown": _with(BELT, "specs.modes", [{"type": "strobe"}]),
    "hz-zero": _with(BELT, "specs.modes", [{"type": "pulsed", "hz": 0}]),
    "duty-over-100": _with(BELT, "specs.modes", [{"type": "pulsed", "hz": 10, "duty_cycle_pct": 101}]),
    "irradiance-without-distance": _with(BELT, "specs.irradiance.distance_cm", DELETE),
    "irradiance-zero": _with(BELT, "specs.irradiance.mw_cm2", 0),
    "distance-too-far": _with(BELT, "specs.irradiance.distance_cm", 501),
    "distance-negative": _with(BELT, "specs.irradiance.distance_cm", -1),
    "method-too-long": _with(BELT, "specs.irradiance.method", "m" * 301),
    "led-count-zero": _with(BELT, "specs.led_count", 0),
    "led-count-fraction": _with(BELT, "specs.led_count", 120.5),
    "beam-angle-over-180": _with(BELT, "specs.beam_angle_deg", 181),
    "weight-zero": _with(BELT, "specs.weight_g", 0),
    "output-over-500": _with(LASER, "specs.optical_output_w", 501),
    "timer-zero": _with(BELT, "specs.timer_minutes", [0]),
    "timer-over-240": _with(BELT, "specs.timer_minutes", [241]),
    "timer-fraction": _with(BELT, "specs.timer_minutes", [7.5]),
    "dimensions-without-height": _with(BELT, "specs.dimensions_mm.height", DELETE),
    "specs-null": _with(BELT, "specs", None),
    "modes-null": _with(BELT, "specs.modes", None),
    "oem-null": _with(BELT, "oem", None),
    "copy-null": _with(BELT, "copy", None),
    "certifications-null": _with(BELT, "certifications", None),
    "certification-blank": _with(BELT, "certifications", ["  "]),
    "certification-too-long": _with(BELT, "certifications", ["c" * 81]),
    "packaging-empty": _with(BELT, "oem.packaging", [""]),
    "precaution-too-long": _with(BELT, "precautions", ["p" * 501]),
    "private-label-string": _with(BELT, "oem.private_label", "yes"),
    "moq-zero": _with(BELT, "oem.moq", 0),
    "lead-time-over-365": _with(BELT, "oem.lead_time_days", 366),
    "sample-price-negative": _with(BELT, "oem.sample_price", -1),
    "tier-min-qty-zero": _with(BELT, "oem.tiers", [{"min_qty": 0, "unit_price": 100}]),
    "tier-negative-price": _with(BELT, "oem.tiers", [{"min_qty": 1, "unit_price": -1}]),
    "tier-missing-price": _with(BELT, "oem.tiers", [{"min_qty": 1}]),
    "headline-too-long": _with(BELT, "copy.headline", "h" * 201),
    "summary-too-long": _with(BELT, "copy.summary", "s" * 2001),
    "body-too-long": _with(BELT, "copy.body", "b" * 50001),
    "body-null": _with(BELT, "copy.body", None),
}

# Rules that compare items of one array with each other: JSON Schema cannot state them, so
# the schema documents them in $comment and only `seed load` enforces them.
CROSS_ITEM = {
    "shares-do-not-add-up": _with(BELT, "wavelengths", [{"nm": 660, "share_pct": 50},
                                                        {"nm": 850, "share_pct": 40}]),
    "duplicate-wavelength": _with(BELT, "wavelengths", [{"nm": 660}, {"nm": 660}]),
    "tiers-descend": _with(BELT, "oem.tiers", [{"min_qty": 100, "unit_price": 900},
                                               {"min_qty": 50, "unit_price": 800}]),
    "tier-price-rises": _with(BELT, "oem.tiers", [{"min_qty": 100, "unit_price": 800},
                                                  {"min_qty": 500, "unit_price": 900}]),
}


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["additionalProperties"] is False
    assert SCHEMA["$defs"]["product"]["additionalProperties"] is False


def test_demo_catalogue_validates_against_the_schema():
    doc = json.loads((ROOT / "seed" / "products.json").read_text(encoding="utf-8"))
    assert doc["$schema"] == "./products.schema.json"
    errors = [f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(doc)]
    assert errors == []


def test_generated_catalogue_validates_against_the_schema():
    sys.path.insert(0, str(ROOT / "bench"))
    from gen_catalogue import generate

    errors = [f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(generate(150, seed=7))]
    assert errors == []


def test_schema_refuses_unknown_top_level_keys_and_missing_products():
    assert list(VALIDATOR.iter_errors({"products": [], "extra": 1}))
    assert list(VALIDATOR.iter_errors({}))
    assert not list(VALIDATOR.iter_errors({"$schema": "./products.schema.json", "products": []}))


@pytest.mark.parametrize("name", sorted(VALID))
def test_both_schemas_accept(name):
    record = VALID[name]
    assert _marshmallow_errors(record) is None
    assert _json_errors(record) == []


@pytest.mark.parametrize("name", sorted(INVALID))
def test_both_schemas_refuse(name):
    record = INVALID[name]
    assert _marshmallow_errors(record) is not None, "marshmallow accepted it"
    assert _json_errors(record), "JSON Schema accepted it"


@pytest.mark.parametrize("name", sorted(CROSS_ITEM))
def test_cross_item_rules_are_left_to_the_loader(name):
    record = CROSS_ITEM[name]
    assert _json_errors(record) == []
    assert _marshmallow_errors(record) is not None
    assert "seed load" in SCHEMA["$comment"]


def test_json_schema_counts_integral_floats_as_integers():
    # A JSON Schema "integer" includes 5.0; the loader insists on 5. Documented in $comment.
    record = _with(BELT, "price", 19900.0)
    assert _json_errors(record) == []
    assert _marshmallow_errors(record) == {"price": ["Not a valid integer."]}
    assert "5.0" in SCHEMA["$comment"]


def test_oem_flags_must_be_json_booleans():
    record = _with(BELT, "oem.private_label", 1)
    assert _json_errors(record)
    assert _marshmallow_errors(record) is not None


def test_k_number_digits_are_ascii():
    record = _with(OTC, "regulatory.k_number", "K\u0661\u0662\u0663\u0664\u0665\u0666")
    assert _json_errors(record)
    assert _marshmallow_errors(record) is not None


# --- the committed file is generated from the marshmallow schema -----------------------

def test_committed_schema_is_what_the_generator_writes():
    committed = (ROOT / "seed" / "products.schema.json").read_text(encoding="utf-8")
    assert committed == render(), "seed/products.schema.json is stale: run `storefront seed schema`"


def test_seed_schema_command_writes_and_checks(app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "products.schema.json"
    written = runner.invoke(args=["seed", "schema", str(path)])
    assert written.exit_code == 0, written.output
    assert path.read_text(encoding="utf-8") == render()
    assert runner.invoke(args=["seed", "schema", str(path), "--check"]).exit_code == 0
    path.write_text(render().replace('"minItems": 1', '"minItems": 2'), encoding="utf-8")
    stale = runner.invoke(args=["seed", "schema", str(path), "--check"])
    assert stale.exit_code == 1
    assert "out of date" in stale.output
    printed = runner.invoke(args=["seed", "schema", "-"])
    assert json.loads(printed.output) == build()


def test_rules_become_if_then_in_declaration_order():
    conditions = [entry["if"] for entry in SCHEMA["$defs"]["product"]["allOf"]]
    kinds = [c["properties"].get("kind") for c in conditions]
    assert kinds[:2] == [{"const": "laser"}, {"not": {"const": "laser"}}]
    assert len(conditions) == len({r.when for r in ProductRecordSchema.rules})


def test_generator_refuses_what_it_cannot_translate():
    class Custom(Schema):
        code = fields.String(validate=lambda v: v.isupper())

    class Unanchored(Schema):
        code = fields.String(validate=validate.Regexp(r"[A-Z]+"))

    for schema in (Custom, Unanchored):
        with pytest.raises(TypeError):
            build(schema)


@pytest.mark.parametrize(("lo", "hi", "good", "bad"), [
    (0, 3, ["", "  ", " abc ", "a"], ["abcd"]),
    (1, 3, ["a", " a b "], ["", "   ", "abcd"]),
    (2, None, ["ab", " a  b "], ["a", "  a  "]),
    (3, 3, [" abc "], ["ab", "abcd"]),
])
def test_trimmed_length_patterns_match_strip(lo, hi, good, bad):
    class S(Schema):
        t = Text(validate=validate.Length(equal=lo) if lo == hi else validate.Length(lo, hi))

    validator = Draft202012Validator(build(S))
    for value in good + bad:
        json_ok = validator.is_valid({"t": value})
        try:
            S().load({"t": value})
            marshmallow_ok = True
        except ValidationError:
            marshmallow_ok = False
        assert json_ok == marshmallow_ok == (value in good), value
