"""gunicorn workers SIGKILLed mid-request during a run of orders: nothing lost, doubled or oversold.

Buyers order and pay through localstripe against gunicorn (2 workers x 4 threads) on
PostgreSQL, with a real `storefront worker` beside it; twice during the run one gunicorn worker
is killed outright while requests are in flight (gunicorn starts a new one). Cut requests are
retried by the buyers (the order with its Idempotency-Key); payments whose outcome was lost and
webhooks the dead process had taken are reconciled from Stripe by the worker, which also sends
every email — web processes never talk to SMTP when a worker runs, so a kill cannot leave a
message accepted by SMTP but not recorded as sent.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from storefront.extensions import db
from storefront.payments import StripeGateway
from tests.checkout.fixtures import localstripe  # noqa: F401 - fixture
from tests.checkout.live import SmtpSink, start_gunicorn
from tests.conftest import drop_database, free_port, fresh_database_url, make_app, require_postgres
from tests.factories import create_products, product_record
from tests.faults.harness import (
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


def _workers(master_pid: int) -> list[int]:
    path = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(p) for p in path.read_text().split()]


@pytest.mark.timeout(150)
def test_workers_killed_mid_request(tmp_path, localstripe):  # noqa: F811
    require_postgres()
    require_redis()
    started = time.monotonic()
    url = fresh_database_url(tmp_path, "workerkill")
    sink = SmtpSink(free_port())
    shop = worker = app = None
    try:
        app = make_app(url)
        with app.app_context():
            product, = create_products(db.session, product_record(stock=STOCK, price=4900))
            sku = product.sku
            db.session.commit()
        env = worker_env(url, sink, f"fault-{uuid.uuid4().hex[:8]}")
        shop = start_gunicorn(url, free_port(), localstripe, workers=2, threads=4, extra_env=env)
        env.update(localstripe.env(shop.webhook_secret))
        worker = start_worker(env, tmp_path / "worker.log")
        localstripe.register_webhook(f"{shop.url}/stripe/webhook", shop.webhook_secret, "workerkill")

        run, threads = run_buyers(shop.url, localstripe.url, sku, BUYERS, concurrency=8,
                                  trigger_after=BUYERS // 4, timeout=60)
        assert run.acknowledged.wait(40), "the buyers never got going"
        killed = []
        for _ in range(2):
            victim = _workers(shop.proc.pid)[0]
            os.kill(victim, signal.SIGKILL)  # no clean-up, no finishing the request
            killed.append(victim)
            time.sleep(1.5)
        for t in threads:
            t.join(90)
        answers = run.answers()
        # Requests really were cut mid-flight (the client saw the connection drop).
        assert any("Error" in a for a in answers), answers
        assert not any(a.endswith(":500") for a in answers), answers
        assert shop.proc.poll() is None and len(_workers(shop.proc.pid)) == 2  # replaced

        settled = settle(app, BUYERS, tmp_path / "worker.log")
        gateway = StripeGateway("sk_test_localstripe", api_base=localstripe.url)
        figures = audit(app, gateway, run, sku, STOCK, sink.messages)
        assert figures["paid"] == BUYERS
        print(f"\nworkers {killed} killed: {figures}; left to the worker: {settled}; "
              f"{time.monotonic() - started:.0f} s")
    finally:
        localstripe.register_webhook("http://127.0.0.1:9/unused", "whsec_unused", "workerkill")
        stop_process(worker)
        if shop is not None:
            shop.stop()
        sink.stop()
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        drop_database(url)
