"""Filter states and searches in the shared page cache: one entry per state, warmed from
the catalogue's own links, and never shown after a change."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from storefront.catalog.models import Product, Status
from storefront.web import page_cache as pc
from tests.factories import create_products, product_record
from tests.web.test_page_cache import fresh_get, state, text


@pytest.fixture()
def cached(app, db_session, shop, monkeypatch):
    """The test app with the page cache in front (a fresh process-local store)."""
    cache = pc.PageCache(app.wsgi_app, app, pc.MemoryStore(ttl=600), build="test")
    monkeypatch.setattr(app, "wsgi_app", cache)
    monkeypatch.setitem(app.extensions, "page_cache", cache)
    return cache


def test_catalogue_query_is_the_pages_own_spelling():
    q = pc.catalogue_query
    assert q("") == ""
    assert q("sort=name&kind=panel&kind=belt&page=1&per_page=24&min_price=&utm_source=mail") \
        == "kind=belt&kind=panel&sort=name"
    assert q("kind=belt&kind=belt&wavelength=850&wavelength=660") == "kind=belt&wavelength=660&wavelength=850"
    assert q("q=++red+++belt&page=2") == "q=red+belt&page=2"
    assert q("page=1&utm_campaign=x") == ""
    # A query the page reports errors for keeps its sorted pairs (answered 422, never stored).
    assert q("page=0&kind=belt") == "kind=belt&page=0"
    assert q("kind=toaster") == "kind=toaster"


def test_product_keys_keep_their_sorted_query(app):
    env = {"HTTP_HOST": "shop.test", "wsgi.url_scheme": "https", "PATH_INFO": "/products/a",
           "QUERY_STRING": "b=2&a=1&page=1"}
    assert pc.canonical_key(env, "B", "product") == "B https://shop.test/products/a?a=1&b=2&page=1"
    # The catalogue ignores a, b and the default page: they do not split its entry.
    env = {**env, "PATH_INFO": "/products"}
    assert pc.canonical_key(env, "B", "catalogue") == "B https://shop.test/products"


def test_spellings_of_one_filter_state_share_one_entry(app, cached, shop):
    client = app.test_client()
    first = fresh_get(client, "/products?kind=belt&page=1&utm_source=newsletter&min_price=")
    assert (first.status_code, state(first)) == (200, "miss")
    for url in ("/products?kind=belt", "/products?utm_source=ad&kind=belt&kind=belt&per_page=24"):
        resp = fresh_get(client, url)
        assert state(resp) == "hit", url
        assert resp.get_data() == first.get_data()
    assert state(fresh_get(client, "/products?kind=panel")) == "miss"


def test_a_query_with_errors_is_never_stored_nor_served_another_page(app, cached, shop):
    client = app.test_client()
    assert state(fresh_get(client, "/products?kind=belt")) == "miss"
    for _ in range(2):
        resp = fresh_get(client, "/products?kind=belt&page=0")
        assert resp.status_code == 422 and state(resp) is None
        assert "page:" in text(resp)


def test_a_page_is_stored_only_under_the_state_the_view_rendered(app, cached, shop, monkeypatch):
    # Should the key's parse ever disagree with the view's, the page is served but not kept.
    monkeypatch.setattr(pc, "catalogue_query", lambda raw: "kind=panel")
    client = app.test_client()
    for _ in range(2):
        resp = fresh_get(client, "/products?kind=belt")
        assert resp.status_code == 200 and state(resp) is None
        assert "Aurora Belt" in text(resp)


def facet_links(body: str) -> list[str]:
    return pc.filter_links(body)


def test_warming_follows_the_catalogues_facet_links_within_its_budget(app, cached, shop):
    client = app.test_client()
    offered = facet_links(text(fresh_get(client, "/products")))
    assert len(offered) >= 5 and "/products?kind=belt" in offered
    assert all("page=" not in u.replace("per_page=", "") for u in offered)
    cached.clear()

    published = sum(p.status == Status.PUBLISHED for p in shop.values())
    counts = pc.warm_pages(listing_pages=1, filters=3)
    assert counts["filters"] == 3
    assert counts["pages"] == 2 + 3 + published and counts["stored"] == counts["pages"]
    hits = [u for u in offered if state(fresh_get(client, u)) == "hit"]
    assert hits == offered[:3]

    # Breadth first: every facet link of the catalogue, then the combinations those pages
    # offer, until the budget is spent (combinations multiply: the budget is the bound).
    cached.clear()
    budget = len(offered) + 5
    counts = pc.warm_pages(listing_pages=1, filters=budget)
    assert counts["filters"] == budget
    assert all(state(fresh_get(client, u)) == "hit" for u in offered)
    second = [u for u in facet_links(text(fresh_get(client, offered[0]))) if u not in offered]
    assert [state(fresh_get(client, u)) for u in second[:5]] == ["hit"] * min(5, len(second))


def test_warmed_filter_states_show_price_stock_and_publish_changes_at_once(app, cached, shop, db_session):
    client = app.test_client()
    pc.warm_pages(listing_pages=1, filters=100)
    shop = {sku: db_session.scalar(select(Product).where(Product.sku == sku)) for sku in shop}
    url = "/products?kind=belt"
    resp = fresh_get(client, url)
    assert state(resp) == "hit" and "$249.00" in text(resp) and "Only 3 left" in text(resp)

    shop["W-BELT-2"].price_amount = 22_200
    db_session.commit()
    resp = fresh_get(client, url)
    assert state(resp) == "miss" and "$222.00" in text(resp) and "$249.00" not in text(resp)

    db_session.execute(update(Product).where(Product.sku == "W-BELT-2")
                       .values(stock=0, updated_at=Product.updated_at))
    db_session.commit()
    resp = fresh_get(client, url)
    assert state(resp) == "miss" and "Only 3 left" not in text(resp)

    create_products(db_session, product_record(sku="W-BELT-9", name="Zephyr Belt"))
    db_session.commit()
    resp = fresh_get(client, url)
    assert state(resp) == "miss" and "Zephyr Belt" in text(resp)

    shop["W-BELT-1"].status = Status.ARCHIVED
    db_session.commit()
    resp = fresh_get(client, url)
    assert state(resp) == "miss" and "Aurora Belt" not in text(resp)
    assert state(fresh_get(client, url)) == "hit"


def test_searches_are_shared_by_normalised_query_and_follow_changes(app, cached, shop, db_session):
    client = app.test_client()
    first = fresh_get(client, "/products?q=aurora")
    assert state(first) == "miss" and "Aurora Belt" in text(first)
    resp = fresh_get(client, "/products?q=++aurora+&page=1")
    assert state(resp) == "hit" and resp.get_data() == first.get_data()

    # A product renamed into the search shows at once; one renamed out leaves it.
    shop["W-BELT-2"].name = "Aurora Mini Belt"
    db_session.commit()
    resp = fresh_get(client, "/products?q=aurora")
    assert state(resp) == "miss" and "Aurora Mini Belt" in text(resp)
    shop["W-BELT-1"].name = "Solstice Belt"
    db_session.commit()
    resp = fresh_get(client, "/products?q=aurora")
    assert state(resp) == "miss" and "Solstice Belt" not in text(resp)
