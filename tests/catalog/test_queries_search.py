"""Full-text search: prefix matching, ranking, and an index kept current by triggers."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, insert, update

from storefront.catalog.filters import Filters
from storefront.catalog.models import Product, WavelengthBand
from storefront.catalog.queries import list_products
from storefront.catalog.search import SearchQuery, parse_terms, rebuild_index
from tests.factories import create_products, laser_record, product_record


def _copy(headline="", summary="", body=""):
    return {"headline": headline, "summary": summary, "body": body}


@pytest.fixture()
def products(db_session):
    recs = [
        product_record(name="Lumen Wrap", sku="S-WRAP",
                       copy=_copy("A flexible wrap", "Red and near-infrared LEDs for your routine.",
                                  "Relax in the evening.")),
        product_record(name="Infrared Sauna Panel", sku="S-PANEL", kind="panel",
                       copy=_copy("A tall panel", "Panel with many LEDs.", "Stand at 15 cm.")),
        product_record(name="Pocket Glow", sku="S-POCKET", kind="handheld",
                       wavelengths=[{"nm": 630}],
                       copy=_copy("Small and light", "A handheld for travel.",
                                  "Mentions infrared only here, deep in the body copy.")),
        laser_record(name="Clinic Beam", sku="S-LASER"),
    ]
    return {p.sku: p for p in create_products(db_session, *recs)}


def search(session, q, **kw):
    return [p.sku for p in list_products(session, Filters(q=q, **kw)).items]


def test_parse_terms_strips_operators():
    assert parse_terms('"infra" OR red* NEAR(a) -x ^y c:z') == ["infra", "or", "red", "near", "a", "x",
                                                                "y", "c"]
    assert parse_terms("") == [] and parse_terms("  ,.;  ") == []
    assert len(parse_terms(" ".join(f"w{i}" for i in range(30)))) == 8
    assert SearchQuery(("a", "b")).fts5() == '"a"* AND "b"*'
    assert SearchQuery(("a", "b"), match_all=False).tsquery() == "a:* | b:*"


def test_prefix_matching_finds_infrared(db_session, products):
    found = search(db_session, "infra")
    # Every product has an 850 or 810 nm band ("near infrared" in its specs) except the 630 nm
    # handheld, which mentions infrared in its body copy.
    assert set(found) == {"S-WRAP", "S-PANEL", "S-POCKET", "S-LASER"}
    assert search(db_session, "clin") == ["S-LASER"]
    assert search(db_session, "pock gl") == ["S-POCKET"]


def test_name_matches_rank_above_body_matches(db_session, products):
    found = search(db_session, "infrared")
    assert found[0] == "S-PANEL"  # "Infrared" is in its name
    assert found.index("S-PANEL") < found.index("S-POCKET")


def test_search_covers_specs_and_combines_with_filters(db_session, products):
    assert search(db_session, "630") == ["S-POCKET"]
    assert search(db_session, "class 4") == ["S-LASER"]
    assert search(db_session, "led", kinds=("panel",)) == ["S-PANEL"]
    assert search(db_session, "infrared", sort="name") == ["S-LASER", "S-PANEL", "S-WRAP", "S-POCKET"]


def test_hostile_queries_do_not_fail(db_session, products):
    for q in ['"', "*", "NEAR(", "a OR", "-", "^", "col:x", "'; drop table products; --", "ü", "日本"]:
        list_products(db_session, Filters(q=q))


def test_all_words_must_match_and_loose_suggestions(db_session, products):
    assert search(db_session, "pocket laser") == []
    listing = list_products(db_session, Filters(q="pocket unobtainium"))
    assert listing.total == 0
    assert [p.sku for p in listing.suggestions] == ["S-POCKET"]


def test_index_follows_core_updates_and_deletes(db_session, products):
    db_session.execute(update(Product).where(Product.sku == "S-WRAP").values(name="Aurora Wrap"))
    assert search(db_session, "aurora") == ["S-WRAP"]
    assert search(db_session, "lumen") == []
    db_session.execute(delete(Product).where(Product.sku == "S-WRAP"))
    assert search(db_session, "aurora") == []


def test_index_follows_band_changes(db_session, products):
    pid = products["S-POCKET"].id
    assert search(db_session, "1064") == []
    db_session.execute(insert(WavelengthBand).values(product_id=pid, position=5, nm=1064))
    assert search(db_session, "1064") == ["S-POCKET"]
    db_session.execute(update(WavelengthBand).where(WavelengthBand.nm == 1064).values(nm=940))
    assert search(db_session, "1064") == [] and search(db_session, "940") == ["S-POCKET"]
    db_session.execute(delete(WavelengthBand).where(WavelengthBand.product_id == pid, WavelengthBand.nm == 940))
    assert search(db_session, "940") == []


def test_stock_changes_do_not_touch_the_index(db_session, products):
    db_session.execute(update(Product).where(Product.sku == "S-PANEL").values(stock=Product.stock - 1))
    assert search(db_session, "sauna") == ["S-PANEL"]


def test_unpublished_products_are_not_found(db_session, products):
    db_session.execute(update(Product).where(Product.sku == "S-LASER").values(status="archived"))
    assert search(db_session, "clinic") == []


def test_rebuild_index_restores_documents(db_session, products):
    rebuild_index(db_session)
    assert search(db_session, "sauna") == ["S-PANEL"]
    assert search(db_session, "infra", kinds=("handheld",)) == ["S-POCKET"]
