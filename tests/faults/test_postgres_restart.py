"""PostgreSQL restarted during a run of orders (a private cluster): nothing lost, doubled or oversold.

gunicorn (2 workers x 4 threads) serves buyers who order and pay through localstripe, and a
real `storefront worker` runs beside it, while the database goes down for two seconds and comes
back. Requests that meet the outage answer 503 with Retry-After (never 500) and the buyers
retry; webhooks that could not be applied and mail that could not be sent are finished by the
worker on its own (reconciliation from Stripe, the outbox drain) — no person, no test helper.
"""

from __future__ import annotations

import time
import uuid

import pytest

from storefront.extensions import db
from storefront.payments import StripeGateway
from tests.checkout.fixtures import localstripe  # noqa: F401 - fixture
from tests.checkout.live import SmtpSink, start_gunicorn
from tests.conftest import free_port, make_app, require_postgres
from tests.factories import create_products, product_record
from tests.faults.harness import (
    PrivateCluster,
    audit,
    require_redis,
    run_buyers,
    settle,
    start_worker,
    stop_process,
    worker_env,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

BUYERS = 36
STOCK = 50


@pytest.mark.timeout(150)
def test_postgres_restart_during_orders(tmp_path, localstripe):  # noqa: F811
    require_postgres()  # the suite's PostgreSQL pass (CI); the cluster itself is private
    require_redis()
    started = time.monotonic()
    cluster = PrivateCluster()
    sink = SmtpSink(free_port())
    shop = worker = None
    try:
        url = cluster.create_database("storefront_rt_fault")
        app = make_app(url)
        with app.app_context():
            product, = create_products(db.session, product_record(stock=STOCK, price=4900))
            sku = product.sku
            db.session.commit()
            db.engine.dispose()
        env = worker_env(url, sink, f"fault-{uuid.uuid4().hex[:8]}")
        shop = start_gunicorn(url, free_port(), localstripe, workers=2, threads=4, extra_env=env)
        env.update(localstripe.env(shop.webhook_secret))
        worker = start_worker(env, tmp_path / "worker.log")
        localstripe.register_webhook(f"{shop.url}/stripe/webhook", shop.webhook_secret, "pgrestart")

        run, threads = run_buyers(shop.url, localstripe.url, sku, BUYERS, concurrency=6,
                                  trigger_after=BUYERS // 4, timeout=60)
        assert run.acknowledged.wait(40), "the buyers never got going"
        cluster.stop("fast")  # in-flight transactions are cut; new connections refused
        time.sleep(2)
        cluster.start()
        for t in threads:
            t.join(90)
        answers = run.answers()
        # The fault was felt, and answered as designed: 503 (or a cut connection), never 500.
        assert any(a.endswith(":503") or "Error" in a for a in answers), answers
        assert not any(a.endswith(":500") for a in answers), answers

        settled = settle(app, BUYERS, tmp_path / "worker.log")
        gateway = StripeGateway("sk_test_localstripe", api_base=localstripe.url)
        figures = audit(app, gateway, run, sku, STOCK, sink.messages)
        assert figures["paid"] == BUYERS
        print(f"\npostgres restart: {figures}; left to the worker: {settled}; "
              f"{time.monotonic() - started:.0f} s")
    finally:
        localstripe.register_webhook("http://127.0.0.1:9/unused", "whsec_unused", "pgrestart")
        stop_process(worker)
        if shop is not None:
            shop.stop()
        sink.stop()
        cluster.destroy()
