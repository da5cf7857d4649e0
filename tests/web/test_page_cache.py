"""The shared full-page cache: what it serves, when it lets go, what it never keeps."""

from __future__ import annotations

import re
import time

import pytest
from flask import g
from sqlalchemy import update

from storefront.catalog.models import Product, Status
from storefront.web import page_cache as pc
from tests.factories import create_products, product_record


def text(resp) -> str:
    return resp.get_data(as_text=True)


@pytest.fixture()
def cached(app, db_session, shop, monkeypatch):
    """The test app with the page cache in front (a fresh process-local store)."""
    cache = pc.PageCache(app.wsgi_app, app, pc.MemoryStore(ttl=600), build="test")
    monkeypatch.setattr(app, "wsgi_app", cache)
    monkeypatch.setitem(app.extensions, "page_cache", cache)
    return cache


def fresh_get(client, url, **kwargs):
    """A GET as a new request would see it (the test's app context outlives requests)."""
    for key in ("csrf_token", "_login_user"):
        g.pop(key, None)
    return client.get(url, **kwargs)


def state(resp) -> str | None:
    return resp.headers.get(pc.HEADER)


def test_anonymous_product_page_is_stored_then_served(app, cached, shop):
    client = app.test_client()
    url = f"/products/{shop['W-BELT-1'].slug}"
    first = fresh_get(client, url)
    second = fresh_get(client, url)
    assert (first.status_code, state(first)) == (200, "miss")
    assert (second.status_code, state(second)) == (200, "hit")
    assert second.get_data() == first.get_data()
    for resp in (first, second):
        assert "Set-Cookie" not in resp.headers
        assert "Cookie" in resp.headers["Vary"]
        assert resp.headers["Cache-Control"] == "no-cache"
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
        assert resp.headers["X-Frame-Options"] == "DENY"
    head = client.head(url)
    assert (state(head), head.get_data()) == ("hit", b"")
    assert int(head.headers["Content-Length"]) == len(first.get_data())


def test_price_stock_copy_and_unpublish_show_at_once(app, cached, shop, db_session):
    client = app.test_client()
    p = shop["W-BELT-1"]
    url = f"/products/{p.slug}"
    assert "$199.00" in text(fresh_get(client, url))
    assert state(fresh_get(client, url)) == "hit"

    p.price_amount = 17_500
    db_session.commit()
    resp = fresh_get(client, url)
    assert state(resp) == "miss" and "$175.00" in text(resp) and "$199.00" not in text(resp)

    # Checkout moves stock without touching updated_at.
    db_session.execute(update(Product).where(Product.id == p.id)
                       .values(stock=0, updated_at=Product.updated_at))
    db_session.commit()
    resp = fresh_get(client, url)
    assert state(resp) == "miss" and "Out of stock" in text(resp)
    assert 'class="add-to-cart"' not in text(resp)

    p.headline = "A wrap with a new headline"
    db_session.commit()
    assert "A wrap with a new headline" in text(fresh_get(client, url))

    p.status = Status.ARCHIVED
    db_session.commit()
    resp = fresh_get(client, url)
    assert resp.status_code == 404 and state(resp) is None


def test_catalogue_shows_price_stock_and_new_products_at_once(app, cached, shop, db_session):
    client = app.test_client()
    assert state(fresh_get(client, "/products")) == "miss"
    assert state(fresh_get(client, "/products")) == "hit"

    shop["W-BELT-2"].price_amount = 22_200
    db_session.commit()
    resp = fresh_get(client, "/products")
    assert state(resp) == "miss" and "$222.00" in text(resp)

    assert "Only 3 left" in text(fresh_get(client, "/products"))
    db_session.execute(update(Product).where(Product.sku == "W-BELT-2")
                       .values(stock=0, updated_at=Product.updated_at))
    db_session.commit()
    html = text(fresh_get(client, "/products"))
    assert "Only 3 left" not in html

    create_products(db_session, product_record(sku="W-BELT-9", name="Zephyr Belt"))
    db_session.commit()
    assert "Zephyr Belt" in text(fresh_get(client, "/products"))


def test_query_order_does_not_split_the_cache(app, cached, shop):
    client = app.test_client()
    assert state(fresh_get(client, "/products?kind=belt&sort=price_asc")) == "miss"
    resp = fresh_get(client, "/products?sort=price_asc&kind=belt")
    assert state(resp) == "hit"


