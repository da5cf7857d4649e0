"""Benchmark: quote intake and live price look-ups under gunicorn (2 sync workers).

Builds a fresh database (SQLite file, or PostgreSQL when ``--database-url`` is given) with
the demo panel, starts gunicorn on 127.0.0.1 with rate limits off, and sends a bounded
number of requests from C client threads: ``POST /api/v1/quotes`` (the contract's example,
each stored with its reference, event and two queued emails) and
``GET /api/v1/quotes/price``. Prints requests per second and latency percentiles, and
checks that every accepted request got a distinct reference.

Usage: python bench/bench_quotes.py [--requests R] [--concurrency C] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(url: str) -> None:
    from storefront.extensions import db
    from tests.conftest import make_app
    from tests.factories import create_products
    from tests.quotes.conftest import panel_record

    app = make_app(url)
    with app.app_context():
        create_products(db.session, panel_record())
        db.session.commit()
        db.engine.dispose()


def _load(base: str, method: str, path: str, body, n: int, concurrency: int):
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    refs: list[str] = []
    lock = threading.Lock()
    counter = iter(range(n))

    def worker():
        s = requests.Session()
        while True:
            with lock:
                if next(counter, None) is None:
                    return
            t0 = time.perf_counter()
            r = s.request(method, base + path, json=body, timeout=30)
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code == 201:
                    refs.append(r.json()["reference"])

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"rps": n / wall, "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "statuses": statuses,
            "refs": refs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()

    from tests.quotes.conftest import contract_request

    tmp = Path(tempfile.mkdtemp(prefix="bench-quotes-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    _prepare(url)
    port = _free_port()
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
              "UPLOAD_DIR": str(tmp / "uploads"), "MAIL_SERVER": ""}
    env = {**os.environ, "STOREFRONT_TEST_CONFIG": json.dumps(config)}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind",
                             f"127.0.0.1:{port}", "--log-level", "warning",
                             "tests.quotes.serve_app:build()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        backend = "PostgreSQL" if "postgresql" in url else "SQLite"
        print(f"gunicorn 2 workers, {backend}, {args.requests} requests per target, "
              f"{args.concurrency} client threads")
        print(f"{'target':<34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}  statuses")
        for name, method, path, body in [
            ("GET /api/v1/quotes/price", "GET", "/api/v1/quotes/price?sku=PANEL-5W-300&quantity=600", None),
            ("POST /api/v1/quotes (contract)", "POST", "/api/v1/quotes", contract_request()),
        ]:
            res = _load(base, method, path, body, args.requests, args.concurrency)
            print(f"{name:<34} {res['rps']:>8.1f} {res['p50_ms']:>8.1f} {res['p95_ms']:>8.1f}  {res['statuses']}")
            if res["refs"]:
                assert len(set(res["refs"])) == len(res["refs"]), "duplicate references"
                print(f"  {len(res['refs'])} distinct references, last {sorted(res['refs'])[-1]}")
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
