"""Reservations run out: the expire command, expiry on read, and never expiring a paid order."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from storefront.catalog.models import Product
from storefront.db import utcnow
from storefront.mail import OutboxEmail
from storefront.orders.models import Order
from tests.checkout.fixtures import card_token, order_body, seed
from tests.factories import product_record


def _place(client, sku, qty=1):
    resp = client.post("/api/v1/orders", json=order_body((sku, qty)))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["order_id"]


def _age(db_session, order_id, minutes=31):
    db_session.execute(update(Order).where(Order.public_id == order_id)
                       .values(reservation_expires_at=utcnow() - timedelta(minutes=minutes - 30)))
    db_session.commit()


def _status(db_session, order_id):
    db_session.expire_all()
    return db_session.scalar(select(Order.status).where(Order.public_id == order_id))


def _stock(db_session, sku):
    return db_session.scalar(select(Product.stock).where(Product.sku == sku))


def test_expire_command_releases_stock_and_cancels_the_intent(shop, client, db_session, cli_runner, gateway):
    a, = seed(db_session, product_record(stock=3))
    due, fresh = _place(client, a.sku, 2), _place(client, a.sku, 1)
    assert _stock(db_session, a.sku) == 0
    _age(db_session, due)
    result = cli_runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 expired")
    assert (_status(db_session, due), _status(db_session, fresh)) == ("expired", "pending_payment")
    assert _stock(db_session, a.sku) == 2
    intent_id = db_session.scalar(select(Order.payment_intent_id).where(Order.public_id == due))
    assert gateway.retrieve_intent(intent_id).status == "canceled"
    again = cli_runner.invoke(args=["orders", "expire"])
    assert again.output.startswith("0 expired") and _stock(db_session, a.sku) == 2


def test_expiry_on_read(shop, client, db_session):
    a, = seed(db_session, product_record(stock=1))
    order_id = _place(client, a.sku)
    _age(db_session, order_id)
    page = client.get(f"/orders/{order_id}")
    assert page.status_code == 200 and b"was expired before it was paid" in page.data
    assert client.get(f"/api/v1/orders/{order_id}").get_json()["status"] == "expired"
    assert _stock(db_session, a.sku) == 1


def test_a_stale_reservation_gives_way_to_a_new_buyer(shop, client, db_session):
    a, = seed(db_session, product_record(stock=1))
    stale = _place(client, a.sku)
    assert client.post("/api/v1/orders", json=order_body((a.sku, 1))).status_code == 409
    _age(db_session, stale)
    fresh = _place(client, a.sku)
    assert (_status(db_session, stale), _status(db_session, fresh)) == ("expired", "pending_payment")
    assert _stock(db_session, a.sku) == 0


def test_an_order_paid_at_stripe_is_never_expired(shop, client, db_session, cli_runner, localstripe):
    """The webhook was lost: expiry asks Stripe first, finds the payment and pays the order."""
    a, = seed(db_session, product_record(stock=2))
    order_id = _place(client, a.sku)
    paid = client.post(f"/api/v1/orders/{order_id}/payment", json={"token": card_token(localstripe)})
    assert paid.get_json()["status"] == "processing"
    _age(db_session, order_id)
    result = cli_runner.invoke(args=["orders", "expire"])
    assert '"paid": 1' in result.output
    assert _status(db_session, order_id) == "paid"
    assert _stock(db_session, a.sku) == 1
    assert db_session.scalar(select(func.count(OutboxEmail.id))) == 2  # confirmation + ship request


def test_pay_after_expiry_is_refused(shop, client, db_session, localstripe):
    a, = seed(db_session, product_record(stock=2))
    order_id = _place(client, a.sku)
    _age(db_session, order_id)
    resp = client.post(f"/api/v1/orders/{order_id}/payment", json={"token": card_token(localstripe)})
    assert resp.status_code == 409 and resp.get_json()["code"] == "order_not_payable"
    assert _status(db_session, order_id) == "expired"
