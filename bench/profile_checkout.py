"""Where one purchase's time goes: SQL statements, Stripe calls and milliseconds per step.

In one process (no HTTP server, no nginx): the app's test client on a fresh PostgreSQL
database, the real ``stripe`` SDK against localstripe served in a thread. For each of N
orders it runs the three requests of a purchase — ``POST /api/v1/orders``, ``POST
/api/v1/orders/<id>/payment`` and the signed ``payment_intent.succeeded`` webhook that
localstripe generated — and counts, per step, the SQL statements (and transactions) the app
sent and the Stripe HTTP calls it made, with the time spent in each.

Usage: python bench/profile_checkout.py [ORDERS] [--profile STEP]   (default 60)
``--profile create|pay|webhook`` prints cProfile's top functions for that step.
Needs PostgreSQL (BENCH_DATABASE_URL / TEST_DATABASE_URL / the local default, as the benches).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import secrets
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402
import stripe  # noqa: E402
from stack import create_pg_database, drop_pg_database  # noqa: E402

from storefront.payments.localstripe import serve_in_thread  # noqa: E402
from storefront.payments.signatures import signature_header  # noqa: E402


class Meter:
    """Counts and times SQL statements, commits and Stripe calls while ``step`` is set."""

    def __init__(self):
        self.step: str | None = None
        self.sql = defaultdict(list)  # step -> [(statement, seconds)]
        self.tx = defaultdict(int)  # step -> commits
        self.checkouts = defaultdict(int)  # step -> pool checkouts (each pre-pinged on PostgreSQL)
        self.stripe = defaultdict(list)  # step -> [(method url, seconds)]
        self.wall = defaultdict(list)
        self.cpu = defaultdict(list)  # this thread's CPU (localstripe runs in another thread)

    def install(self, engine) -> None:
        @sa.event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, params, context, many):
            conn.info["t0"] = time.perf_counter()

        @sa.event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, params, context, many):
            if self.step:
                self.sql[self.step].append((statement.split("\n")[0][:110],
                                            time.perf_counter() - conn.info["t0"]))

        @sa.event.listens_for(engine, "checkout")
        def checkout(dbapi_conn, record, proxy):
            if self.step:
                self.checkouts[self.step] += 1

        @sa.event.listens_for(engine, "commit")
        def commit(conn):
            if self.step:
                self.tx[self.step] += 1

        original = stripe.RequestsClient.request
        meter = self

        def request(client, method, url, headers, post_data=None):
            t0 = time.perf_counter()
            try:
                return original(client, method, url, headers, post_data)
            finally:
                if meter.step:
                    path = url.split("/v1/", 1)[-1].split("?")[0]
                    parts = path.split("/")
                    name = "/".join(p if not ("_" in p and len(p) > 12) else "{id}" for p in parts)
                    meter.stripe[meter.step].append((f"{method.upper()} /v1/{name}",
                                                     time.perf_counter() - t0))

        stripe.RequestsClient.request = request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("orders", nargs="?", type=int, default=60)
    parser.add_argument("--profile", choices=["create", "pay", "webhook"])
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    parser.add_argument("--callees", action="append", help="with --profile: callees of functions matching this")
    args = parser.parse_args()

    url = create_pg_database(f"sf_profile_checkout_{secrets.token_hex(4)}")
    try:
        run(url, args)
    finally:
        drop_pg_database(url)


def run(url: str, args) -> None:
    from bench_checkout import _body, prepare

    from storefront import create_app
    from storefront.extensions import db

    skus = prepare(url, products=20, stock=args.orders + 20)
    ls = serve_in_thread()
    secret = "whsec_" + secrets.token_hex(16)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "profile",
                      "RATELIMIT_ENABLED": False, "ORDER_UNPAID_PER_CLIENT": 0,
                      "MAIL_SERVER": "", **ls.env(secret)})
    meter = Meter()
    with app.app_context():
        meter.install(db.engine)
    client = app.test_client()
    http = requests.Session()
    # CPU of this thread, not wall time: waits on PostgreSQL and localstripe do not count.
    prof = cProfile.Profile(time.thread_time) if args.profile else None

    def step(name, fn):
        meter.step = name
        if prof and args.profile == name:
            prof.enable()
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return fn()
        finally:
            meter.wall[name].append(time.perf_counter() - t0)
            meter.cpu[name].append(time.thread_time() - c0)
            if prof and args.profile == name:
                prof.disable()
            meter.step = None

    from storefront.payments import gateway_for

    gateway = gateway_for(app)
    for i in range(args.orders + 3):
        if i == 3:  # the first few warm imports, pools and prepared statements
            for d in (meter.sql, meter.tx, meter.checkouts, meter.stripe, meter.wall, meter.cpu):
                d.clear()
        resp = step("create", lambda i=i: client.post("/api/v1/orders", json=_body(skus[i % len(skus)])))
        assert resp.status_code == 201, resp.get_data(as_text=True)
        order = resp.get_json()
        token = http.post(f"{ls.url}/v1/tokens", timeout=10, data={
            "card[number]": "4242424242424242", "card[exp_month]": "12",
            "card[exp_year]": "2034", "card[cvc]": "123", "key": "pk_test_localstripe"}).json()["id"]
        paid = step("pay", lambda o=order, t=token: client.post(
            f"/api/v1/orders/{o['order_id']}/payment", json={"token": t}))
        assert paid.status_code == 200 and paid.get_json()["status"] == "processing", paid.get_json()
        intent_id = order["client_secret"].split("_secret_")[0]
        event = next(e.to_dict() for e in gateway.client.v1.events.list(
            {"type": "payment_intent.succeeded", "limit": 5}).auto_paging_iter()
            if e["data"]["object"]["id"] == intent_id)
        payload = json.dumps(event).encode()
        hook = step("webhook", lambda p=payload: client.post("/stripe/webhook", data=p, headers={
            "Stripe-Signature": signature_header(p, secret),
            "Content-Type": "application/json"}))
        assert hook.get_json()["outcome"] == "paid", hook.get_json()

    n = args.orders
    print(f"{n} orders, PostgreSQL, localstripe in a thread, in process (no HTTP server)\n")
    print(f"{'step':<9}{'wall ms':>9}{'CPU ms':>8}{'SQL':>6}{'SQL ms':>8}{'commits':>9}{'checkouts':>10}{'Stripe':>8}{'Stripe ms':>11}")
    for name in ("create", "pay", "webhook"):
        sql, calls = meter.sql[name], meter.stripe[name]
        print(f"{name:<9}{statistics.median(meter.wall[name]) * 1000:>9.1f}"
              f"{statistics.median(meter.cpu[name]) * 1000:>8.1f}{len(sql) / n:>6.1f}"
              f"{sum(t for _, t in sql) / n * 1000:>8.1f}{meter.tx[name] / n:>9.1f}"
              f"{meter.checkouts[name] / n:>10.1f}"
              f"{len(calls) / n:>8.1f}{sum(t for _, t in calls) / n * 1000:>11.1f}")
    for name in ("create", "pay", "webhook"):
        print(f"\n{name}: statements per order")
        counts: dict[str, list[float]] = defaultdict(list)
        for stmt, t in meter.sql[name]:
            counts[stmt].append(t)
        for stmt, ts in counts.items():
            print(f"  {len(ts) / n:4.1f} x {sum(ts) / len(ts) * 1000:5.2f} ms  {stmt}")
        calls: dict[str, list[float]] = defaultdict(list)
        for call, t in meter.stripe[name]:
            calls[call].append(t)
        for call, ts in calls.items():
            print(f"  {len(ts) / n:4.1f} x {sum(ts) / len(ts) * 1000:5.2f} ms  Stripe {call}")
    if prof:
        print()
        stats = pstats.Stats(prof).sort_stats(args.sort)
        by_package: dict[str, float] = defaultdict(float)
        for (path, _line, _fn), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
            key = path.split("site-packages/")[-1].split("/")[0] if "site-packages" in path else (
                "storefront/" + path.split("storefront/")[-1].split("/")[0]
                if "/storefront/" in path else ("stdlib" if path.startswith("/") else path))
            by_package[key] += tottime
        print(f"\n{args.profile}: own time by package (profiled, ms per order)")
        for key, t in sorted(by_package.items(), key=lambda kv: -kv[1])[:20]:
            print(f"  {t / (n + 3) * 1000:7.2f}  {key}")
        stats.print_stats(40)
        for pattern in args.callees or []:
            stats.print_callees(pattern)


if __name__ == "__main__":
    main()
