"""Seed loading: validation with JSON paths, all-or-nothing, idempotent upserts, export."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from storefront.catalog.models import PriceTier, Product, Status, WavelengthBand
from tests.factories import laser_record, product_record


def _write(tmp_path, doc, name="products.json"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def _count(session):
    return session.scalar(select(func.count()).select_from(Product))


def test_load_creates_then_reports_unchanged(cli_runner, db_session, tmp_path):
    path = _write(tmp_path, {"products": [product_record(), laser_record()]})
    first = cli_runner.invoke(args=["seed", "load", path])
    assert first.exit_code == 0, first.output
    assert "2 created, 0 updated, 0 unchanged" in first.output
    second = cli_runner.invoke(args=["seed", "load", path])
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated, 2 unchanged" in second.output
    assert _count(db_session) == 2
    assert db_session.scalar(select(func.count()).select_from(WavelengthBand)) == 4


def test_changed_record_is_updated_with_children_replaced(cli_runner, db_session, tmp_path):
    rec = product_record()
    cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": [rec]})])
    rec["price"] = 24900
    rec["wavelengths"] = [{"nm": 630}, {"nm": 660}, {"nm": 850}]
    rec["oem"]["tiers"] = [{"min_qty": 50, "unit_price": 10000}]
    result = cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": [rec]})])
    assert "0 created, 1 updated, 0 unchanged" in result.output, result.output
    p = db_session.scalar(select(Product).where(Product.sku == rec["sku"]))
    db_session.refresh(p)
    assert p.price_amount == 24900
    assert [b.nm for b in p.bands] == [630, 660, 850]
    assert [(t.min_qty, t.unit_price) for t in p.tiers] == [(50, 10000)]


def test_errors_name_json_paths_and_nothing_is_written(cli_runner, db_session, tmp_path):
    good = product_record()
    bad_band = product_record(wavelengths=[{"nm": 660}, {"nm": 1600}])
    bad_price = product_record(price=-5)
    wrong_type = product_record(stock="ten")
    unknown = product_record(colour="red")
    laser_no_class = laser_record(specs={"optical_output_w": 10})
    wellness_laser = laser_record(regulatory={"status": "wellness"})
    bad_k = product_record(regulatory={"status": "otc_cleared", "k_number": "K12345",
                                       "indications": "Temporary relief of minor muscle pain."})
    tiers_down = product_record(oem={"tiers": [{"min_qty": 100, "unit_price": 900},
                                               {"min_qty": 50, "unit_price": 800}]})
    dup = dict(good)
    path = _write(tmp_path, {"products": [good, bad_band, bad_price, wrong_type, unknown,
                                          laser_no_class, wellness_laser, bad_k, tiers_down, dup]})
    result = cli_runner.invoke(args=["seed", "load", path])
    assert result.exit_code == 1
    out = result.output
    assert "products[1].wavelengths[1].nm: must be between 200 and 1500" in out
    assert "products[2].price: must be between 0 and 100000000" in out
    assert "products[3].stock: Not a valid integer." in out
    assert "products[4].colour: Unknown field." in out
    assert "products[5].specs.laser_class: required for a laser" in out
    assert "products[6].regulatory.status: a laser cannot be sold as a wellness device" in out
    assert "products[7].regulatory.k_number: must be K followed by 6 digits" in out
    assert "products[8].oem.tiers[1].min_qty: tiers must ascend" in out
    assert "products[9].sku: duplicate SKU" in out
    assert "nothing was written" in out
    assert _count(db_session) == 0


def test_malformed_json_reports_line_and_column(cli_runner, db_session, tmp_path):
    path = _write(tmp_path, '{"products": [\n  {"sku": "A1",}\n]}')
    result = cli_runner.invoke(args=["seed", "load", path])
    assert result.exit_code == 1
    assert "line 2, column" in result.output
    assert _count(db_session) == 0


@pytest.mark.parametrize("doc, message", [
    ([], "$: the file must hold an object"),
    ({"items": []}, "items: Unknown field."),
    ({"products": {}}, "products: must be a list"),
    ({"products": [42]}, "products[0]: must be an object"),
])
def test_wrong_document_shapes(cli_runner, db_session, tmp_path, doc, message):
    result = cli_runner.invoke(args=["seed", "load", _write(tmp_path, doc)])
    assert result.exit_code == 1
    assert message in result.output


def test_bool_and_float_are_not_integers(cli_runner, db_session, tmp_path):
    path = _write(tmp_path, {"products": [product_record(price=True), product_record(stock=2.5)]})
    result = cli_runner.invoke(args=["seed", "load", path])
    assert "products[0].price: Not a valid integer." in result.output
    assert "products[1].stock: Not a valid integer." in result.output


def test_dry_run_writes_nothing(cli_runner, db_session, tmp_path):
    path = _write(tmp_path, {"products": [product_record()]})
    result = cli_runner.invoke(args=["seed", "load", "--dry-run", path])
    assert result.exit_code == 0, result.output
    assert "would have" in result.output and "1 created" in result.output
    assert _count(db_session) == 0


def test_prune_archives_missing_products(cli_runner, db_session, tmp_path):
    a, b = product_record(), product_record()
    cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": [a, b]})])
    result = cli_runner.invoke(args=["seed", "load", "--prune", _write(tmp_path, {"products": [a]})])
    assert "1 pruned" in result.output, result.output
    gone = db_session.scalar(select(Product).where(Product.sku == b["sku"]))
    db_session.refresh(gone)
    assert gone.status == Status.ARCHIVED
    assert _count(db_session) == 2


def test_export_round_trips(cli_runner, db_session, tmp_path):
    records = [product_record(), laser_record(), product_record(kind="panel", stock=3)]
    cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": records})])
    out = tmp_path / "export.json"
    result = cli_runner.invoke(args=["seed", "export", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    assert {p["sku"] for p in exported["products"]} == {r["sku"] for r in records}
    assert any(p["stock"] == 3 for p in exported["products"])
    again = cli_runner.invoke(args=["seed", "load", str(out)])
    assert "0 created, 0 updated, 3 unchanged" in again.output, again.output


def test_slug_clash_with_other_sku_is_refused(cli_runner, db_session, tmp_path):
    a = product_record(slug="shared-slug")
    cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": [a]})])
    b = product_record(slug="shared-slug")
    result = cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": [b]})])
    assert result.exit_code == 1
    assert "products[0].slug: slug 'shared-slug' already belongs to" in result.output
    assert _count(db_session) == 1


def test_tiers_with_rising_price_refused(cli_runner, db_session, tmp_path):
    rec = product_record(oem={"tiers": [{"min_qty": 10, "unit_price": 100}, {"min_qty": 20, "unit_price": 200}]})
    result = cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": [rec]})])
    assert "products[0].oem.tiers[1].unit_price: a larger quantity cannot have a higher unit price" in result.output
    assert db_session.scalar(select(func.count()).select_from(PriceTier)) == 0


def test_parallel_validation_matches_sequential():
    from storefront.seeding import loader

    items = [product_record() for _ in range(loader.PARALLEL_THRESHOLD + 10)]
    items[5]["price"] = -1
    items[2500 % len(items)]["wavelengths"] = [{"nm": 100}]
    items[-1]["sku"] = items[0]["sku"]
    doc = {"products": items}
    seq = loader.validate_document(doc, gate=False, workers=1)
    par = loader.validate_document(doc, gate=False, workers=2)
    assert par[1] == seq[1]
    assert len(seq[1]) == 3
    assert par[0] == seq[0]


def test_gate_refuses_published_claims_with_path_rule_and_span(cli_runner, db_session, tmp_path):
    bad = product_record(copy={"headline": "Red light belt",
                               "summary": "FDA approved and heals herniated discs.",
                               "body": "Relax."})
    draft = product_record(status="draft", copy={"headline": "Draft belt", "summary": "Cures arthritis.",
                                                 "body": ""})
    result = cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": [bad, draft]})])
    assert result.exit_code == 1
    out = result.output
    assert 'products[0].copy.summary: [fda-approval] "FDA approved"' in out
    assert "products[1]" not in out.split("nothing was written")[1]  # drafts only warn
    assert _count(db_session) == 0


def test_gate_problems_point_at_regulatory_fields(cli_runner, db_session, tmp_path):
    rec = product_record(kind="laser", regulatory={"status": "otc_cleared", "k_number": "K123456",
                                                   "indications": "Temporary relief of minor muscle pain."},
                         specs={"optical_output_w": 15, "laser_class": {"us": "IV", "iec": "4"}})
    result = cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": [rec]})])
    assert result.exit_code == 1
    assert "products[0].regulatory.status: a class" in result.output


def test_warnings_are_reported_and_do_not_stop_the_load(cli_runner, db_session, tmp_path):
    rec = product_record(copy={"headline": "A red light wrap for your routine",
                               "summary": "Studies show people enjoy a calm evening routine.",
                               "body": "Use only as directed; see Precautions."})
    result = cli_runner.invoke(args=["seed", "load", _write(tmp_path, {"products": [rec]})])
    assert result.exit_code == 0, result.output
    assert "warning: products[0].copy.summary: [proof-claim]" in result.output
    assert _count(db_session) == 1


@pytest.mark.parametrize("field, value", [("sku", "AB\n"), ("slug", "a-b\n"), ("currency", "USD\n")])
def test_trailing_newline_is_not_accepted(field, value):
    from storefront.seeding.loader import validate_document

    _, errors, _ = validate_document({"products": [product_record(**{field: value})]}, gate=False)
    assert any(e.startswith(f"products[0].{field}:") for e in errors), errors