def test_visitors_with_a_session_are_never_served_or_stored(app, cached, shop):
    client = app.test_client()
    url = f"/products/{shop['W-BELT-1'].slug}"
    fresh_get(client, url)
    assert state(fresh_get(client, url)) == "hit"
    with client.session_transaction() as sess:
        sess["cart"] = {"W-BELT-2": 3}
    for path in (url, "/products", "/"):
        resp = fresh_get(client, path)
        assert state(resp) is None
        assert 'data-count="3"' in text(resp)
    # A flash message rides in the session too.
    other = app.test_client()
    with other.session_transaction() as sess:
        sess["_flashes"] = [("success", "Added to your cart.")]
    resp = fresh_get(other, url)
    assert state(resp) is None and "Added to your cart." in text(resp)
    # Credentials are never anonymous; a remember-me cookie neither.
    assert state(fresh_get(app.test_client(), url, headers={"Authorization": "Bearer x"})) is None
    anon = app.test_client()
    anon.set_cookie("remember_token", "1|abc")
    assert state(fresh_get(anon, url)) is None
    # Other cookies (analytics, consent) do not stop sharing.
    anon = app.test_client()
    anon.set_cookie("consent", "yes")
    assert state(fresh_get(anon, url)) == "hit"


def test_logged_in_staff_get_their_own_pages(app, cached, shop, db_session):
    from tests.staff.conftest import add_staff, login

    client = app.test_client()
    user = add_staff(db_session)
    g.pop("csrf_token", None)
    assert login(client, user).status_code in (302, 303)
    for path in ("/products", f"/products/{shop['W-BELT-1'].slug}"):
        resp = fresh_get(client, path)
        assert resp.status_code == 200 and state(resp) is None


def test_errors_and_other_pages_are_not_stored(app, cached, shop):
    client = app.test_client()
    for url, status in (("/products/no-such-thing", 404), ("/products?page=99", 404),
                        ("/products?min_price=abc", 422), ("/compare?p=x", 422)):
        for _ in range(2):
            resp = fresh_get(client, url)
            assert resp.status_code == status and state(resp) is None, url
    assert state(fresh_get(client, "/cart")) is None
    assert pc.page_kind("/orders/abc") is None and pc.page_kind("/checkout") is None
    assert pc.page_kind("/oem/quotes/tok") is None and pc.page_kind("/products/a/b") is None
    assert pc.page_kind("/products/x") == "product" and pc.page_kind("/") == "catalogue"


def test_a_view_that_does_not_opt_in_is_not_stored(app, cached, shop, monkeypatch):
    client = app.test_client()
    monkeypatch.setattr(pc, "opt_in", lambda *a, **k: None)
    url = f"/products/{shop['W-BELT-1'].slug}"
    for _ in range(2):
        assert state(fresh_get(client, url)) is None


def test_forged_host_gets_its_own_entry_without_site_url(app, cached, shop):
    client = app.test_client()
    url = f"/products/{shop['W-BELT-1'].slug}"
    evil = fresh_get(client, url, headers={"Host": "evil.example"})
    assert state(evil) == "miss"
    clean = fresh_get(client, url)
    assert state(clean) == "miss" and "evil.example" not in text(clean)


def test_site_url_fixes_the_origin_of_keys_and_links(database_url, db_session, shop):
    from tests.conftest import make_app

    app = make_app(database_url, PAGE_CACHE_SECONDS=600, PAGE_CACHE_STORE="memory",
                   SITE_URL="https://shop.example.com")
    client = app.test_client()
    url = f"/products/{shop['W-BELT-1'].slug}"
    with app.app_context():
        evil = client.get(url, headers={"Host": "evil.example"})
        assert state(evil) == "miss" and "evil.example" not in text(evil)
        assert "https://shop.example.com/products/" in text(evil)
        clean = client.get(url)
        assert state(clean) == "hit" and clean.get_data() == evil.get_data()


