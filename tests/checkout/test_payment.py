"""Paying an order: card tokens, server-side confirmation, 3-D Secure, declines, the webhook."""

from __future__ import annotations

from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.mail import OutboxEmail
from storefront.orders.models import Order, OrderEvent
from tests.checkout.fixtures import (
    CARD_3DS,
    CARD_CHARGE_DECLINED,
    CARD_DECLINED,
    CARD_OK,
    authenticate_3ds,
    card_token,
    deliver,
    order_body,
    seed,
    stripe_event,
)
from tests.factories import product_record


def _place(client, sku, qty=1):
    resp = client.post("/api/v1/orders", json=order_body((sku, qty)))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _order(db_session, order_id) -> Order:
    db_session.expire_all()
    return db_session.scalar(select(Order).where(Order.public_id == order_id))


def _pay(client, order_id, token):
    return client.post(f"/api/v1/orders/{order_id}/payment", json={"token": token})


def test_card_payment_is_confirmed_by_the_webhook_once(shop, client, db_session, localstripe, gateway,
                                                      webhook_secret, smtp_server, monkeypatch):
    monkeypatch.setitem(shop.config, "MAIL_SERVER", smtp_server.host)
    monkeypatch.setitem(shop.config, "MAIL_PORT", smtp_server.port)
    monkeypatch.setitem(shop.config, "MAIL_SYNC_DRAIN", True)
    belt, = seed(db_session, product_record(price=25000, stock=4))
    placed = _place(client, belt.sku, 2)
    resp = _pay(client, placed["order_id"], card_token(localstripe, CARD_OK))
    assert resp.status_code == 200 and resp.get_json()["status"] == "processing"
    order = _order(db_session, placed["order_id"])
    # Stripe says succeeded, but only the webhook makes the order paid.
    assert order.status == "pending_payment" and order.payment_status == "succeeded"
    page = client.get(f"/orders/{placed['order_id']}")
    assert b"Processing your payment" in page.data

    event = stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id)
    for _ in range(3):  # Stripe may deliver an event more than once
        assert deliver(client, event, webhook_secret).status_code == 200
    order = _order(db_session, placed["order_id"])
    assert order.status == "paid" and order.amount_paid == 50000 and order.charge_id
    assert db_session.scalar(select(func.count(OrderEvent.id)).where(
        OrderEvent.order_id == order.id, OrderEvent.to_status == "paid")) == 1
    assert db_session.scalar(select(Product.stock).where(Product.sku == belt.sku)) == 2
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == [f"Order #{order.number} confirmed", f"Ship order #{order.number}"]
    confirmation = next(m for m in smtp_server.messages if m["To"] == "buyer@example.com")
    assert "$500.00" in confirmation.get_content()
    assert b"Paid" in client.get(f"/orders/{placed['order_id']}").data
    # Paying again is a no-op.
    assert _pay(client, placed["order_id"], card_token(localstripe)).get_json()["status"] == "paid"


def test_declined_card_fails_the_order_and_releases_stock(shop, client, db_session, localstripe, gateway):
    belt, = seed(db_session, product_record(stock=3))
    placed = _place(client, belt.sku, 3)
    assert db_session.scalar(select(Product.stock).where(Product.sku == belt.sku)) == 0
    resp = _pay(client, placed["order_id"], card_token(localstripe, CARD_DECLINED))
    assert resp.get_json() == {"status": "failed", "client_secret": None,
                               "message": "Your card was declined."}
    order = _order(db_session, placed["order_id"])
    assert order.status == "payment_failed" and order.payment_error == "Your card was declined."
    assert db_session.scalar(select(Product.stock).where(Product.sku == belt.sku)) == 3
    assert gateway.retrieve_intent(order.payment_intent_id).status == "canceled"
    again = _pay(client, placed["order_id"], card_token(localstripe, CARD_OK))
    assert again.status_code == 409 and again.get_json()["code"] == "order_not_payable"
    assert b"Payment failed" in client.get(f"/orders/{placed['order_id']}").data


def test_charge_declined_after_attach_and_its_late_webhook_is_harmless(shop, client, db_session, localstripe,
                                                                      gateway, webhook_secret):
    belt, = seed(db_session, product_record(stock=2))
    placed = _place(client, belt.sku)
    resp = _pay(client, placed["order_id"], card_token(localstripe, CARD_CHARGE_DECLINED))
    assert resp.get_json()["status"] == "failed"
    order = _order(db_session, placed["order_id"])
    assert order.status == "payment_failed"
    event = stripe_event(gateway, "payment_intent.payment_failed", order.payment_intent_id)
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "ignored_payment_failed"
    assert db_session.scalar(select(Product.stock).where(Product.sku == belt.sku)) == 2


