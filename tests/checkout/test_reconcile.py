"""`storefront orders reconcile`: lost webhooks repaired, unknown PaymentIntents flagged, never expired."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from storefront.db import utcnow
from storefront.orders.models import Order
from tests.checkout.fixtures import card_token, order_body, seed
from tests.factories import product_record


def _order(db_session, public_id):
    db_session.expire_all()
    return db_session.scalar(select(Order).where(Order.public_id == public_id))


def test_reconcile_pays_lost_webhook_and_flags_unknown_intent(shop, app, client, cli_runner,
                                                              db_session, localstripe):
    belt, = seed(db_session, product_record(price=1000, stock=5))
    paid = client.post("/api/v1/orders", json=order_body((belt.sku, 1))).get_json()
    resp = client.post(f"/api/v1/orders/{paid['order_id']}/payment",
                       json={"token": card_token(localstripe)})
    assert resp.get_json()["status"] == "processing"  # webhook never delivered
    ghost = client.post("/api/v1/orders", json=order_body((belt.sku, 2))).get_json()
    db_session.execute(update(Order).where(Order.public_id == ghost["order_id"])
                       .values(payment_intent_id="pi_unknown_to_stripe",
                               reservation_expires_at=utcnow() - timedelta(minutes=1)))
    db_session.execute(update(Order).values(created_at=utcnow() - timedelta(hours=1)))
    db_session.commit()

    result = cli_runner.invoke(args=["orders", "reconcile"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output.strip().splitlines()[-1])
    assert counts.get("paid") == 1 and counts.get("unknown_intent") == 1
    assert _order(db_session, paid["order_id"]).status.value == "paid"
    flagged = _order(db_session, ghost["order_id"])
    assert flagged.status.value == "pending_payment" and "unknown at Stripe" in flagged.attention

    # Expiry never releases it; stock stays held until staff decide.
    result = cli_runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0
    assert _order(db_session, ghost["order_id"]).status.value == "pending_payment"
    assert db_session.get(type(belt), belt.id).stock == 5 - 1 - 2
    # A second run flags once, not twice.
    cli_runner.invoke(args=["orders", "reconcile"])
    assert _order(db_session, ghost["order_id"]).attention.count("unknown at Stripe") == 1


def test_expire_does_not_release_unknown_intent(shop, app, client, db_session):
    from storefront.checkout.flow import expire_order
    from storefront.checkout.settings import CheckoutSettings
    from storefront.payments import gateway_for

    belt, = seed(db_session, product_record(price=1000, stock=5))
    placed = client.post("/api/v1/orders", json=order_body((belt.sku, 1))).get_json()
    db_session.execute(update(Order).where(Order.public_id == placed["order_id"])
                       .values(payment_intent_id="pi_gone",
                               reservation_expires_at=utcnow() - timedelta(minutes=1)))
    db_session.commit()
    outcome = expire_order(db_session, gateway_for(app), CheckoutSettings.from_config(app.config),
                           placed["order_id"])
    assert outcome == "unknown_intent"
    assert _order(db_session, placed["order_id"]).status.value == "pending_payment"
