"""Catalogue queries: filters combine, facets count disjunctively, sorting and pages."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from werkzeug.datastructures import MultiDict

from storefront.catalog.cache import CatalogCache
from storefront.catalog.filters import CatalogueFormQuerySchema, Filters, ProductQuerySchema
from storefront.catalog.models import Product, Status
from storefront.catalog.queries import get_published, list_products
from tests.factories import create_products, laser_record, product_record


def _spec(**changes):
    specs = product_record()["specs"]
    specs.update(changes)
    return specs


@pytest.fixture()
def catalogue(db_session):
    recs = [
        product_record(name="Alpha Belt", sku="Q-BELT-1", price=19_900,
                       wavelengths=[{"nm": 660, "share_pct": 50}, {"nm": 850, "share_pct": 50}],
                       specs=_spec(coverage_cm2=600)),
        product_record(name="Bravo Handheld", sku="Q-HAND-1", kind="handheld", price=8_900,
                       wavelengths=[{"nm": 630}], specs=_spec(coverage_cm2=40)),
        product_record(name="Charlie Panel", sku="Q-PANEL-1", kind="panel", price=59_900,
                       wavelengths=[{"nm": 655, "share_pct": 30}, {"nm": 830, "share_pct": 70}],
                       specs=_spec(coverage_cm2=2500)),
        product_record(name="Delta Panel", sku="Q-PANEL-2", kind="panel", price=129_900,
                       wavelengths=[{"nm": 810}], specs=_spec(coverage_cm2=900)),
        laser_record(name="Echo Laser", sku="Q-LASER-1"),
        product_record(name="Foxtrot Draft", sku="Q-DRAFT-1", status="draft"),
        product_record(name="Golf Archived", sku="Q-ARCH-1", status="archived"),
    ]
    return {p.sku: p for p in create_products(db_session, *recs)}


def names(listing):
    return [p.name for p in listing.items]


def counts(listing, facet):
    return {v.value: v.count for v in listing.facet(facet).values}


def test_lists_only_published_products_sorted_by_name(db_session, catalogue):
    listing = list_products(db_session, Filters())
    assert names(listing) == ["Alpha Belt", "Bravo Handheld", "Charlie Panel", "Delta Panel", "Echo Laser"]
    assert listing.total == 5
    assert get_published(db_session, catalogue["Q-DRAFT-1"].slug) is None
    assert get_published(db_session, catalogue["Q-ARCH-1"].slug) is None
    assert get_published(db_session, catalogue["Q-BELT-1"].slug).sku == "Q-BELT-1"


def test_filters_combine(db_session, catalogue):
    f = Filters(kinds=("panel", "belt"), wavelengths=(660,))
    # 655 nm is within ±10 nm of 660; Delta (810 only) is not.
    assert names(list_products(db_session, f)) == ["Alpha Belt", "Charlie Panel"]
    f = Filters(kinds=("panel", "belt"), wavelengths=(660,), max_price=50_000)
    assert names(list_products(db_session, f)) == ["Alpha Belt"]
    f = Filters(coverage=("2000-plus",))
    assert names(list_products(db_session, f)) == ["Charlie Panel"]
    f = Filters(laser_classes=("IV",))
    assert names(list_products(db_session, f)) == ["Echo Laser"]
    f = Filters(min_price=10_000, max_price=130_000, kinds=("panel",))
    assert names(list_products(db_session, f)) == ["Charlie Panel", "Delta Panel"]


def test_wavelength_tolerance_is_ten_nm(db_session, catalogue):
    assert names(list_products(db_session, Filters(wavelengths=(640,)))) == ["Bravo Handheld"]
    assert names(list_products(db_session, Filters(wavelengths=(641,)))) == []
    assert names(list_products(db_session, Filters(wavelengths=(620, 990)))) == ["Bravo Handheld", "Echo Laser"]


def test_facet_counts_ignore_their_own_selection(db_session, catalogue):
    listing = list_products(db_session, Filters(kinds=("panel",)))
    assert listing.total == 2
    # Kind counts are computed without the kind filter, so other kinds stay selectable.
    assert counts(listing, "kind") == {"belt": 1, "handheld": 1, "panel": 2, "laser": 1}
    # Other facets are narrowed by the kind filter.
    assert counts(listing, "wavelength")["660"] == 1
    assert counts(listing, "wavelength")["810"] == 1
    assert counts(listing, "wavelength")["630"] == 0
    assert counts(listing, "coverage") == {"under-100": 0, "100-500": 0, "500-2000": 1, "2000-plus": 1}
    selected = [v.value for v in listing.facet("kind").values if v.selected]
    assert selected == ["panel"]


def test_price_and_laser_class_facets(db_session, catalogue):
    listing = list_products(db_session, Filters(min_price=10_000, max_price=24_999))
    assert names(listing) == ["Alpha Belt"]
    price = {v.value: (v.count, v.selected) for v in listing.facet("price").values}
    assert price["10000-24999"] == (1, True)
    assert price["-9999"] == (1, False)
    assert price["100000-"] == (2, False)
    assert counts(listing, "laser_class")["IV"] == 0  # the laser is outside the price range
    assert counts(list_products(db_session, Filters()), "laser_class")["IV"] == 1


@pytest.mark.parametrize("sort, expected", [
    ("price_asc", ["Bravo Handheld", "Alpha Belt", "Charlie Panel", "Delta Panel", "Echo Laser"]),
    ("price_desc", ["Echo Laser", "Delta Panel", "Charlie Panel", "Alpha Belt", "Bravo Handheld"]),
    ("name", ["Alpha Belt", "Bravo Handheld", "Charlie Panel", "Delta Panel", "Echo Laser"]),
])
def test_sorting(db_session, catalogue, sort, expected):
    assert names(list_products(db_session, Filters(sort=sort))) == expected


def test_newest_first(db_session, catalogue):
    first = names(list_products(db_session, Filters(sort="newest")))[0]
    late = create_products(db_session, product_record(name="Zulu Latest", sku="Q-LATE-1"))[0]
    assert names(list_products(db_session, Filters(sort="newest")))[0] == late.name != first


def test_pagination_keeps_total(db_session, catalogue):
    page1 = list_products(db_session, Filters(per_page=2))
    page3 = list_products(db_session, Filters(per_page=2, page=3))
    assert (page1.total, page1.pages, names(page1)) == (5, 3, ["Alpha Belt", "Bravo Handheld"])
    assert names(page3) == ["Echo Laser"]
    assert list_products(db_session, Filters(per_page=2, page=4)).items == []


def test_facet_cache_sees_changes(db_session, catalogue):
    cache = CatalogCache(ttl=300)
    before = list_products(db_session, Filters(kinds=("belt",)), cache=cache)
    assert before.total == 1
    # An edit through the ORM moves updated_at, so the cached counts are not reused.
    catalogue["Q-PANEL-1"].kind = "belt"
    db_session.flush()
    after = list_products(db_session, Filters(kinds=("belt",)), cache=cache)
    assert after.total == 2
    # Archiving with a bulk UPDATE is seen too.
    db_session.execute(update(Product).where(Product.sku == "Q-BELT-1").values(status=Status.ARCHIVED))
    assert list_products(db_session, Filters(kinds=("belt",)), cache=cache).total == 1


def test_cache_sees_products_deleted_and_added(db_session, catalogue):
    from storefront.catalog.queries import catalogue_version

    cache = CatalogCache(ttl=300)
    assert list_products(db_session, Filters(kinds=("belt",)), cache=cache).total == 1
    v0 = catalogue_version(db_session)
    # Deleting the oldest product leaves the newest updated_at where it was: the change
    # counter (bumped by a trigger, migration 0120) is what shows it.
    db_session.delete(catalogue["Q-BELT-1"])
    db_session.flush()
    v1 = catalogue_version(db_session)
    assert v1[1] == v0[1] and v1[0] != v0[0]
    assert list_products(db_session, Filters(kinds=("belt",)), cache=cache).total == 0
    create_products(db_session, product_record(name="Hotel Belt", sku="Q-BELT-9"))
    assert catalogue_version(db_session)[0] != v1[0]
    assert names(list_products(db_session, Filters(kinds=("belt",)), cache=cache)) == ["Hotel Belt"]


def test_facet_cache_expires():
    cache = CatalogCache(ttl=0.0)
    cache.put("k", 1)
    assert cache.get("k") is None
    cache = CatalogCache(ttl=60, size=2)
    for k in "abc":
        cache.put(k, k)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, "b", "c")


def _load(pairs, schema_cls=CatalogueFormQuerySchema):
    from webargs.multidictproxy import MultiDictProxy

    schema = schema_cls()
    return schema.load(MultiDictProxy(MultiDict(pairs), schema))


def test_query_schema_reads_repeated_and_blank_values():
    args = _load([("kind", "belt"), ("kind", "panel"), ("wavelength", "660"), ("min_price", ""),
                  ("q", "  infra   red "), ("utm_source", "x")])
    f = Filters.from_args(args)
    assert f.kinds == ("belt", "panel") and f.wavelengths == (660,)
    assert f.min_price is None and f.q == "infra red"
    assert f.effective_sort == "relevance" and f.page == 1


def test_query_schema_rejects_bad_values():
    from marshmallow import ValidationError

    with pytest.raises(ValidationError) as exc:
        _load([("kind", "toaster"), ("page", "-1"), ("min_price", "abc"), ("per_page", "1000"),
               ("sort", "random"), ("wavelength", "5000"), ("coverage", "huge"), ("laser_class", "V")])
    assert set(exc.value.messages) == {"kind", "page", "min_price", "per_page", "sort", "wavelength",
                                       "coverage", "laser_class"}
    # The API's schema takes no blanks: an empty value is not a kind.
    with pytest.raises(ValidationError) as exc:
        _load([("kind", ""), ("min_price", "")], ProductQuerySchema)
    assert set(exc.value.messages) == {"kind", "min_price"}


def test_inverted_price_range_matches_nothing(db_session, catalogue):
    f = Filters.from_args(_load([("min_price", "50000"), ("max_price", "100")]))
    assert list_products(db_session, f).total == 0


def test_to_query_round_trips():
    f = Filters(kinds=("belt",), wavelengths=(660, 850), min_price=100, q="red", sort="price_asc", page=2)
    again = Filters.from_args(_load(f.to_query()))
    assert again == f
