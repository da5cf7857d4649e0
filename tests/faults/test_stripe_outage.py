"""Stripe emulator stopped and restarted mid-run: 503s while down, nothing lost, stragglers reconciled."""

from __future__ import annotations

import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import requests
from sqlalchemy import func, select, update

from storefront.catalog.models import Product
from storefront.db import utcnow
from storefront.extensions import db
from storefront.orders.models import Order
from tests.checkout.fixtures import card_token, order_body, seed
from tests.conftest import (
    ROOT,
    drop_database,
    free_port,
    fresh_database_url,
    make_app,
    require_postgres,
)
from tests.factories import product_record

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _start_stripe(port: int, persist: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "storefront.payments.localstripe", "--port",
                             str(port), "--persist", persist], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60  # a loaded CI machine starts it slowly
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/v1/payment_intents", timeout=1,
                         auth=("sk_test_localstripe", ""))
            return proc
        except requests.RequestException:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("localstripe did not start")


@pytest.mark.timeout(180)
def test_stripe_down_then_back(tmp_path):
    require_postgres()
    url = fresh_database_url(tmp_path, "stripeout")
    port = free_port()
    persist = str(tmp_path / "stripe.pickle")
    stripe_proc = _start_stripe(port, persist)
    ls = SimpleNamespace(url=f"http://127.0.0.1:{port}")
    try:
        app = make_app(url, STRIPE_SECRET_KEY="sk_test_localstripe", STRIPE_API_BASE=ls.url,
                       STRIPE_WEBHOOK_SECRET="whsec_unused", STRIPE_CONNECT_TIMEOUT=1,
                       STRIPE_READ_TIMEOUT=2, STRIPE_MAX_RETRIES=0, ORDER_UNPAID_PER_CLIENT=0,
                       RECONCILE_GRACE_SECONDS=0)
        client = app.test_client()
        with app.app_context():
            belt, = seed(db.session, product_record(price=2500, stock=10))
            sku = belt.sku
        placed = [client.post("/api/v1/orders", json=order_body((sku, 1))).get_json()
                  for _ in range(3)]
        for order in placed[:2]:  # paid at Stripe; webhooks never arrive (none registered)
            resp = client.post(f"/api/v1/orders/{order['order_id']}/payment",
                               json={"token": card_token(ls)})
            assert resp.get_json()["status"] == "processing"

        stripe_proc.terminate()
        stripe_proc.wait(10)
        down = client.post("/api/v1/orders", json=order_body((sku, 1)))
        assert down.status_code == 503 and down.headers.get("Retry-After")
        with app.app_context():
            from storefront.checkout.reconcile import reconcile
            from storefront.checkout.settings import CheckoutSettings
            from storefront.payments import gateway_for

            counts = reconcile(db.session, gateway_for(app), CheckoutSettings.from_config(app.config))
            assert counts == {"stripe_unavailable": 3}  # nothing applied, nothing flagged
            assert db.session.scalar(select(Product.stock).where(Product.sku == sku)) == 7

        stripe_proc = _start_stripe(port, persist)  # back, with its state
        with app.app_context():
            # The unpaid one's reservation ran out meanwhile.
            db.session.execute(update(Order).where(Order.public_id == placed[2]["order_id"])
                               .values(reservation_expires_at=utcnow()))
            db.session.commit()
            counts = reconcile(db.session, gateway_for(app), CheckoutSettings.from_config(app.config))
            assert counts["paid"] == 2
            from storefront.checkout.flow import expire_due

            expire_due(db.session, gateway_for(app), CheckoutSettings.from_config(app.config))
            statuses = dict(db.session.execute(select(Order.public_id, Order.status)).all())
            assert [statuses[o["order_id"]].value for o in placed] == ["paid", "paid", "expired"]
            assert db.session.scalar(select(func.count(Order.id))) == 3  # the 503 stored nothing
            assert db.session.scalar(select(Product.stock).where(Product.sku == sku)) == 8
            # No double charge: one succeeded PaymentIntent per paid order.
            assert len({o["order_id"] for o in placed[:2]}) == 2
    finally:
        stripe_proc.terminate()
        stripe_proc.wait(10)
        drop_database(url)
