"""The demo catalogue loads cleanly and honestly; the synthetic generator makes valid files."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.seeding.loader import validate_document

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "seed" / "products.json"
sys.path.insert(0, str(ROOT / "bench"))

from gen_catalogue import generate  # noqa: E402


@pytest.fixture(scope="module")
def demo() -> list[dict]:
    return json.loads(DEMO.read_text(encoding="utf-8"))["products"]


def _summary(output: str) -> dict[str, int]:
    m = re.search(r"(\d+) products: (\d+) created, (\d+) updated, (\d+) unchanged, (\d+) pruned; "
                  r"(\d+) warning", output)
    assert m, output
    keys = ("products", "created", "updated", "unchanged", "pruned", "warnings")
    return dict(zip(keys, map(int, m.groups()), strict=True))


def test_demo_catalogue_loads_then_is_unchanged_and_round_trips(cli_runner, db_session, demo,
                                                                 tmp_path):
    first = cli_runner.invoke(args=["seed", "load", str(DEMO)])
    assert first.exit_code == 0, first.output
    n = len(demo)
    assert n >= 24
    assert _summary(first.output) == {"products": n, "created": n, "updated": 0, "unchanged": 0,
                                      "pruned": 0, "warnings": 0}

    kinds = Counter(p.kind.value for p in db_session.scalars(select(Product)))
    assert set(kinds) == {"belt", "handheld", "panel", "laser"}
    assert sum(kinds.values()) == n

    second = cli_runner.invoke(args=["seed", "load", str(DEMO)])
    assert second.exit_code == 0, second.output
    assert _summary(second.output)["unchanged"] == n

    exported = tmp_path / "export.json"
    out = cli_runner.invoke(args=["seed", "export", str(exported)])
    assert out.exit_code == 0, out.output
    again = cli_runner.invoke(args=["seed", "load", str(exported)])
    assert again.exit_code == 0, again.output
    assert _summary(again.output)["unchanged"] == n

    original, errors, _ = validate_document(json.loads(DEMO.read_text(encoding="utf-8")), gate=False)
    assert not errors
    round_tripped, errors, _ = validate_document(json.loads(exported.read_text(encoding="utf-8")),
                                                 gate=False)
    assert not errors
    assert sorted(round_tripped, key=lambda r: r["sku"]) == sorted(original, key=lambda r: r["sku"])


def test_demo_catalogue_passes_the_gate_without_warnings(demo):
    records, errors, warnings = validate_document({"products": demo})
    assert errors == []
    assert warnings == []
    assert len(records) == len(demo)


def test_contract_example_skus_are_orderable(demo):
    by_sku = {p["sku"]: p for p in demo}
    for sku, kind in (("BELT-660-850", "belt"), ("PANEL-5W-300", "panel")):
        p = by_sku[sku]
        assert p["kind"] == kind
        assert p["status"] == "published"
        assert p["regulatory"]["status"] != "rx_only"
        assert p["stock"] > 0
    assert by_sku["PANEL-5W-300"]["oem"]["private_label"] is True
    assert by_sku["PANEL-5W-300"]["oem"]["custom_wavelengths"] is True


def test_demo_catalogue_is_varied_and_realistic(demo):
    statuses = Counter(p["status"] for p in demo)
    assert statuses["draft"] in (1, 2) and statuses["published"] >= len(demo) - 2
    assert sum(p["stock"] == 0 for p in demo) >= 2
    assert sum(0 < p["stock"] <= 5 for p in demo) >= 2
    regulatory = Counter(p["regulatory"]["status"] for p in demo)
    assert regulatory["otc_cleared"] >= 2 and regulatory["wellness"] > regulatory["otc_cleared"]
    for p in demo:
        words = len(p["copy"]["body"].split())
        assert 80 <= words <= 250, (p["sku"], words)
        assert "see Precautions" in p["copy"]["body"], p["sku"]
        assert isinstance(p["price"], int) and p["price"] > 0
        tiers = p["oem"]["tiers"]
        assert tiers and all(a["min_qty"] < b["min_qty"] and a["unit_price"] >= b["unit_price"]
                             for a, b in zip(tiers, tiers[1:], strict=False))
        irr = p["specs"].get("irradiance")
        if p["kind"] != "laser":
            assert irr and irr["method"], p["sku"]
            assert irr["distance_cm"] == (15 if p["kind"] == "panel" else 0), p["sku"]


def test_lasers_are_prescription_devices_with_full_labelling(demo):
    lasers = [p for p in demo if p["kind"] == "laser"]
    assert len(lasers) >= 4
    for p in lasers:
        reg, specs = p["regulatory"], p["specs"]
        assert reg["status"] == "rx_only"
        assert re.fullmatch(r"K29\d{4}", reg["k_number"])
        assert reg["product_code"] in ("ILY", "NHN")
        assert specs["laser_class"] == {"us": "IV", "iec": "4"}
        assert 10 <= specs["optical_output_w"] <= 30
        assert {b["nm"] for b in p["wavelengths"]} <= {810, 980, 1064}
        assert specs["beam_divergence_mrad"] > 0 and specs["spot_size_mm"] > 0
        assert "IEC 60601-2-22" in p["certifications"]
        body = p["copy"]["body"]
        assert "Rx only" in body and "Federal law restricts this device" in body
        assert any("OD" in line for line in p["precautions"])


def test_cleared_led_devices_quote_their_indications(demo):
    cleared = [p for p in demo if p["regulatory"]["status"] == "otc_cleared"]
    assert {p["kind"] for p in cleared} >= {"belt", "panel", "handheld"}
    for p in cleared:
        assert f"\"{p['regulatory']['indications']}\"" in p["copy"]["body"]
        assert p["regulatory"]["k_number"] in p["copy"]["body"]
        assert "IEC 60601-2-57" in p["certifications"]


def test_generated_catalogue_validates_with_zero_errors():
    doc = generate(200, seed=3)
    records, errors, _ = validate_document(doc)
    assert errors == []
    assert len(records) == 200
    assert {r["kind"] for r in records} == {"belt", "handheld", "panel", "laser"}
    assert len({r["sku"] for r in records}) == 200


def test_generator_is_deterministic_per_seed():
    assert generate(40, seed=5) == generate(40, seed=5)
    assert generate(40, seed=5) != generate(40, seed=6)
    assert generate(40, seed=5)["products"] == generate(60, seed=5)["products"][:40]
