"""Quote → order → paid: the buyer accepts through the link and pays through checkout (localstripe)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storefront.mail import OutboxEmail
from storefront.orders.models import Order
from storefront.quotes import workflow
from storefront.quotes.models import PaymentOption, QuoteStatus
from tests.checkout.fixtures import card_token, deliver, stripe_event
from tests.quotes.conftest import make_quote


def _quoted(db_session, **kw):
    quote = make_quote(db_session)
    now = datetime.now(UTC)
    issued = workflow.issue_quote(db_session, quote, actor="staff:bob", unit_prices={1: 9000, 2: 4000},
                                  valid_until=now + timedelta(days=14), deposit_pct=30, now=now, **kw)
    db_session.commit()
    return quote, issued.token


def _orders(db_session, ref):
    return list(db_session.scalars(select(Order).where(Order.quote_ref == ref).order_by(Order.id)))


def test_accept_deposit_then_pay_through_checkout(shop, client, db_session, catalogue, localstripe, gateway,
                                                  webhook_secret):
    quote, token = _quoted(db_session)
    total = 500 * 9000 + 1000 * 4000
    page = client.get(f"/oem/quotes/{token}").get_data(as_text=True)
    assert "30% deposit: $25,500.00" in page and "Full amount: $85,000.00" in page
    assert "Precautions for these devices" in page

    # The precautions must be acknowledged, as in the shop's checkout.
    resp = client.post(f"/oem/quotes/{token}/accept", data={"payment_option": "deposit"})
    assert resp.status_code == 422
    db_session.refresh(quote)
    assert quote.status == QuoteStatus.QUOTED

    resp = client.post(f"/oem/quotes/{token}/accept",
                       data={"payment_option": "deposit", "precautions_acknowledged": "on"})
    assert resp.status_code == 303
    db_session.expire_all()
    (order,) = _orders(db_session, quote.reference)
    assert resp.headers["Location"] == f"/checkout/pay/{order.public_id}"
    db_session.refresh(quote)
    assert quote.status == QuoteStatus.ACCEPTED and quote.payment_option == PaymentOption.DEPOSIT
    assert quote.amount_due == total * 30 // 100 == order.total_amount
    assert quote.order_ref == order.public_id
    assert (order.channel, order.quote_payment, order.currency) == ("quote", "deposit", "USD")
    assert order.precautions_acknowledged_at is not None
    assert [e.action for e in quote.events][-2:] == ["accepted", "order_created"]

    # A second click (or a reload of the POST) leads to the same order, not a new one.
    again = client.post(f"/oem/quotes/{token}/accept", data={"payment_option": "full"})
    assert again.status_code == 303 and again.headers["Location"] == f"/checkout/pay/{order.public_id}"
    assert len(_orders(db_session, quote.reference)) == 1

    pay_page = client.get(f"/checkout/pay/{order.public_id}")
    assert pay_page.status_code == 200 and b"$25,500.00" in pay_page.data
    paid = client.post(f"/api/v1/orders/{order.public_id}/payment", json={"token": card_token(localstripe)})
    assert paid.status_code == 200, paid.get_json()
    event = stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id)
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "paid"
    db_session.expire_all()
    assert db_session.scalar(select(Order.status).where(Order.id == order.id)) == "paid"
    intent = gateway.retrieve_intent(order.payment_intent_id)
    assert (intent.amount, intent.currency) == (quote.amount_due, "usd")

    assert "Payment received" in client.get(f"/oem/quotes/{token}").get_data(as_text=True)
    emails = {m.dedupe_key: m for m in db_session.scalars(select(OutboxEmail))}
    buyer = emails[f"quote-accepted:{quote.reference}"]
    assert f"/checkout/pay/{order.public_id}" in buyer.body_text and "$25,500.00" in buyer.body_text


def test_full_payment_option(shop, client, db_session, catalogue):
    quote, token = _quoted(db_session)
    resp = client.post(f"/oem/quotes/{token}/accept",
                       data={"payment_option": "full", "precautions_acknowledged": "on"})
    assert resp.status_code == 303
    (order,) = _orders(db_session, quote.reference)
    assert order.total_amount == 500 * 9000 + 1000 * 4000 and order.quote_payment == "full"


def test_payment_outage_keeps_the_acceptance_and_retry_works(shop, client, db_session, catalogue, localstripe,
                                                             monkeypatch):
    quote, token = _quoted(db_session)
    monkeypatch.setitem(shop.config, "STRIPE_API_BASE", "http://127.0.0.1:1")  # nothing listens
    shop.extensions.pop("storefront_stripe", None)
    resp = client.post(f"/oem/quotes/{token}/accept",
                       data={"payment_option": "deposit", "precautions_acknowledged": "on"})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/oem/quotes/{token}"
    db_session.expire_all()
    db_session.refresh(quote)
    assert quote.status == QuoteStatus.ACCEPTED and quote.order_ref is None
    page = client.get(f"/oem/quotes/{token}").get_data(as_text=True)
    assert "payment could not be started" in page and "Continue to payment" in page
    assert db_session.scalar(select(func.count()).select_from(Order).where(Order.quote_ref == quote.reference)) == 0

    monkeypatch.setitem(shop.config, "STRIPE_API_BASE", localstripe.url)  # Stripe is back
    shop.extensions.pop("storefront_stripe", None)
    resp = client.post(f"/oem/quotes/{token}/pay")
    db_session.expire_all()
    (order,) = _orders(db_session, quote.reference)
    assert resp.status_code == 303 and resp.headers["Location"] == f"/checkout/pay/{order.public_id}"
    db_session.refresh(quote)
    assert quote.order_ref == order.public_id


def test_expired_quote_cannot_be_paid(shop, client, db_session, catalogue):
    quote = make_quote(db_session)
    now = datetime.now(UTC)
    issued = workflow.issue_quote(db_session, quote, actor="staff:bob", unit_prices={1: 9000, 2: 4000},
                                  valid_until=now - timedelta(seconds=1), now=now - timedelta(days=1))
    db_session.commit()
    resp = client.post(f"/oem/quotes/{issued.token}/accept",
                       data={"payment_option": "full", "precautions_acknowledged": "on"})
    assert resp.status_code == 410
    assert _orders(db_session, quote.reference) == []


def _pay(client, db_session, localstripe, gateway, webhook_secret, order):
    paid = client.post(f"/api/v1/orders/{order.public_id}/payment", json={"token": card_token(localstripe)})
    assert paid.status_code == 200, paid.get_json()
    event = stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id)
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "paid"
    db_session.expire_all()


def _balance_orders(db_session, ref):
    return [o for o in _orders(db_session, ref) if o.quote_payment == "balance"]


def test_balance_is_paid_after_the_deposit_through_the_same_page(shop, client, db_session, catalogue, localstripe,
                                                                 gateway, webhook_secret):
    quote, token = _quoted(db_session)
    total, deposit = 500 * 9000 + 1000 * 4000, (500 * 9000 + 1000 * 4000) * 30 // 100
    client.post(f"/oem/quotes/{token}/accept", data={"payment_option": "deposit", "precautions_acknowledged": "on"})
    (deposit_order,) = _orders(db_session, quote.reference)

    # Before the deposit is paid there is no balance to pay: refused, nothing created.
    early = client.post(f"/oem/quotes/{token}/pay", data={"payment": "balance"})
    assert early.status_code == 409 and "once the deposit has been received" in early.get_data(as_text=True)
    assert _balance_orders(db_session, quote.reference) == []
    assert "Balance due" not in client.get(f"/oem/quotes/{token}").get_data(as_text=True)

    _pay(client, db_session, localstripe, gateway, webhook_secret, deposit_order)
    page = client.get(f"/oem/quotes/{token}").get_data(as_text=True)
    assert "Payment received" in page and 'id="quote-balance">$59,500.00<' in page

    resp = client.post(f"/oem/quotes/{token}/pay", data={"payment": "balance"})
    assert resp.status_code == 303
    (balance,) = _balance_orders(db_session, quote.reference)
    assert resp.headers["Location"] == f"/checkout/pay/{balance.public_id}"
    assert balance.total_amount == total - deposit == 5_950_000
    assert (balance.channel, balance.currency, balance.quote_ref) == ("quote", "USD", quote.reference)
    assert gateway.retrieve_intent(balance.payment_intent_id).amount == 5_950_000
    assert b"Balance due" in client.get(f"/orders/{balance.public_id}").data
    # Idempotent: a second click leads to the same order and PaymentIntent.
    again = client.post(f"/oem/quotes/{token}/pay", data={"payment": "balance"})
    assert again.headers["Location"] == f"/checkout/pay/{balance.public_id}"
    assert len(_balance_orders(db_session, quote.reference)) == 1
    db_session.refresh(quote)
    assert [e.action for e in quote.events].count("balance_order_created") == 1
    assert quote.order_ref == deposit_order.public_id  # the quote still names the deposit order

    _pay(client, db_session, localstripe, gateway, webhook_secret, balance)
    page = client.get(f"/oem/quotes/{token}").get_data(as_text=True)
    assert "paid in full" in page and "Pay the balance" not in page
    after = client.post(f"/oem/quotes/{token}/pay", data={"payment": "balance"})
    assert after.headers["Location"] == f"/checkout/pay/{balance.public_id}"  # which shows the paid order
    assert len(_balance_orders(db_session, quote.reference)) == 1
    assert sum(o.amount_paid for o in _orders(db_session, quote.reference)) == total


def test_a_quote_paid_in_full_has_no_balance(shop, client, db_session, catalogue):
    quote, token = _quoted(db_session)
    client.post(f"/oem/quotes/{token}/accept", data={"payment_option": "full", "precautions_acknowledged": "on"})
    resp = client.post(f"/oem/quotes/{token}/pay", data={"payment": "balance"})
    assert resp.status_code == 409
    assert _balance_orders(db_session, quote.reference) == []
