"""Races across processes on PostgreSQL: gunicorn with 2 workers, buyers in 2 client processes."""

from __future__ import annotations

import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.mail import OutboxEmail, drain
from storefront.orders.models import Order, OrderEvent, StockReservation
from storefront.payments.models import StripeEvent
from storefront.payments.signatures import signature_header
from tests.checkout.fixtures import CARD_OK, order_body, stripe_event, wait_for
from tests.checkout.live import SmtpSink, start_gunicorn
from tests.conftest import drop_database, free_port, fresh_database_url, make_app, require_postgres
from tests.factories import create_products, product_record

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _buy(shop_url: str, stripe_url: str, sku: str, start_at: float) -> str:
    """One buyer: order one unit, and pay it with a card token if the order was accepted."""
    time.sleep(max(0.0, start_at - time.time()))  # line the buyers up to start together
    resp = requests.post(f"{shop_url}/api/v1/orders", json=order_body((sku, 1)), timeout=30)
    if resp.status_code != 201:
        return f"{resp.status_code}:{resp.json().get('code')}"
    order_id = resp.json()["order_id"]
    token = requests.post(f"{stripe_url}/v1/tokens", timeout=30, data={
        "card[number]": CARD_OK, "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123", "key": "pk_test_localstripe"}).json()["id"]
    paid = requests.post(f"{shop_url}/api/v1/orders/{order_id}/payment", json={"token": token}, timeout=30)
    return f"201:{paid.json().get('status')}"


def _buyer_process(shop_url: str, stripe_url: str, sku: str, buyers: int, start_at: float) -> list[str]:
    with ThreadPoolExecutor(buyers) as pool:
        futures = [pool.submit(_buy, shop_url, stripe_url, sku, start_at) for _ in range(buyers)]
        return [f.result() for f in futures]


@pytest.fixture(scope="module")
def race_shop(tmp_path_factory, localstripe):
    require_postgres()
    url = fresh_database_url(tmp_path_factory.mktemp("race"), "race")
    app = make_app(url)  # runs the migrations
    sink = SmtpSink(free_port())
    shop = start_gunicorn(url, free_port(), localstripe, extra_env={
        "MAIL_SERVER": sink.host, "MAIL_PORT": str(sink.port)})
    try:
        yield app, shop, sink
    finally:
        # Later tests must not receive this module's deliveries.
        localstripe.register_webhook("http://127.0.0.1:9/unused", shop.webhook_secret, "race")
        shop.stop()
        sink.stop()
        with app.app_context():
            db.engine.dispose()
        drop_database(url)


def test_twenty_buyers_in_two_processes_for_the_last_five_units(race_shop, localstripe):
    app, shop, _ = race_shop
    localstripe.register_webhook(f"{shop.url}/stripe/webhook", shop.webhook_secret, "race")
    with app.app_context():
        product, = create_products(db.session, product_record(stock=5))
        sku = product.sku
        db.session.commit()
    start_at = time.time() + 3
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        batches = [pool.submit(_buyer_process, shop.url, localstripe.url, sku, 10, start_at)
                   for _ in range(2)]
        results = [r for batch in batches for r in batch.result()]
    assert sorted(results) == ["201:processing"] * 5 + ["409:out_of_stock"] * 15, results

    def paid_count():
        with app.app_context():
            return db.session.scalar(select(func.count(Order.id)).where(Order.status == "paid")) == 5

    wait_for(paid_count, timeout=60, what="five webhook-confirmed payments")
    with app.app_context():
        assert db.session.scalar(select(Product.stock).where(Product.sku == sku)) == 0
        assert db.session.scalar(select(func.count(Order.id))) == 5
        assert db.session.scalar(select(func.sum(StockReservation.quantity)).where(
            StockReservation.released_at.is_(None))) == 5
        assert db.session.scalar(select(func.count(OrderEvent.id)).where(OrderEvent.to_status == "paid")) == 5


def test_same_event_delivered_five_times_concurrently(race_shop, localstripe, gateway):
    app, shop, sink = race_shop
    with app.app_context():
        product, = create_products(db.session, product_record(stock=3, price=15000))
        sku = product.sku
        db.session.commit()
    # Stop localstripe's own delivery: this test delivers the event itself.
    localstripe.register_webhook("http://127.0.0.1:9/unused", shop.webhook_secret, "race")
    order_id = requests.post(f"{shop.url}/api/v1/orders", json=order_body((sku, 1)), timeout=30).json()["order_id"]
    token = requests.post(f"{localstripe.url}/v1/tokens", timeout=30, data={
        "card[number]": CARD_OK, "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123", "key": "pk_test_localstripe"}).json()["id"]
    requests.post(f"{shop.url}/api/v1/orders/{order_id}/payment", json={"token": token}, timeout=30)
    with app.app_context():
        intent_id = db.session.scalar(select(Order.payment_intent_id).where(Order.public_id == order_id))
    event = stripe_event(gateway, "payment_intent.succeeded", intent_id)
    payload = json.dumps(event).encode()
    headers = {"Stripe-Signature": signature_header(payload, shop.webhook_secret),
               "Content-Type": "application/json"}
    start_at = time.time() + 1

    def send():
        time.sleep(max(0.0, start_at - time.time()))
        return requests.post(f"{shop.url}/stripe/webhook", data=payload, headers=headers, timeout=30)

    with ThreadPoolExecutor(5) as pool:
        responses = list(pool.map(lambda _: send(), range(5)))
    assert [r.status_code for r in responses] == [200] * 5
    outcomes = sorted(r.json()["outcome"] for r in responses)
    assert outcomes == ["duplicate"] * 4 + ["paid"], outcomes

    with app.app_context():
        number = f"#{db.session.scalar(select(Order.number).where(Order.public_id == order_id))}"

    def two_messages():  # subjects carry the human order number
        mine = [m for m in sink.messages if m["Subject"].split()[-1] == number
                or m["Subject"] == f"Order {number} confirmed"]
        return mine if len(mine) >= 2 else None

    wait_for(two_messages, timeout=30, what="confirmation and ship emails")
    with app.app_context():
        # Nothing left to send: another drain sends nothing more.
        assert drain(db.session, {"MAIL_SERVER": sink.host, "MAIL_PORT": sink.port})["sent"] == 0
        order = db.session.scalar(select(Order).where(Order.public_id == order_id))
        assert order.status == "paid"
        assert db.session.scalar(select(func.count(OrderEvent.id)).where(
            OrderEvent.order_id == order.id, OrderEvent.to_status == "paid")) == 1
        assert db.session.scalar(select(func.count(StripeEvent.id)).where(
            StripeEvent.event_id == event["id"])) == 1
        assert db.session.scalar(select(func.count(OutboxEmail.id)).where(
            OutboxEmail.dedupe_key.like(f"%:{order_id}"))) == 2
    mine = sorted(m["Subject"] for m in sink.messages if m["Subject"].split()[-1] == number
                  or m["Subject"] == f"Order {number} confirmed")
    assert mine == [f"Order {number} confirmed", f"Ship order {number}"]
