"""The in-memory facet index answers exactly what the SQL reference path answers."""

from __future__ import annotations

import random

import pytest

from storefront.catalog.cache import CatalogCache
from storefront.catalog.filters import COVERAGE_BUCKETS, SORTS, Filters
from storefront.catalog.queries import find_page
from tests.factories import create_products, laser_record, product_record

WORDS = ["aurora", "boreal", "cirrus", "delta", "ember", "wrap", "panel", "pocket", "clinic"]


@pytest.fixture()
def varied_catalogue(db_session):
    rng = random.Random(1234)
    recs = []
    for i in range(48):
        name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {i}"
        if i % 8 == 0:
            recs.append(laser_record(name=name, sku=f"FI-L-{i:03d}", price=rng.randrange(200_000, 2_000_000),
                                     status=rng.choice(["published"] * 4 + ["draft"])))
            continue
        bands = rng.sample([630, 655, 660, 670, 810, 830, 850, 940, 980], rng.randint(1, 3))
        specs = product_record()["specs"]
        specs["coverage_cm2"] = rng.choice([None, 40, 99.5, 100, 450, 500, 1200, 2000, 3500])
        recs.append(product_record(
            name=name, sku=f"FI-{i:03d}", kind=rng.choice(["belt", "panel", "handheld"]),
            price=rng.randrange(3_000, 150_000, 100), status=rng.choice(["published"] * 5 + ["archived"]),
            wavelengths=[{"nm": nm} for nm in bands], specs=specs))
    create_products(db_session, *recs)


def random_filters(rng: random.Random) -> Filters:
    pick = lambda pool, k: tuple(sorted(rng.sample(pool, rng.randint(0, k))))  # noqa: E731
    lo = rng.choice([None, None, 5_000, 10_000, 50_000])
    hi = rng.choice([None, None, 24_999, 99_999, 1_000_000])
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    terms = rng.choice(["", "", "", "wrap", "aur", "panel cirrus", "zzz", "clinic laser", "660", "infra"])
    return Filters(
        kinds=pick(["belt", "panel", "handheld", "laser"], 2),
        wavelengths=pick([630, 660, 700, 810, 850, 980], 2),
        min_price=lo, max_price=hi,
        coverage=tuple(k for k in COVERAGE_BUCKETS if rng.random() < 0.2),
        laser_classes=pick(["IIIb", "IV"], 1),
        q=terms, sort=rng.choice(["", *SORTS]), page=rng.choice([1, 1, 2, 3]),
        per_page=rng.choice([3, 5, 24]),
    )


def test_index_and_sql_agree(db_session, varied_catalogue):
    rng = random.Random(99)
    cache = CatalogCache(ttl=600)
    states = [Filters()] + [random_filters(rng) for _ in range(150)]
    nonempty = 0
    for f in states:
        sql = find_page(db_session, f)
        idx = find_page(db_session, f, cache=cache)
        assert idx.total == sql.total, f
        assert [x.to_dict() for x in idx.facets] == [x.to_dict() for x in sql.facets], f
        if f.effective_sort == "relevance":
            # Equal ranks may tie-break differently; the set on the page must still match.
            assert sorted(idx.ids) == sorted(sql.ids), f
        else:
            assert idx.ids == sql.ids, f
        assert sorted(idx.suggestion_ids) == sorted(sql.suggestion_ids), f
        assert idx.stock == sql.stock, f
        nonempty += bool(sql.ids)
    assert nonempty >= 20  # the states exercise real results, not only empty pages
