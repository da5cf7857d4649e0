"""Paying an accepted quote (deposit or full) through the normal checkout."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.checkout.quote_orders import create_order_for_quote
from storefront.checkout.settings import CheckoutSettings
from storefront.errors import ValidationError
from storefront.orders.models import Order
from tests.checkout.fixtures import card_token, deliver, stripe_event

LINES = [{"sku": "PANEL-5W-300", "name": "Private-label panel", "quantity": 500, "unit_price": 9000},
         {"description": "custom 8-zone wrap", "quantity": 1000, "unit_price": 4000}]


def _settings(shop):
    return CheckoutSettings.from_config(shop.config)


def test_quote_deposit_order_is_paid_through_checkout(shop, client, db_session, gateway, localstripe,
                                                      webhook_secret):
    placed = create_order_for_quote(db_session, gateway, quote_ref="Q-2026-0001", lines=LINES,
                                    amount=2_550_000, currency="USD", email="ana@example.com",
                                    payment="deposit", settings=_settings(shop))
    order = placed.order
    assert order.channel == "quote" and order.quote_payment == "deposit"
    assert order.total_amount == 2_550_000 and order.subtotal_amount == 8_500_000
    assert [ln.sku for ln in order.lines] == ["PANEL-5W-300", None]
    intent = gateway.retrieve_intent(order.payment_intent_id)
    assert (intent.amount, intent.client_secret) == (2_550_000, placed.client_secret)
    # Asking again returns the same order while it is open.
    again = create_order_for_quote(db_session, gateway, quote_ref="Q-2026-0001", lines=LINES,
                                   amount=2_550_000, currency="USD", email="ana@example.com",
                                   settings=_settings(shop))
    assert again.replayed and again.order.id == order.id
    page = client.get(f"/checkout/pay/{order.public_id}")
    assert page.status_code == 200 and b"$25,500.00" in page.data and b"Deposit" not in page.data
    pay = client.post(f"/api/v1/orders/{order.public_id}/payment", json={"token": card_token(localstripe)})
    assert pay.get_json()["status"] == "processing"
    event = stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id)
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "paid"
    db_session.expire_all()
    assert db_session.scalar(select(Order.status).where(Order.id == order.id)) == "paid"
    assert b"Deposit due" in client.get(f"/orders/{order.public_id}").data


def test_quote_order_validation(shop, db_session, gateway):
    with pytest.raises(ValidationError):
        create_order_for_quote(db_session, gateway, quote_ref="Q-1", lines=[], amount=1000,
                               currency="USD", email="a@example.com", settings=_settings(shop))
    with pytest.raises(ValidationError) as err:
        create_order_for_quote(db_session, gateway, quote_ref="Q-1",
                               lines=[{"name": "x", "quantity": 0, "unit_price": 1}], amount=1000,
                               currency="USD", email="a@example.com", settings=_settings(shop))
    assert "lines[0].quantity" in err.value.errors
    with pytest.raises(ValidationError):
        create_order_for_quote(db_session, gateway, quote_ref="Q-1", lines=LINES, amount=10,
                               currency="USD", email="a@example.com", settings=_settings(shop))
    with pytest.raises(ValidationError):
        create_order_for_quote(db_session, gateway, quote_ref="Q-1", lines=LINES, amount=1000,
                               currency="USD", email="a@example.com", payment="half",
                               settings=_settings(shop))


def _settle(db_session, order, paid, refunded=0, status="paid"):
    """Mark an order as Stripe's webhook would have (the webhook path is tested above)."""
    from sqlalchemy import update

    db_session.execute(update(Order).where(Order.id == order.id)
                       .values(status=status, amount_paid=paid, amount_refunded=refunded))
    db_session.commit()
    db_session.expire_all()


def test_balance_is_the_quoted_total_minus_the_deposit_kept(shop, db_session, gateway):
    from storefront.checkout.quote_orders import DepositNotPaid, NothingToPay

    def balance(ref, quoted_total, **kw):
        return create_order_for_quote(db_session, gateway, quote_ref=ref, lines=LINES, currency="USD",
                                      email="a@example.com", payment="balance", quoted_total=quoted_total,
                                      settings=_settings(shop), **kw)

    def deposit(ref, amount):
        return create_order_for_quote(db_session, gateway, quote_ref=ref, lines=LINES, amount=amount,
                                      currency="USD", email="a@example.com", payment="deposit",
                                      settings=_settings(shop)).order

    with pytest.raises(DepositNotPaid) as err:
        balance("Q-B-1", 10_000)  # no deposit order at all
    assert err.value.status == 409 and err.value.code == "deposit_not_paid"
    first = deposit("Q-B-1", 3_000)
    with pytest.raises(DepositNotPaid):
        balance("Q-B-1", 10_000)  # deposit order still pending
    _settle(db_session, first, 3_000, refunded=500, status="partially_refunded")
    with pytest.raises(ValidationError) as err:
        balance("Q-B-1", 10_000, amount=7_000)  # the caller's idea of the balance is wrong
    assert err.value.errors == {"amount": ["Must be 7500."]}
    placed = balance("Q-B-1", 10_000)
    assert placed.order.total_amount == 7_500 and placed.order.quote_payment == "balance"
    assert gateway.retrieve_intent(placed.order.payment_intent_id).amount == 7_500
    assert balance("Q-B-1", 10_000).order.id == placed.order.id  # idempotent per quote and kind

    covered = deposit("Q-B-2", 5_000)
    _settle(db_session, covered, 5_000)
    with pytest.raises(NothingToPay) as err:
        balance("Q-B-2", 5_000)
    assert err.value.code == "nothing_to_pay"
    refunded = deposit("Q-B-3", 5_000)
    _settle(db_session, refunded, 5_000, refunded=5_000, status="refunded")
    with pytest.raises(DepositNotPaid):
        balance("Q-B-3", 9_000)
    assert db_session.scalar(select(Order.id).where(Order.quote_payment == "balance",
                                                    Order.quote_ref != "Q-B-1")) is None
