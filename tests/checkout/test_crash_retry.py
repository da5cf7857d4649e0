"""A failure after the PaymentIntent is created and before the order commits: the retry yields
one order and one PaymentIntent (on a real database, with real commits; localstripe ignores
idempotency keys, so the shop's own intent record is what makes this hold)."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.orders import service
from storefront.orders.models import Order
from tests.checkout.fixtures import order_body
from tests.conftest import drop_database, fresh_database_url, make_app
from tests.factories import create_products, product_record


@pytest.fixture()
def committed_app(tmp_path, localstripe):
    url = fresh_database_url(tmp_path, "crash")
    secret = "whsec_" + secrets.token_hex(8)
    # A crash becomes a 500 response, as under a real server.
    app = make_app(url, PROPAGATE_EXCEPTIONS=False, **localstripe.env(secret))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_database(url)


def _intents_for(gateway, order_id):
    intents = gateway.client.v1.payment_intents.list({"limit": 100}).auto_paging_iter()
    return [pi.id for pi in intents if pi.to_dict().get("metadata", {}).get("order_id") == order_id]


def test_retry_after_a_crash_before_commit_reuses_the_intent(committed_app, gateway, monkeypatch):
    with committed_app.app_context():
        belt, = create_products(db.session, product_record(stock=3))
        sku = belt.sku
        db.session.commit()
    real_create = service.create_order
    calls = []

    def crash_after_insert(*args, **kwargs):
        order = real_create(*args, **kwargs)
        calls.append(order.public_id)
        if len(calls) == 1:
            raise RuntimeError("injected: process died before commit")
        return order

    monkeypatch.setattr(service, "create_order", crash_after_insert)
    client = committed_app.test_client()
    headers = {"Idempotency-Key": "crash-test-" + secrets.token_hex(6)}
    first = client.post("/api/v1/orders", json=order_body((sku, 2)), headers=headers)
    assert first.status_code == 500
    with committed_app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.scalar(select(Product.stock).where(Product.sku == sku)) == 3
    retry = client.post("/api/v1/orders", json=order_body((sku, 2)), headers=headers)
    assert retry.status_code == 201, retry.get_json()
    order_id = retry.get_json()["order_id"]
    assert calls == [order_id, order_id]  # same deterministic order id both times
    with committed_app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.scalar(select(Product.stock).where(Product.sku == sku)) == 1
        intent_id = db.session.scalar(select(Order.payment_intent_id))
    assert _intents_for(gateway, order_id) == [intent_id]
    # A third identical request is a replay of the stored order.
    replay = client.post("/api/v1/orders", json=order_body((sku, 2)), headers=headers)
    assert replay.get_json() == retry.get_json()
    assert _intents_for(gateway, order_id) == [intent_id]