def test_3d_secure_card_needs_action_then_the_webhook_pays(shop, client, db_session, localstripe,
                                                           gateway, webhook_secret):
    belt, = seed(db_session, product_record(stock=2))
    placed = _place(client, belt.sku)
    resp = _pay(client, placed["order_id"], card_token(localstripe, CARD_3DS))
    body = resp.get_json()
    assert body["status"] == "requires_action" and body["client_secret"] == placed["client_secret"]
    assert authenticate_3ds(localstripe, body["client_secret"], success=True)["status"] == "succeeded"
    result = client.post(f"/checkout/pay/{placed['order_id']}/result")
    assert result.get_json()["status"] == "succeeded"
    order = _order(db_session, placed["order_id"])
    assert order.status == "pending_payment" and order.payment_status == "succeeded"
    event = stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id)
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "paid"
    assert _order(db_session, placed["order_id"]).status == "paid"


def test_failed_3d_secure_fails_the_order(shop, client, db_session, localstripe):
    belt, = seed(db_session, product_record(stock=2))
    placed = _place(client, belt.sku, 2)
    body = _pay(client, placed["order_id"], card_token(localstripe, CARD_3DS)).get_json()
    authenticate_3ds(localstripe, body["client_secret"], success=False)
    result = client.post(f"/checkout/pay/{placed['order_id']}/result")
    assert result.get_json()["status"] == "payment_failed"
    order = _order(db_session, placed["order_id"])
    assert order.status == "payment_failed"
    assert db_session.scalar(select(Product.stock).where(Product.sku == belt.sku)) == 2


def test_bad_tokens_are_4xx(shop, client, db_session):
    belt, = seed(db_session, product_record())
    placed = _place(client, belt.sku)
    assert _pay(client, placed["order_id"], "not-a-token").status_code == 422
    missing = _pay(client, placed["order_id"], "tok_doesnotexist")
    assert missing.status_code == 422 and missing.get_json()["code"] == "payment_rejected"
    assert _order(db_session, placed["order_id"]).status == "pending_payment"
    assert _pay(client, "nope", "tok_abc").status_code == 404
    assert db_session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_a_lost_webhook_is_recovered_when_the_order_is_read(shop, client, db_session, localstripe):
    from datetime import timedelta

    from sqlalchemy import update

    from storefront.db import utcnow

    belt, = seed(db_session, product_record(stock=2))
    placed = _place(client, belt.sku)
    assert _pay(client, placed["order_id"], card_token(localstripe)).get_json()["status"] == "processing"
    assert b"Processing your payment" in client.get(f"/orders/{placed['order_id']}").data
    db_session.execute(update(Order).where(Order.public_id == placed["order_id"])
                       .values(updated_at=utcnow() - timedelta(minutes=2)))
    db_session.commit()
    page = client.get(f"/orders/{placed['order_id']}")
    assert b"Paid" in page.data
    assert _order(db_session, placed["order_id"]).status == "paid"
    assert db_session.scalar(select(func.count(OutboxEmail.id))) == 2


def test_retry_after_a_lost_answer_says_processing_not_rejected(shop, client, db_session, localstripe,
                                                                gateway):
    """Stripe confirmed, but the shop lost the outcome (a database fault, a 503 to the buyer).

    The buyer pays again with a new token: the intent is already paid and refuses changes. The
    answer must be "processing" (the webhook or the reconciliation finishes it), not a 422
    telling someone whose card was charged that the payment was rejected — and no new charge.
    """
    belt, = seed(db_session, product_record(price=9900, stock=2))
    placed = _place(client, belt.sku)
    assert _pay(client, placed["order_id"], card_token(localstripe)).get_json()["status"] == "processing"
    order = _order(db_session, placed["order_id"])
    intent_id = order.payment_intent_id
    order.payment_status = None  # as if the commit after Stripe's confirmation never happened
    db_session.commit()
    again = _pay(client, placed["order_id"], card_token(localstripe))
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["status"] == "processing"
    assert _order(db_session, placed["order_id"]).payment_status == "succeeded"
    charges = [c for c in gateway.client.v1.charges.list({"limit": 100}).auto_paging_iter()
               if c.to_dict().get("payment_intent") == intent_id]
    assert len(charges) == 1
