"""POST /api/v1/orders against localstripe with the real SDK: prices, stock, Stripe, errors."""

from __future__ import annotations

from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.orders.models import Order
from tests.checkout.fixtures import order_body, seed
from tests.factories import laser_record, product_record


def _stock(db_session, sku):
    return db_session.scalar(select(Product.stock).where(Product.sku == sku))


def test_create_order_prices_on_server_reserves_stock_and_opens_intent(shop, client, db_session, gateway):
    belt, = seed(db_session, product_record(price=19900, stock=7))
    resp = client.post("/api/v1/orders", json=order_body((belt.sku, 2)))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    # The contract's fields, plus the figures the order JSON grew (number, shipping, tax, ...).
    assert {"order_id", "status", "amount", "currency", "client_secret"} <= set(body)
    assert set(body) - {"order_id", "status", "amount", "currency", "client_secret"} == {
        "number", "subtotal", "shipping", "tax", "discount"}
    assert body["status"] == "pending_payment"
    assert body["amount"] == 39800 and body["currency"] == "USD"
    assert len(body["order_id"]) >= 20
    order = db_session.scalar(select(Order).where(Order.public_id == body["order_id"]))
    assert [(ln.sku, ln.unit_price, ln.quantity, ln.line_total) for ln in order.lines] == [
        (belt.sku, 19900, 2, 39800)]
    assert order.precautions_acknowledged_at is not None
    assert order.precautions_snapshot and order.precautions_snapshot[0]["sku"] == belt.sku
    assert _stock(db_session, belt.sku) == 5
    intent = gateway.retrieve_intent(order.payment_intent_id)
    assert (intent.amount, intent.currency) == (39800, "usd")
    assert intent.metadata == {"order_id": body["order_id"]}
    assert intent.client_secret == body["client_secret"]


def test_rx_only_product_is_refused_with_prescription_only(shop, client, db_session):
    laser, = seed(db_session, laser_record())
    resp = client.post("/api/v1/orders", json=order_body((laser.sku, 1)))
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["code"] == "prescription_only"
    assert body["errors"] == {"items[0].sku": ["Prescription device: sold to practitioners through a quote."]}
    assert db_session.scalar(select(func.count(Order.id))) == 0


def test_beyond_stock_is_409_out_of_stock_and_nothing_is_reserved(shop, client, db_session):
    a, b = seed(db_session, product_record(stock=3), product_record(stock=1))
    resp = client.post("/api/v1/orders", json=order_body((a.sku, 2), (b.sku, 2)))
    assert resp.status_code == 409
    body = resp.get_json()
    assert body["code"] == "out_of_stock"
    assert list(body["errors"]) == ["items[1].quantity"]
    assert (_stock(db_session, a.sku), _stock(db_session, b.sku)) == (3, 1)


def test_client_sent_prices_and_totals_are_rejected(shop, client, db_session):
    belt, = seed(db_session, product_record())
    body = order_body((belt.sku, 1))
    body["items"][0]["price"] = 1
    resp = client.post("/api/v1/orders", json=body)
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["items[0].price"] == ["Unknown field."]
    for field in ("total", "discount", "amount"):
        resp = client.post("/api/v1/orders", json={**order_body((belt.sku, 1)), field: 5})
        assert resp.status_code == 422, field
        assert field in resp.get_json()["errors"]
    assert db_session.scalar(select(func.count(Order.id))) == 0


def test_precautions_must_be_acknowledged(shop, client, db_session):
    belt, = seed(db_session, product_record())
    resp = client.post("/api/v1/orders", json=order_body((belt.sku, 1), precautions_acknowledged=False))
    assert resp.status_code == 422
    assert resp.get_json()["code"] == "precautions_not_acknowledged"
    resp = client.post("/api/v1/orders", json={k: v for k, v in order_body((belt.sku, 1)).items()
                                               if k != "precautions_acknowledged"})
    assert resp.status_code == 422
    assert "precautions_acknowledged" in resp.get_json()["errors"]


def test_bad_input_is_4xx_with_field_paths(shop, client, db_session):
    belt, = seed(db_session, product_record())
    cases = [
        ({"items": []}, "items"),
        (order_body((belt.sku, 0)), "items[0].quantity"),
        (order_body((belt.sku, 11)), "items[0].quantity"),
        (order_body((belt.sku, 1), email="not-an-email"), "email"),
        (order_body((belt.sku, 1), shipping_address={"name": "x"}), "shipping_address.postal_code"),
        (order_body(("NO-SUCH-SKU", 1)), "items[0].sku"),
    ]
    for body, field in cases:
        resp = client.post("/api/v1/orders", json=body)
        assert resp.status_code == 422, (body, resp.get_json())
        assert field in resp.get_json()["errors"], (field, resp.get_json())
    assert client.post("/api/v1/orders", data="{", content_type="application/json").status_code in (400, 422)


def test_idempotency_key_returns_the_same_order_and_refuses_another_body(shop, client, db_session, gateway):
    belt, = seed(db_session, product_record(stock=5))
    headers = {"Idempotency-Key": "test-key-0001"}
    first = client.post("/api/v1/orders", json=order_body((belt.sku, 1)), headers=headers)
    again = client.post("/api/v1/orders", json=order_body((belt.sku, 1)), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert _stock(db_session, belt.sku) == 4
    other = client.post("/api/v1/orders", json=order_body((belt.sku, 2)), headers=headers)
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"
    bad = client.post("/api/v1/orders", json=order_body((belt.sku, 1)), headers={"Idempotency-Key": "x"})
    assert bad.status_code == 422


def test_get_order_json(shop, client, db_session):
    belt, = seed(db_session, product_record(price=12345))
    order_id = client.post("/api/v1/orders", json=order_body((belt.sku, 1))).get_json()["order_id"]
    resp = client.get(f"/api/v1/orders/{order_id}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["order_id"] == order_id and body["status"] == "pending_payment"
    assert body["amount"] == 12345 and body["precautions_acknowledged"] is True
    assert body["lines"] == [{"sku": belt.sku, "name": belt.name, "unit_price": 12345,
                              "quantity": 1, "line_total": 12345, "discount": 0, "tax": 0}]
    assert "email" not in body
    assert client.get("/api/v1/orders/nope").status_code == 404


def test_without_stripe_bad_input_still_gets_its_own_4xx(app, client, db_session, monkeypatch):
    """No STRIPE_SECRET_KEY: the request is validated first; only a valid order hits the 503."""
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")
    monkeypatch.delitem(app.extensions, "storefront_stripe", raising=False)
    belt, laser = seed(db_session, product_record(stock=2), laser_record())
    cases = [
        (order_body(("NO-SUCH-SKU", 1)), 422, "validation_error", {"items[0].sku"}),
        (order_body((laser.sku, 1)), 422, "prescription_only", {"items[0].sku"}),
        (order_body((belt.sku, 3)), 409, "out_of_stock", {"items[0].quantity"}),
        (order_body((belt.sku, 1), precautions_acknowledged=False), 422, "precautions_not_acknowledged",
         {"precautions_acknowledged"}),
        (order_body((belt.sku, 1)), 503, "payment_provider_unavailable", set()),
    ]
    for body, status, code, fields in cases:
        resp = client.post("/api/v1/orders", json=body)
        assert (resp.status_code, resp.get_json()["code"]) == (status, code), resp.get_json()
        assert set(resp.get_json()["errors"]) == fields
    assert _stock(db_session, belt.sku) == 2
    assert db_session.scalar(select(func.count(Order.id))) == 0
    assert client.get("/api/v1/orders/" + "x" * 32).status_code == 404