def test_cached_product_page_carries_no_csrf_token_and_add_to_cart_works(
        app, cached, shop, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/products/{shop['W-BELT-1'].slug}"
    sku = shop["W-BELT-1"].sku

    alice = app.test_client()
    page = fresh_get(alice, url)
    assert state(page) == "miss"
    form = re.search(r'<form class="add-to-cart"[^>]*>.*?</form>', text(page), re.S).group(0)
    assert 'data-csrf-url="/cart/token"' in form
    assert 'name="csrf_token" value=""' in form
    assert "cart_form.js" in text(page)

    # With JavaScript: the form asks for the visitor's own token, then posts.
    g.pop("csrf_token", None)
    tok = alice.get("/cart/token")
    assert tok.status_code == 200 and tok.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" in tok.headers
    alice_token = tok.get_json()["csrf_token"]
    g.pop("csrf_token", None)
    added = alice.post("/cart/items", data={"csrf_token": alice_token, "sku": sku, "quantity": "2"})
    assert added.status_code == 303
    g.pop("csrf_token", None)
    assert fresh_get(alice, "/cart", headers={"Accept": "application/json"}).get_json()["count"] == 2

    # Another visitor gets the same shared page (no one's token in it) ...
    bob = app.test_client()
    shared = fresh_get(bob, url)
    assert state(shared) == "hit" and alice_token not in text(shared)
    # ... cannot use Alice's token ...
    g.pop("csrf_token", None)
    refused = bob.post("/cart/items", data={"csrf_token": alice_token, "sku": sku, "quantity": "1"})
    assert refused.status_code == 400
    # ... and without JavaScript (no token) is asked to confirm, with a token of his own.
    g.pop("csrf_token", None)
    confirm = bob.post("/cart/items", data={"sku": sku, "quantity": "1"})
    assert confirm.status_code == 400 and "Add to your cart?" in text(confirm)
    bob_token = re.search(r'name="csrf_token" value="([^"]+)"', text(confirm)).group(1)
    assert bob_token != alice_token
    g.pop("csrf_token", None)
    assert fresh_get(bob, "/cart", headers={"Accept": "application/json"}).get_json()["count"] == 0
    g.pop("csrf_token", None)
    done = bob.post("/cart/items", data={"csrf_token": bob_token, "sku": sku, "quantity": "1"})
    assert done.status_code == 303
    g.pop("csrf_token", None)
    assert fresh_get(bob, "/cart", headers={"Accept": "application/json"}).get_json()["count"] == 1
    # Other forms still refuse a missing token outright.
    g.pop("csrf_token", None)
    assert app.test_client().post(f"/cart/items/{sku}", data={"quantity": "0"}).status_code == 400


def test_warming_stores_every_product_page(app, cached, shop, db_session):
    published = [(p.sku, p.slug) for p in shop.values() if p.status == Status.PUBLISHED]
    counts = pc.warm_pages(listing_pages=1, filters=0)
    assert counts["pages"] == 2 + len(published)
    assert counts["stored"] == counts["pages"] and counts["other"] == 0
    client = app.test_client()
    for sku, slug in published:
        assert state(fresh_get(client, f"/products/{slug}")) == "hit", sku
    assert state(fresh_get(client, "/products")) == "hit"
    again = pc.warm_pages(listing_pages=1, filters=0)
    assert again["hits"] == again["pages"]


def test_catalogue_change_enqueues_warming_only_with_a_worker(app, cached, monkeypatch):
    from storefront.catalog.cache import catalogue_changed, on_catalogue_change

    queued = []
    monkeypatch.setattr("storefront.jobs.queue.enqueue", lambda path, **kw: queued.append(path) or "id")
    monkeypatch.setitem(app.extensions, "catalog_change_hooks", [])
    on_catalogue_change(app, pc._enqueue_warming)
    monkeypatch.setattr(cached, "store", pc.FileStore(app.config["UPLOAD_DIR"] + "-pc", ttl=60))
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)
    with app.app_context():
        catalogue_changed(app)
    assert queued == []
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    with app.app_context():
        catalogue_changed(app)
    assert queued == [pc.WARM_JOB]
    # A process-local store is not worth warming from another process.
    monkeypatch.setattr(cached, "store", pc.MemoryStore(ttl=60))
    with app.app_context():
        catalogue_changed(app)
    assert queued == [pc.WARM_JOB]


