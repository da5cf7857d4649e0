"""load_document writes validated chunks while later ones are still being validated; a file
with an error anywhere still leaves the database as it was, and every problem is listed."""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy import func, select

from storefront.catalog.models import PriceTier, Product, WavelengthBand
from storefront.seeding import loader
from tests.factories import product_record


def _count(session, model=Product) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _large(n_extra: int = 10) -> list[dict]:
    return [product_record() for _ in range(loader.PARALLEL_THRESHOLD + n_extra)]


def _counting_progress(session, seen: list[int]):
    def progress(_n: int) -> None:
        seen.append(_count(session))
    return progress


def test_chunks_are_written_while_later_ones_validate(db_session):
    items = _large()
    seen: list[int] = []
    result = loader.load_document(db_session, {"products": items}, gate=False, workers=2,
                                  progress=_counting_progress(db_session, seen))
    assert not result.errors and not result.write_errors
    assert result.summary.counts()["created"] == len(items) == result.records
    # Progress is reported after each chunk was consumed: the earlier chunks were already in
    # the database before the last one arrived.
    assert 0 < seen[-2] < len(items)
    assert _count(db_session) == len(items)
    n_search = db_session.scalar(sa.text("SELECT count(*) FROM product_search"))
    assert n_search == len(items)


def test_error_in_last_chunk_leaves_database_untouched_and_names_the_path(db_session):
    items = _large()
    items[-1]["price"] = -1
    items[3]["stock"] = "ten"
    seen: list[int] = []
    result = loader.load_document(db_session, {"products": items}, gate=False, workers=2,
                                  progress=_counting_progress(db_session, seen))
    assert result.summary is None
    assert result.errors == [
        "products[3].stock: Not a valid integer.",
        f"products[{len(items) - 1}].price: must be between 0 and 100000000 (minor units)",
    ]
    assert seen and max(seen) == 0  # an error in the first chunk: nothing was ever written
    assert _count(db_session) == 0


def test_error_only_in_last_chunk_rolls_back_what_was_written(db_session):
    before = product_record()
    assert not loader.load_document(db_session, {"products": [before]}, gate=False).errors
    db_session.commit()
    items = _large()
    items[-1]["wavelengths"] = [{"nm": 100}]
    seen: list[int] = []
    result = loader.load_document(db_session, {"products": items}, gate=False, workers=2,
                                  progress=_counting_progress(db_session, seen))
    assert result.errors == [f"products[{len(items) - 1}].wavelengths[0].nm: "
                             "must be between 200 and 1500"]
    assert max(seen) > 1  # chunks before the bad one had been written ...
    assert _count(db_session) == 1  # ... and were rolled back with everything else
    assert _count(db_session, WavelengthBand) == 2
    assert _count(db_session, PriceTier) == len(before["oem"]["tiers"])
    assert db_session.scalar(sa.text("SELECT count(*) FROM product_search")) == 1


def test_duplicate_sku_in_a_later_chunk_is_an_error_not_a_crash(db_session):
    items = _large()
    items[-1]["sku"] = items[0]["sku"]
    result = loader.load_document(db_session, {"products": items}, gate=False, workers=2)
    assert result.errors == [f"products[{len(items) - 1}].sku: duplicate SKU "
                             f"{items[0]['sku']!r} (first at products[0])"]
    assert _count(db_session) == 0


def test_slug_clash_in_a_later_chunk_is_refused_after_earlier_chunks_were_written(db_session):
    owner = product_record()
    assert not loader.load_document(db_session, {"products": [owner]}, gate=False).errors
    db_session.commit()
    items = _large()
    items[-1]["slug"] = owner["name"].lower().replace(" ", "-")
    result = loader.load_document(db_session, {"products": items}, gate=False, workers=2)
    assert result.errors == []
    assert result.write_errors == [f"products[{len(items) - 1}].slug: slug {items[-1]['slug']!r} "
                                   f"already belongs to {owner['sku']}"]
    assert result.summary is None
    assert _count(db_session) == 1


def test_matches_validate_then_apply(db_session):
    items = _large()
    items[7]["status"] = "draft"
    items[7]["copy"]["summary"] = "Cures arthritis."
    records, errors, warnings = loader.validate_document({"products": items}, workers=1)
    result = loader.load_document(db_session, {"products": items}, workers=2)
    assert not errors and not result.errors
    assert result.warnings == warnings and warnings
    assert loader.export_records(db_session) == sorted(
        (loader.without_images(r) for r in records), key=lambda r: r["sku"])


def test_cli_refuses_a_large_file_with_an_error_in_its_last_chunk(cli_runner, db_session,
                                                                 tmp_path):
    items = _large()
    items[-1]["copy"]["summary"] = "Cures arthritis."
    path = tmp_path / "products.json"
    path.write_text(json.dumps({"products": items}))
    result = cli_runner.invoke(args=["seed", "load", str(path)])
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert f'products[{len(items) - 1}].copy.summary: [disease-claim] "Cures arthritis"' in result.output
    assert _count(db_session) == 0
