"""Benchmark: page and API throughput against the stack's ceiling, on 10,000 products.

One run builds a fresh SQLite catalogue of N synthetic products, starts gunicorn (2 sync
workers, 127.0.0.1) on the storefront and, with the same settings, on a bare Flask app that
returns a constant JSON body (the ceiling). A load process then sends a bounded number of
requests to each target and the table shows requests per second and the ratio to the
ceiling. Each target run is paired with a ceiling run just before it (the ratio is the
median over pairs), so other load on the machine cancels out. Targets rotating over many
URLs show the cost without warm per-URL caches.

Usage: python bench/bench_pages.py [--products N] [--requests R] [--concurrency C]
       [--rounds K] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent

TARGETS_DOC = {
    "healthz": "/healthz: the storefront's own floor (extensions, one SELECT 1)",
    "catalogue": "/products (first page, facet cache warm)",
    "catalogue-rot": "/products, 400 filter/page states in turn",
    "product": "/products/<slug> (one product, its parts cached)",
    "product-back": "/products/<slug> (one product, a returning visitor's session cookie)",
    "product-rot": "/products/<slug>, 1,000 products in turn (mostly first views)",
    "search": "/products?q=..., 24 queries in turn",
    "api-list": "/api/v1/products (first page)",
    "api-list-rot": "/api/v1/products, 400 filter/page states in turn",
}
TARGETS = {"catalogue": 0.3, "product": 0.3, "api-list": 0.3, "search": 0.15}


# --------------------------------------------------------------------------- the ceiling app

def _bare_app():
    from flask import Flask, jsonify

    app = Flask("bare")

    @app.get("/")
    def index():
        return jsonify({"status": "ok", "service": "bare"})

    return app


if os.environ.get("BENCH_BARE_APP") == "1":  # imported by gunicorn as bench_pages:bare_app
    bare_app = _bare_app()


# --------------------------------------------------------------------------- catalogue

def _small_generator(n: int) -> dict:
    """A fallback catalogue when bench/gen_catalogue.py is absent (seed format)."""
    rng = random.Random(0)
    kinds = ("belt", "panel", "handheld")
    products = []
    for i in range(n):
        kind = kinds[i % 3]
        bands = rng.choice([(660, 850), (630, 660, 850), (660,), (810, 850)])
        products.append({
            "sku": f"GEN-{i:06d}", "name": f"Generated {kind.title()} {i}", "kind": kind,
            "status": "published", "price": rng.randrange(5_000, 150_000, 100), "stock": rng.randrange(0, 50),
            "regulatory": {"status": "wellness"},
            "wavelengths": [{"nm": nm} for nm in bands],
            "specs": {"led_count": rng.randrange(20, 600), "coverage_cm2": rng.randrange(20, 3000),
                      "irradiance": {"mw_cm2": rng.randrange(10, 120), "distance_cm": 0},
                      "timer_minutes": [10, 15, 20]},
            "copy": {"headline": f"A {kind} with {len(bands)} bands",
                     "summary": "Red and near-infrared light for a relaxing routine.",
                     "body": "Use only as directed; see Precautions."},
        })
    return {"products": products}


def build_database(path: Path, n: int) -> list[str]:
    """Migrate a fresh SQLite file, load N products; returns the published slugs."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    try:
        from gen_catalogue import generate

        doc = generate(n, seed=7)
    except ImportError:
        doc = _small_generator(n)
    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.catalog.models import Product, Status
    from storefront.extensions import db
    from storefront.seeding.loader import apply_records, validate_document

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        records, errors, _ = validate_document(doc, gate=False)
        assert not errors, errors[:5]
        apply_records(db.session, records)
        db.session.commit()
        slugs = list(db.session.scalars(db.select(Product.slug).where(Product.status == Status.PUBLISHED)))
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
    return slugs


# --------------------------------------------------------------------------- servers

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app_spec: str, env_extra: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """gunicorn with 2 sync workers on a free loopback port; waits until it answers."""
    port = _free_port()
    env = {**os.environ, "SECRET_KEY": "bench", **env_extra}
    cmd = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", "--pythonpath", f"{ROOT},{BENCH}", app_spec]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _get(port, "/")[0] in (200, 404):
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError(f"gunicorn {app_spec} did not start")


