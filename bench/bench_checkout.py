"""Benchmark: checkout throughput under gunicorn (2 workers) on PostgreSQL, Stripe = localstripe.

Prints, from one run:
  * order creation (POST /api/v1/orders: price, PaymentIntent at localstripe through the SDK,
    reserve stock, insert) — orders/s and latency percentiles at a given client concurrency;
  * webhook handling (POST /stripe/webhook with signed payment_intent.succeeded events:
    verify, record the event id, pay the order, queue two emails) — events/s and latency;
  * replayed webhooks (the same events again: verified, found to be duplicates) — events/s.

localstripe runs in its own process (loopback, in-memory); the load generator is a thread
pool in this process. The machine's cores are shared by all three, so the figures are a
floor, not a ceiling.

Usage: python bench/bench_checkout.py [ORDERS] [CONCURRENCY]   (default 400 16)
Needs PostgreSQL: BENCH_DATABASE_URL (a server URL; a fresh database is created and dropped),
else TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1/postgres.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from stack import create_pg_database, drop_pg_database, free_port  # noqa: E402

from storefront.payments.localstripe import LocalStripe, wait_until_up  # noqa: E402
from storefront.payments.signatures import signature_header  # noqa: E402

BIN = Path(sys.executable).parent


def create_database() -> str:
    return create_pg_database(f"sf_bench_checkout_{uuid.uuid4().hex[:8]}")


def drop_database(url: str) -> None:
    drop_pg_database(url)


def prepare(url: str, products: int, stock: int) -> list[str]:
    """Migrate and store ``products`` published belts with plenty of stock; returns their SKUs."""
    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.extensions import db
    from tests.factories import create_products, product_record

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        made = create_products(db.session, *[product_record(stock=stock) for _ in range(products)])
        db.session.commit()
        skus = [p.sku for p in made]
        db.engine.dispose()
    return skus


def percentiles(samples: list[float]) -> str:
    qs = statistics.quantiles(samples, n=100)
    return f"p50 {qs[49] * 1000:.0f} ms, p95 {qs[94] * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms"


def run_load(fn, items: list, concurrency: int) -> tuple[float, list, list[float]]:
    """Call fn(item) from ``concurrency`` threads; returns (seconds, results, latencies)."""
    latencies: list[float] = []

    def timed(item):
        t0 = time.perf_counter()
        result = fn(item)
        latencies.append(time.perf_counter() - t0)
        return result

    t0 = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(timed, items))
    return time.perf_counter() - t0, results, latencies


def main() -> None:
    n_orders = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    url = create_database()
    procs: list[subprocess.Popen] = []
    try:
        skus = prepare(url, products=20, stock=n_orders)
        ls = LocalStripe("127.0.0.1", free_port())
        procs.append(subprocess.Popen([sys.executable, "-m", "storefront.payments.localstripe",
                                       "--port", str(ls.port)], cwd=ROOT, stdout=subprocess.DEVNULL))
        wait_until_up(ls.url)
        secret = "whsec_" + secrets.token_hex(16)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-" + secrets.token_hex(8),
               **ls.env(secret)}
        env.pop("MAIL_SERVER", None)  # emails are queued (measured), not sent
        app_spec = "storefront:create_app({'RATELIMIT_ENABLED': False})"
        procs.append(subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread", "--threads", "8",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app_spec], cwd=ROOT, env=env))
        shop = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{shop}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.1)
        http = requests.Session()
        http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=concurrency * 2))
        # Warm both workers (imports, connection pools) before measuring.
        for i in range(8):
            http.post(f"{shop}/api/v1/orders", timeout=30, json=_body(skus[i % len(skus)]))

        def create(i: int):
            resp = http.post(f"{shop}/api/v1/orders", json=_body(skus[i % len(skus)]), timeout=60)
            if resp.status_code != 201:
                raise SystemExit(f"order creation failed: {resp.status_code} {resp.text[:300]}")
            return resp.json()

        secs, orders, lat = run_load(create, list(range(n_orders)), concurrency)
        print(f"order creation:  {n_orders} orders in {secs:.2f} s = {n_orders / secs:.1f} orders/s "
              f"at concurrency {concurrency} ({percentiles(lat)})")

        events = [_event(o) for o in orders]

        def deliver(event: dict):
            payload = json.dumps(event).encode()
            resp = http.post(f"{shop}/stripe/webhook", data=payload, timeout=60, headers={
                "Stripe-Signature": signature_header(payload, secret),
                "Content-Type": "application/json"})
            if resp.status_code != 200:
                raise SystemExit(f"webhook failed: {resp.status_code} {resp.text[:300]}")
            return resp.json()["outcome"]

        secs, outcomes, lat = run_load(deliver, events, concurrency)
        paid = outcomes.count("paid")
        print(f"webhooks (new):  {len(events)} events in {secs:.2f} s = {len(events) / secs:.1f} events/s "
              f"({paid} orders paid; {percentiles(lat)})")
        secs, outcomes, lat = run_load(deliver, events, concurrency)
        print(f"webhooks (replayed): {len(events)} events in {secs:.2f} s = {len(events) / secs:.1f} events/s "
              f"({outcomes.count('duplicate')} duplicates; {percentiles(lat)})")
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_database(url)


def _body(sku: str) -> dict:
    return {"items": [{"sku": sku, "quantity": 1}], "email": "bench@example.com",
            "shipping_address": {"name": "B", "line1": "1 Main St", "city": "Austin", "state": "TX",
                                 "postal_code": "78701", "country": "US"},
            "precautions_acknowledged": True}


def _event(order: dict) -> dict:
    """The payment_intent.succeeded event Stripe would send for this order's intent."""
    intent_id = order["client_secret"].split("_secret_")[0]
    return {"id": f"evt_bench_{secrets.token_hex(10)}", "object": "event",
            "type": "payment_intent.succeeded", "created": int(time.time()),
            "data": {"object": {"id": intent_id, "object": "payment_intent", "status": "succeeded",
                                "amount": order["amount"], "amount_received": order["amount"],
                                "currency": order["currency"].lower(),
                                "metadata": {"order_id": order["order_id"]},
                                "latest_charge": f"ch_bench_{secrets.token_hex(6)}"}}}


if __name__ == "__main__":
    main()
