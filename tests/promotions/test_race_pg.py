"""The last uses of a code, raced by buyers in two gunicorn worker processes on PostgreSQL.

Ten buyers with distinct emails start together for a code with two uses left; each pays at
once when its order is accepted. Exactly two orders get the code (the rest are told it was
used up before paying), both count when Stripe's webhook confirms them, and the counters
never pass the limit.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import select

from storefront.extensions import db
from storefront.orders.models import Order
from storefront.promotions import service
from storefront.promotions.models import Promotion, PromotionRedemption
from tests.checkout.fixtures import CARD_OK, order_body, wait_for
from tests.checkout.live import start_gunicorn
from tests.conftest import drop_database, free_port, fresh_database_url, make_app, require_postgres
from tests.factories import create_products, product_record

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]


def _buy(shop_url: str, stripe_url: str, sku: str, n: int, start_at: float) -> tuple[int, str]:
    time.sleep(max(0.0, start_at - time.time()))
    resp = requests.post(f"{shop_url}/api/v1/orders", timeout=30, json=order_body(
        (sku, 1), email=f"racer{n}@example.com", promotion_code="LASTTWO"))
    if resp.status_code != 201:
        return resp.status_code, resp.json().get("code")
    order_id = resp.json()["order_id"]
    token = requests.post(f"{stripe_url}/v1/tokens", timeout=30, data={
        "card[number]": CARD_OK, "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123", "key": "pk_test_localstripe"}).json()["id"]
    paid = requests.post(f"{shop_url}/api/v1/orders/{order_id}/payment", json={"token": token},
                         timeout=30)
    return 201, paid.json().get("status")


@pytest.fixture(scope="module")
def promo_shop(tmp_path_factory, localstripe):
    require_postgres()
    url = fresh_database_url(tmp_path_factory.mktemp("promo-race"), "promorace")
    app = make_app(url)
    shop = start_gunicorn(url, free_port(), localstripe, start_timeout=120)
    try:
        yield app, shop
    finally:
        localstripe.register_webhook("http://127.0.0.1:9/unused", shop.webhook_secret, "promo-race")
        shop.stop()
        with app.app_context():
            db.engine.dispose()
        drop_database(url)


def test_the_last_uses_are_given_once_and_counted_when_paid(promo_shop, localstripe):
    app, shop = promo_shop
    localstripe.register_webhook(f"{shop.url}/stripe/webhook", shop.webhook_secret, "promo-race")
    with app.app_context():
        product, = create_products(db.session, product_record(stock=50))
        sku = product.sku
        promo = service.create(db.session, "LASTTWO", percent=20, usage_limit=3)
        promo.redeemed = 1  # one use already made: two left
        db.session.commit()
    start_at = time.time() + 2
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda n: _buy(shop.url, localstripe.url, sku, n, start_at),
                                range(10)))
    accepted = [r for r in results if r[0] == 201]
    refused = [r for r in results if r[0] != 201]
    assert len(accepted) == 2, results
    assert refused == [(422, "promotion_invalid")] * 8

    def counted():
        with app.app_context():
            db.session.expire_all()
            p = db.session.scalar(select(Promotion).where(Promotion.code == "LASTTWO"))
            return (p.held, p.redeemed) == (0, 3) and p
    wait_for(counted, timeout=30, what="both redemptions counted by the webhook")
    with app.app_context():
        rows = db.session.scalars(select(PromotionRedemption)).all()
        assert sorted(r.status.value for r in rows) == ["redeemed", "redeemed"]
        paid = db.session.scalars(select(Order).where(Order.promotion_code == "LASTTWO")).all()
        assert sorted(o.status.value for o in paid) == ["paid", "paid"]
        assert all(o.amount_paid == o.total_amount == 19900 - 3980 for o in paid)
        numbers = [o.number for o in db.session.scalars(select(Order))]
        assert len(numbers) == len(set(numbers))
