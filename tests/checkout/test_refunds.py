"""Refunds by staff (CLI now, a service for the staff pages later), confirmed by the webhook."""

from __future__ import annotations

from sqlalchemy import select

from storefront.mail import OutboxEmail
from storefront.orders.models import Order, OrderRefund
from tests.checkout.fixtures import card_token, deliver, make_event, order_body, seed, stripe_event
from tests.factories import product_record


def _paid_order(client, db_session, localstripe, gateway, webhook_secret, price=20000):
    a, = seed(db_session, product_record(price=price))
    order_id = client.post("/api/v1/orders", json=order_body((a.sku, 1))).get_json()["order_id"]
    client.post(f"/api/v1/orders/{order_id}/payment", json={"token": card_token(localstripe)})
    order = db_session.scalar(select(Order).where(Order.public_id == order_id))
    event = stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id)
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "paid"
    return order_id


def _order(db_session, order_id):
    db_session.expire_all()
    return db_session.scalar(select(Order).where(Order.public_id == order_id))


def _charge_refunded(gateway, order):
    intent = gateway.retrieve_intent(order.payment_intent_id)
    return make_event("charge.refunded", gateway.retrieve_charge(intent.latest_charge))


def test_partial_then_full_refund_via_cli_confirmed_by_webhook(shop, client, db_session, cli_runner,
                                                              localstripe, gateway, webhook_secret):
    order_id = _paid_order(client, db_session, localstripe, gateway, webhook_secret)
    result = cli_runner.invoke(args=["orders", "refund", order_id, "--amount", "5000",
                                     "--reason", "scratched"])
    assert result.exit_code == 0, result.output
    assert "submitted" in result.output
    order = _order(db_session, order_id)
    # Stripe has the refund, but the order changes only when the webhook confirms it.
    assert order.status == "paid" and order.amount_refunded == 0
    refund = db_session.scalar(select(OrderRefund).where(OrderRefund.order_id == order.id))
    assert refund.status == "submitted" and refund.stripe_refund_id.startswith("re_")
    assert refund.reason == "scratched" and refund.requested_by.startswith("cli")
    assert deliver(client, _charge_refunded(gateway, order), webhook_secret).status_code == 200
    order = _order(db_session, order_id)
    assert (order.status, order.amount_refunded) == ("partially_refunded", 5000)
    assert db_session.get(OrderRefund, refund.id).status == "succeeded"
    # The rest: default amount is what is left.
    assert cli_runner.invoke(args=["orders", "refund", order_id]).exit_code == 0
    deliver(client, _charge_refunded(gateway, order), webhook_secret)
    order = _order(db_session, order_id)
    assert (order.status, order.amount_refunded) == ("refunded", 20000)
    notices = db_session.scalars(select(OutboxEmail.dedupe_key).where(
        OutboxEmail.dedupe_key.like(f"order-refund:{order_id}:%"))).all()
    assert sorted(notices) == [f"order-refund:{order_id}:20000", f"order-refund:{order_id}:5000"]
    refused = cli_runner.invoke(args=["orders", "refund", order_id, "--amount", "1"])
    assert refused.exit_code != 0 and "not_refundable" in refused.output


def test_refund_bounds_and_unpaid_orders(shop, client, db_session, cli_runner, localstripe, gateway,
                                         webhook_secret):
    order_id = _paid_order(client, db_session, localstripe, gateway, webhook_secret, price=10000)
    too_much = cli_runner.invoke(args=["orders", "refund", order_id, "--amount", "10001"])
    assert too_much.exit_code != 0 and "between 1 and 10000" in too_much.output
    cli_runner.invoke(args=["orders", "refund", order_id, "--amount", "6000"])
    # An unconfirmed refund still counts against what can be refunded.
    over = cli_runner.invoke(args=["orders", "refund", order_id, "--amount", "4001"])
    assert over.exit_code != 0 and "between 1 and 4000" in over.output
    a, = seed(db_session, product_record())
    unpaid = client.post("/api/v1/orders", json=order_body((a.sku, 1))).get_json()["order_id"]
    result = cli_runner.invoke(args=["orders", "refund", unpaid])
    assert result.exit_code != 0 and "not_refundable" in result.output
    assert cli_runner.invoke(args=["orders", "refund", "nope"]).exit_code != 0


def test_sync_applies_refunds_stripe_made_without_a_webhook(shop, client, db_session, cli_runner,
                                                           localstripe, gateway, webhook_secret):
    order_id = _paid_order(client, db_session, localstripe, gateway, webhook_secret)
    order = _order(db_session, order_id)
    gateway.create_refund(payment_intent=order.payment_intent_id, amount=20000, metadata={},
                          idempotency_key="dashboard-refund")
    result = cli_runner.invoke(args=["orders", "sync", order_id])
    assert result.exit_code == 0 and result.output.strip() == "refunded"
    assert _order(db_session, order_id).amount_refunded == 20000


def test_fulfil_and_cancel_commands(shop, client, db_session, cli_runner, localstripe, gateway,
                                    webhook_secret):
    order_id = _paid_order(client, db_session, localstripe, gateway, webhook_secret)
    assert cli_runner.invoke(args=["orders", "cancel", order_id]).exit_code != 0
    result = cli_runner.invoke(args=["orders", "fulfil", order_id])
    assert result.exit_code == 0 and "fulfilled" in result.output
    assert cli_runner.invoke(args=["orders", "fulfil", order_id]).exit_code != 0
    a, = seed(db_session, product_record(stock=1))
    unpaid = client.post("/api/v1/orders", json=order_body((a.sku, 1))).get_json()["order_id"]
    result = cli_runner.invoke(args=["orders", "cancel", unpaid])
    assert result.exit_code == 0 and "cancelled" in result.output
    order = _order(db_session, unpaid)
    assert order.status == "cancelled"
    assert gateway.retrieve_intent(order.payment_intent_id).status == "canceled"
    shown = cli_runner.invoke(args=["orders", "show", unpaid])
    assert '"status": "cancelled"' in shown.output and '"to": "cancelled"' in shown.output