def test_file_store_shares_entries_and_expires_them(tmp_path):
    a, b = pc.FileStore(str(tmp_path), ttl=60), pc.FileStore(str(tmp_path), ttl=60)
    entry = pc.Entry("k", "product", [1, "x"], [], [("Content-Type", "text/html")], b"<p>body</p>")
    a.put("k", entry.dumps())
    loaded = pc.Entry.loads(b.get("k"))
    assert (loaded.key, loaded.validator, loaded.body) == ("k", [1, "x"], b"<p>body</p>")
    assert loaded.headers == [("Content-Type", "text/html")]
    assert b.get("other") is None
    old = time.time() - 120
    import os

    path = next(tmp_path.iterdir())
    os.utime(path, (old, old))
    assert b.get("k") is None
    a.clear()
    assert list(tmp_path.iterdir()) == []


def test_redis_store_round_trip_and_clear():
    import secrets

    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/14", socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    store = pc.RedisStore("redis://127.0.0.1:6379/14", f"sf:test:{secrets.token_hex(4)}:", ttl=30)
    store.put("a", b"one")
    store.put("b", b"two")
    assert (store.get("a"), store.get("b"), store.get("c")) == (b"one", b"two", None)
    assert 0 < store.redis.ttl(store.prefix + pc._digest("a")) <= 30
    store.clear()
    assert store.get("a") is None and store.get("b") is None


def test_a_store_outage_serves_from_the_app(app, cached, shop, monkeypatch):
    class Broken:
        shared = True

        def get(self, key):
            raise ConnectionError("down")

        def put(self, key, raw):
            raise ConnectionError("down")

    monkeypatch.setattr(cached, "store", Broken())
    resp = fresh_get(app.test_client(), f"/products/{shop['W-BELT-1'].slug}")
    assert resp.status_code == 200 and "Aurora Belt" in text(resp)


def test_near_copies_are_revalidated_and_fall_back_to_the_shared_store(app, cached, shop, db_session,
                                                                        monkeypatch):
    # Two processes (two middlewares) on one shared store, each with its own near copies.
    shared = pc.MemoryStore(ttl=600)
    inner = cached.wsgi_app
    a = pc.PageCache(inner, app, shared, build="test", near=pc.NearCache(1 << 20, ttl=600))
    b = pc.PageCache(inner, app, shared, build="test", near=pc.NearCache(1 << 20, ttl=600))
    client = app.test_client()
    url = f"/products/{shop['W-BELT-1'].slug}"

    def via(cache):
        monkeypatch.setattr(app, "wsgi_app", cache)
        return fresh_get(client, url)

    assert state(via(a)) == "miss"
    key = next(iter(a.near._data))
    reads = []
    monkeypatch.setattr(shared, "get", lambda k, get=shared.get: reads.append(k) or get(k))
    assert state(via(a)) == "hit" and reads == []  # a's own copy: no store read
    assert state(via(b)) == "hit" and reads == [key]  # b reads the store once, then keeps a copy

    shop["W-BELT-1"].price_amount = 17_500
    db_session.commit()
    resp = via(b)  # b's copy is stale: b renders the new page and stores it
    assert state(resp) == "miss" and "$175.00" in text(resp)
    resp = via(a)  # a's copy is stale too, and the store has b's fresh page
    assert state(resp) == "hit" and "$175.00" in text(resp) and "$199.00" not in text(resp)
    assert a.near.get(key).validator == b.near.get(key).validator


def test_near_cache_is_bounded_by_bytes_and_age(monkeypatch):
    near = pc.NearCache(max_bytes=1000, ttl=30)

    def entry(key, size):
        return pc.Entry(key, "product", [key], [], [("Content-Type", "text/html")], b"x" * size)

    for key in "abcd":
        near.put(entry(key, 240))
    near.put(entry("e", 240))  # over 1000 bytes: the least recently used goes
    assert near.get("a") is None and near.get("b") is not None and near.bytes == 960
    near.put(entry("big", 251))  # over a quarter of the budget: never kept
    assert near.get("big") is None
    near.put(entry("b", 100))  # replacing an entry counts its new size only
    assert near.bytes == 820
    now = time.monotonic()
    monkeypatch.setattr(pc.time, "monotonic", lambda: now + 31)
    assert near.get("b") is None and near.bytes == 720
    near.clear()
    assert near.bytes == 0 and near.get("c") is None
