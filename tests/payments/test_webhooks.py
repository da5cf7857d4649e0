"""POST /stripe/webhook: signatures on the raw body, replays, unknown types, reordering, amounts."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.mail import OutboxEmail
from storefront.orders.models import Order, OrderEvent
from storefront.payments.models import StripeEvent
from tests.checkout.fixtures import (
    card_token,
    deliver,
    make_event,
    order_body,
    seed,
    signed,
    stripe_event,
)
from tests.factories import product_record


def _paid_intent_event(client, db_session, localstripe, gateway, sku, qty=1):
    placed = client.post("/api/v1/orders", json=order_body((sku, qty))).get_json()
    resp = client.post(f"/api/v1/orders/{placed['order_id']}/payment",
                       json={"token": card_token(localstripe)})
    assert resp.get_json()["status"] == "processing"
    order = db_session.scalar(select(Order).where(Order.public_id == placed["order_id"]))
    return order, stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id)


def _state(db_session, order_id):
    db_session.expire_all()
    order = db_session.scalar(select(Order).where(Order.public_id == order_id))
    return (order.status.value, order.amount_paid, order.amount_refunded,
            db_session.scalar(select(func.count(StripeEvent.id))),
            db_session.scalar(select(func.count(OutboxEmail.id))))


def test_forged_and_stale_signatures_are_400_and_change_nothing(shop, client, db_session, localstripe,
                                                               gateway, webhook_secret):
    belt, = seed(db_session, product_record())
    order, event = _paid_intent_event(client, db_session, localstripe, gateway, belt.sku)
    before = _state(db_session, order.public_id)
    forged = deliver(client, event, "whsec_wrong_secret")
    stale = deliver(client, event, webhook_secret, timestamp=int(time.time()) - 3600)
    payload, headers = signed(event, webhook_secret)
    tampered = client.post("/stripe/webhook", headers=headers,
                           data=payload.replace(b'"succeeded"', b'"succeeded" ', 1))
    unsigned = client.post("/stripe/webhook", data=json.dumps(event),
                           headers={"Content-Type": "application/json"})
    garbage = client.post("/stripe/webhook", data=b"t=1,v1=abc",
                          headers={"Stripe-Signature": "nonsense"})
    for resp in (forged, stale, tampered, unsigned, garbage):
        assert resp.status_code == 400
        assert resp.get_json()["code"] == "invalid_signature"
    assert _state(db_session, order.public_id) == before
    assert before[0] == "pending_payment"
    # The genuine delivery still works afterwards.
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "paid"


def test_signed_non_event_body_is_400(shop, client, db_session, webhook_secret):
    payload = b'{"hello": "world"}'
    from storefront.payments.signatures import signature_header

    resp = client.post("/stripe/webhook", data=payload,
                       headers={"Stripe-Signature": signature_header(payload, webhook_secret)})
    assert resp.status_code == 400 and resp.get_json()["code"] == "invalid_payload"


def test_unknown_types_are_acknowledged_and_recorded(shop, client, db_session, webhook_secret):
    event = make_event("customer.created", {"id": "cus_123", "object": "customer"})
    resp = deliver(client, event, webhook_secret)
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "ignored"
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "duplicate"
    assert db_session.scalar(select(func.count(StripeEvent.id))) == 1


def test_amount_or_currency_mismatch_does_not_pay(shop, client, db_session, localstripe, gateway,
                                                  webhook_secret):
    belt, = seed(db_session, product_record(price=10000))
    order, event = _paid_intent_event(client, db_session, localstripe, gateway, belt.sku)
    cheap = json.loads(json.dumps(event))
    cheap["id"] = event["id"] + "_cheap"
    cheap["data"]["object"]["amount"] = 100
    euro = json.loads(json.dumps(event))
    euro["id"] = event["id"] + "_eur"
    euro["data"]["object"]["currency"] = "eur"
    assert deliver(client, cheap, webhook_secret).get_json()["outcome"] == "amount_mismatch"
    assert deliver(client, euro, webhook_secret).get_json()["outcome"] == "amount_mismatch"
    db_session.expire_all()
    order = db_session.get(Order, order.id)
    assert order.status == "pending_payment" and "does not match" in order.attention
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "paid"


def test_late_failure_never_moves_a_paid_order_back(shop, client, db_session, localstripe, gateway,
                                                    webhook_secret):
    belt, = seed(db_session, product_record(stock=5))
    order, succeeded = _paid_intent_event(client, db_session, localstripe, gateway, belt.sku)
    failed = make_event("payment_intent.payment_failed",
                        {**succeeded["data"]["object"], "status": "requires_payment_method",
                         "last_payment_error": {"message": "Your card was declined."}})
    assert deliver(client, succeeded, webhook_secret).get_json()["outcome"] == "paid"
    assert deliver(client, failed, webhook_secret).get_json()["outcome"] == "ignored_paid"
    assert _state(db_session, order.public_id)[0] == "paid"
    assert db_session.scalar(select(Product.stock).where(Product.sku == belt.sku)) == 4


def test_refund_event_arriving_before_the_payment_event(shop, client, db_session, localstripe, gateway,
                                                        webhook_secret):
    belt, = seed(db_session, product_record(price=20000))
    order, succeeded = _paid_intent_event(client, db_session, localstripe, gateway, belt.sku)
    intent = gateway.retrieve_intent(order.payment_intent_id)
    gateway.create_refund(payment_intent=intent.id, amount=5000, metadata={}, idempotency_key="t-r1")
    charge = gateway.retrieve_charge(intent.latest_charge)
    assert charge["amount_refunded"] == 5000
    refunded = make_event("charge.refunded", charge)
    assert deliver(client, refunded, webhook_secret).get_json()["outcome"] == "partially_refunded"
    assert _state(db_session, order.public_id)[:3] == ("partially_refunded", 20000, 5000)
    # The payment event arrives last: the order does not go back to "paid".
    assert deliver(client, succeeded, webhook_secret).get_json()["outcome"] == "already_partially_refunded"
    assert _state(db_session, order.public_id)[:3] == ("partially_refunded", 20000, 5000)
    history = [e.to_status for e in db_session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id))]
    assert history == ["pending_payment", "paid", "partially_refunded"]


def test_older_refund_picture_after_a_newer_one_is_stale(shop, client, db_session, localstripe, gateway,
                                                         webhook_secret):
    belt, = seed(db_session, product_record(price=30000))
    order, succeeded = _paid_intent_event(client, db_session, localstripe, gateway, belt.sku)
    deliver(client, succeeded, webhook_secret)
    intent = gateway.retrieve_intent(order.payment_intent_id)
    gateway.create_refund(payment_intent=intent.id, amount=10000, metadata={}, idempotency_key="t-r2")
    first = make_event("charge.refunded", gateway.retrieve_charge(intent.latest_charge))
    gateway.create_refund(payment_intent=intent.id, amount=20000, metadata={}, idempotency_key="t-r3")
    second = make_event("charge.refunded", gateway.retrieve_charge(intent.latest_charge))
    assert deliver(client, second, webhook_secret).get_json()["outcome"] == "refunded"
    assert deliver(client, first, webhook_secret).get_json()["outcome"] == "stale"
    assert _state(db_session, order.public_id)[:3] == ("refunded", 30000, 30000)
