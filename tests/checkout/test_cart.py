"""The session cart: add / change / remove by SKU, bounds, server prices, clear errors."""

from __future__ import annotations

from tests.checkout.fixtures import seed
from tests.factories import laser_record, product_record


def _cart(client):
    with client.session_transaction() as sess:
        return dict(sess.get("cart") or {})


def test_add_change_remove(shop, client, db_session):
    a, b = seed(db_session, product_record(price=19900, stock=5), product_record(price=5000, stock=5))
    resp = client.post("/cart/items", data={"sku": a.sku, "quantity": "2"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/cart")
    client.post("/cart/items", data={"sku": b.sku})
    client.post("/cart/items", data={"sku": a.sku, "quantity": "1"})
    assert _cart(client) == {a.sku: 3, b.sku: 1}
    page = client.get("/cart")
    assert page.status_code == 200
    assert b"$597.00" in page.data and b"$647.00" in page.data  # line total and subtotal
    client.post(f"/cart/items/{a.sku}", data={"quantity": "1"})
    assert _cart(client) == {a.sku: 1, b.sku: 1}
    client.post(f"/cart/items/{b.sku}", data={"quantity": "0"})
    assert _cart(client) == {a.sku: 1}


def test_json_clients_get_the_cart_as_json(shop, client, db_session):
    a, = seed(db_session, product_record(price=1000))
    resp = client.post("/cart/items", data={"sku": a.sku, "quantity": "3"},
                       headers={"Accept": "application/json"})
    assert resp.get_json() == {"items": [{"sku": a.sku, "quantity": 3}], "count": 3,
                               "subtotal": 3000, "currency": "USD"}
    bad = client.post("/cart/items", data={"sku": a.sku, "quantity": "x"},
                      headers={"Accept": "application/json"})
    assert bad.status_code == 422 and "quantity" in bad.get_json()["errors"]


def test_errors_are_clear_and_leave_the_cart_alone(shop, client, db_session):
    a, = seed(db_session, product_record(stock=2))
    laser, = seed(db_session, laser_record())
    client.post("/cart/items", data={"sku": a.sku, "quantity": "1"})
    cases = [
        ({"sku": a.sku, "quantity": "0"}, 422, b"whole number"),
        ({"sku": a.sku, "quantity": "-1"}, 422, b"whole number"),
        ({"sku": a.sku, "quantity": "1.5"}, 422, b"whole number"),
        ({"sku": a.sku, "quantity": "11"}, 422, b"whole number"),
        ({"sku": a.sku, "quantity": "2"}, 409, b"Only 2"),
        ({"sku": "NOPE", "quantity": "1"}, 404, b"No such product"),
        ({"quantity": "1"}, 422, b"SKU is required"),
        ({"sku": laser.sku, "quantity": "1"}, 422, b"prescription device"),
    ]
    for form, status, text in cases:
        resp = client.post("/cart/items", data=form)
        assert resp.status_code == status, (form, resp.status_code)
        assert text in resp.data, (form, resp.data[:2000])
    assert client.post("/cart/items/NOT-IN-CART", data={"quantity": "1"}).status_code == 404
    assert _cart(client) == {a.sku: 1}


def test_client_prices_totals_and_discounts_are_rejected(shop, client, db_session):
    a, = seed(db_session, product_record(price=19900))
    for field in ("price", "unit_price", "total", "discount", "currency"):
        resp = client.post("/cart/items", data={"sku": a.sku, "quantity": "1", field: "1"})
        assert resp.status_code == 422, field
        assert b"set by the shop" in resp.data
    assert _cart(client) == {}


def test_tampered_or_stale_session_cart_is_cleaned(shop, client, db_session):
    a, = seed(db_session, product_record())
    with client.session_transaction() as sess:
        sess["cart"] = {a.sku: 2, "GONE": 1, "BAD": "x", a.sku + "X": 999}
    page = client.get("/cart")
    assert page.status_code == 200
    assert a.sku.encode() in page.data and b"GONE" in page.data  # listed as no longer available
    assert _cart(client) == {a.sku: 2}



def app_client(app):
    """A fresh browser: no cookies of ours yet."""
    return app.test_client()


def test_cart_forms_need_csrf_when_enabled(shop, client, db_session, monkeypatch):
    a, = seed(db_session, product_record())
    monkeypatch.setitem(shop.config, "WTF_CSRF_ENABLED", True)
    # Shared product pages carry no token (tests/web/test_page_cache.py). From another site
    # (Origin, Sec-Fetch-Site) a token-less add adds nothing: the visitor is asked to confirm
    # with a token of their own.
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "null"}):
        visitor = app_client(shop)
        resp = visitor.post("/cart/items", data={"sku": a.sku}, headers=headers)
        assert resp.status_code == 400 and b"Add to your cart?" in resp.data, headers
        assert b'name="csrf_token" value=""' not in resp.data
        assert _cart(visitor) == {}
    # A wrong token is refused even on a first visit.
    resp = app_client(shop).post("/cart/items", data={"sku": a.sku, "csrf_token": "forged"})
    assert resp.status_code == 400 and b"Add to your cart?" in resp.data
    # A first visit from our own pages (or a plain HTTP client) has no session to forge a
    # request into: its token-less add goes through.
    first = app_client(shop)
    resp = first.post("/cart/items", data={"sku": a.sku, "quantity": "2"},
                      headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert resp.status_code == 303
    assert _cart(first) == {a.sku: 2}
    # Once the visitor has a session, a token-less add needs confirming again.
    resp = first.post("/cart/items", data={"sku": a.sku})
    assert resp.status_code == 400 and b"Add to your cart?" in resp.data
    assert _cart(first) == {a.sku: 2}
    for url, kwargs in (("/checkout", {"data": {"checkout_token": "t" * 24}}),
                        ("/checkout/pay/x", {"json": {"token": "tok_x"}})):
        resp = client.post(url, **kwargs)
        assert resp.status_code == 400 and b"CSRF" in resp.data, url
    # JSON API and the Stripe webhook take no cookies for authority: not CSRF-checked.
    assert client.post("/api/v1/orders", json={}).status_code == 422
    assert client.post("/stripe/webhook", data=b"{}").status_code == 400