_TICK = os.sysconf("SC_CLK_TCK")


def worker_cpu_seconds(master_pid: int) -> float:
    """User + system CPU seconds used so far by gunicorn's worker processes."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICK


def measured(proc: subprocess.Popen, port: int, paths: list[str], requests: int, concurrency: int,
             cookie: str = "") -> dict:
    """``load_process`` plus the server workers' CPU time per request."""
    before = worker_cpu_seconds(proc.pid)
    result = load_process(port, paths, requests, concurrency, cookie)
    result["cpu_us"] = (worker_cpu_seconds(proc.pid) - before) / requests * 1e6
    return result


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


# --------------------------------------------------------------------------- load

def _get(port: int, path: str, cookie: str = "") -> tuple[int, int]:
    """One HTTP/1.0 GET over a fresh connection (gunicorn sync workers close it anyway)."""
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n{extra}\r\n".encode())
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    raw = b"".join(chunks)
    status = int(raw[9:12]) if raw.startswith(b"HTTP/") else 0
    return status, len(raw)


def session_cookie(port: int, path: str) -> str:
    """The session cookie a first visit to ``path`` sets (``name=value``)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    for line in raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n"):
        if line.lower().startswith("set-cookie:"):
            return line.split(":", 1)[1].split(";", 1)[0].strip()
    return ""


def run_load(port: int, paths: list[str], requests: int, concurrency: int, cookie: str = "") -> dict:
    """Send ``requests`` GETs (paths in turn) from ``concurrency`` threads; returns figures."""
    counter = iter(range(requests))
    lock = threading.Lock()
    statuses: dict[int, int] = {}
    nbytes = [0]

    def worker():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            status, size = _get(port, paths[i % len(paths)], cookie)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                nbytes[0] += size

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return {"rps": requests / elapsed, "elapsed": elapsed, "statuses": statuses,
            "avg_bytes": nbytes[0] // max(1, requests)}


def load_process(port: int, paths: list[str], requests: int, concurrency: int, cookie: str = "") -> dict:
    """Run ``run_load`` in a second process so the client does not share our interpreter."""
    payload = json.dumps({"port": port, "paths": paths, "requests": requests, "concurrency": concurrency,
                          "cookie": cookie})
    out = subprocess.run([sys.executable, __file__, "--load-worker"], input=payload, text=True,
                         capture_output=True, check=True)
    return json.loads(out.stdout)


# --------------------------------------------------------------------------- plan

def plan(slugs: list[str]) -> dict[str, list[str]]:
    """The URL lists of every target (fixed seeds, so runs are comparable)."""
    rng = random.Random(42)
    from stack import filter_state  # bench/ is on the path: scripts run from it

    states = [filter_state(rng) for _ in range(400)]
    words = ["infra", "wrap belt", "panel 660", "class 4", "laser 980", "handheld", "pulse",
             "tower panel", "pocket light", "810", "1064", "contour", "aster", "boreal wrap",
             "cirrus", "halcyon", "meridian panel", "nimbus", "orion laser", "prism", "solace",
             "zephyr", "flex pad", "clinic laser"]
    product_slugs = rng.sample(slugs, min(1000, len(slugs)))
    return {
        "healthz": ["/healthz"],
        "catalogue": ["/products"],
        "catalogue-rot": [f"/products?{s}" for s in states],
        "product": [f"/products/{product_slugs[0]}"],
        "product-back": [f"/products/{product_slugs[0]}"],
        "product-rot": [f"/products/{s}" for s in product_slugs],
        "search": [f"/products?q={quote_plus(w)}" for w in words],
        "api-list": ["/api/v1/products"],
        "api-list-rot": [f"/api/v1/products?{s}" for s in states],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="measure each target this many times")
    parser.add_argument("--keep", help="reuse/keep the SQLite catalogue in this directory")
    parser.add_argument("--only", help="comma-separated targets (ceiling always runs)")
    args = parser.parse_args(argv)

    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-pages-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / f"catalogue-{args.products}.db"
    slugs_path = workdir / f"slugs-{args.products}.json"
    if not (db_path.exists() and slugs_path.exists()):
        t0 = time.perf_counter()
        slugs = build_database(db_path, args.products)
        slugs_path.write_text(json.dumps(slugs))
        print(f"built {args.products} products in {time.perf_counter() - t0:.1f}s: {db_path}", flush=True)
    slugs = json.loads(slugs_path.read_text())
    urls = plan(slugs)
    wanted = [t for t in urls if not args.only or t in args.only.split(",")]

    # Paired measurements: the ceiling is measured right before every target run, and each
    # ratio uses its own pair, so load from other processes on the machine cancels out.
    results: dict[str, list[tuple[dict, dict]]] = {}
    bare, bare_port = start_gunicorn("bench_pages:bare_app", {"BENCH_BARE_APP": "1"})
    shop, shop_port = start_gunicorn("wsgi:app", {"DATABASE_URL": f"sqlite:///{db_path}"})
    try:
        load_process(bare_port, ["/"], 500, args.concurrency)
        for name in wanted:
            paths = urls[name]
            cookie = session_cookie(shop_port, paths[0]) if name == "product-back" else ""
            # Warm up: templates compiled, connections open, per-process caches filled.
            load_process(shop_port, paths, min(len(paths), 400) + 100, args.concurrency, cookie)
            for _ in range(args.rounds):
                ceiling = measured(bare, bare_port, ["/"], args.requests, args.concurrency)
                run = measured(shop, shop_port, paths, args.requests, args.concurrency, cookie)
                results.setdefault(name, []).append((ceiling, run))
    finally:
        stop(shop)
        stop(bare)

    ceilings = [c["rps"] for pairs in results.values() for c, _ in pairs]
    ceiling_cpu = statistics.median(c["cpu_us"] for pairs in results.values() for c, _ in pairs)
    print(f"\n{args.products} products, SQLite, gunicorn -w 2 sync, {args.concurrency} concurrent "
          f"connections, {args.requests} requests per run, {args.rounds} paired runs per target")
    print(f"ceiling (bare Flask, constant JSON): median {statistics.median(ceilings):.0f} req/s "
          f"(min {min(ceilings):.0f}, max {max(ceilings):.0f}), {ceiling_cpu:.0f} us of worker CPU "
          "per request")
    print("ratio: median over pairs of target req/s / ceiling req/s (wall clock);\n"
          "cpu ratio: ceiling worker CPU per request / target worker CPU per request (what the\n"
          "throughput ratio tends to when the workers, not the machine, are the limit)\n")
    print(f"{'target':<14} {'req/s':>7} {'ratio':>6} {'cpu us':>7} {'cpu ratio':>9} {'goal':>5}  "
          f"{'bytes':>6}  what")
    for name, pairs in results.items():
        rps = statistics.median(r["rps"] for _, r in pairs)
        ratio = statistics.median(r["rps"] / c["rps"] for c, r in pairs)
        cpu = statistics.median(r["cpu_us"] for _, r in pairs)
        cpu_ratio = statistics.median(c["cpu_us"] / r["cpu_us"] for c, r in pairs)
        bad = sum(v for _, r in pairs for k, v in r["statuses"].items() if k != "200")
        goal = TARGETS.get(name)
        print(f"{name:<14} {rps:7.0f} {ratio:6.2f} {cpu:7.0f} {cpu_ratio:9.2f} {goal if goal else '':>5}  "
              f"{pairs[0][1]['avg_bytes']:6d}  {TARGETS_DOC[name]}" + (f"  ({bad} non-200)" if bad else ""))


if __name__ == "__main__":
    if sys.argv[1:] == ["--load-worker"]:
        spec = json.loads(sys.stdin.read())
        print(json.dumps(run_load(spec["port"], spec["paths"], spec["requests"], spec["concurrency"],
                                  spec.get("cookie", ""))))
    else:
        main()
