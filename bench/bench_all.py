"""``make bench``: the one-run benchmark — seed load, pages against a ceiling, checkout.

One run, from nothing, prints a compact table:

1. **Seed load**: 10,000 products cloned from the demo catalogue's kinds with full copy
   (``bench/gen_catalogue.py``, ~24 MB) loaded by the real ``storefront seed load`` (schema,
   compliance gate, writes) into a fresh SQLite file and a fresh PostgreSQL database: wall time.
2. **Pages** on both databases, 10,000 products: req/s for hot pages (the catalogue, one product
   page) and rotating ones (2,000 product pages, 240 filter states, 200 searches), each run
   right after a run of the ceiling — a bare Flask app answering constant JSON, served by the
   same servers in the same way — so the ratio cancels other load on the machine. SQLite:
   gunicorn (2 sync workers) directly. PostgreSQL: nginx in front of two gunicorn instances
   (2 sync workers each), the ceiling too. Load: wrk (Debian's package).
3. **Checkout** on PostgreSQL through nginx and two instances (2 gthread workers x 4 threads):
   buyers create an order, tokenise a card at localstripe and pay; localstripe's webhooks go
   back through nginx; paid orders/s is counted until the last order is paid.

Usage: python bench/bench_all.py [--products N] [--seconds S] [--connections C] [--orders N]
       [--skip-postgres] [--json PATH]
PostgreSQL: BENCH_DATABASE_URL (a server URL; fresh databases named BENCH_DB_PREFIX_<hex>,
default storefront_bench, are created and dropped), else TEST_DATABASE_URL, else
postgresql://postgres@127.0.0.1/postgres. Skipped, with a note, when it does not answer.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import sqlalchemy as sa  # noqa: E402
from stack import (  # noqa: E402
    Stack,
    drop_pg_database,
    ensure_tool,
    filter_state,
    free_port,
    pg_server_url,
    python_load,
    wrk,
)
from stack import create_pg_database as stack_create_pg_database  # noqa: E402

TARGETS = [  # name, what, goal (ratio to the ceiling, from issue 13)
    ("catalogue", "/products, first page (hot)", 0.5),
    ("product", "one product page (hot)", 0.5),
    ("product-rot", "2,000 product pages in turn", 0.3),
    ("filters-rot", "240 filter states in turn", 0.3),
    ("search-rot", "200 searches in turn", 0.3),
]
CEILING_SPEC = "bench_pages:bare_app"
# The PostgreSQL section runs as production does, with Redis (page cache, rate limits).
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(BENCH_REDIS_URL, socket_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


# --------------------------------------------------------------------------- databases

def create_pg_database(tag: str) -> str:
    name = f"{os.environ.get('BENCH_DB_PREFIX', 'storefront_bench')}_{tag}_{uuid.uuid4().hex[:6]}"
    return stack_create_pg_database(name)


def postgres_answers() -> bool:
    try:
        engine = sa.create_engine(sa.make_url(pg_server_url()).set(database="postgres"),
                                  connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


def storefront(*args: str, url: str, check: bool = True,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", **(env or {})},
                          capture_output=True, text=True, check=check)


def seed_load(url: str, path: Path) -> float:
    """Migrate, then time ``storefront seed load`` (a subprocess: what staff run)."""
    storefront("db", "upgrade", url=url)
    t0 = time.perf_counter()
    proc = storefront("seed", "load", str(path), url=url, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"seed load failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    engine = sa.create_engine(url)
    with engine.connect() as conn:  # what autovacuum would do soon after a bulk load
        conn.execute(sa.text("ANALYZE"))
        conn.commit()
    engine.dispose()
    return wall


def published_slugs(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        slugs = list(conn.execute(sa.text(
            "SELECT slug FROM products WHERE status = 'published' ORDER BY id")).scalars())
    engine.dispose()
    return slugs


# --------------------------------------------------------------------------- the URL plan

def plan(doc: dict, slugs: list[str]) -> dict[str, list[str]]:
    """The URLs of each target (fixed seeds: runs are comparable)."""
    rng = random.Random(42)
    states = []
    while len(states) < 240:
        state = filter_state(rng)
        if state not in states:
            states.append(state)
    words = sorted({w.lower() for p in doc["products"] for w in p["name"].split()
                    if len(w) >= 3 and w.isalnum()})
    searches: list[str] = []
    while len(searches) < 200:
        q = " ".join(rng.sample(words, rng.choice([1, 1, 2])))
        if q not in searches:
            searches.append(q)
    rotating = rng.sample(slugs, min(2000, len(slugs)))
    return {
        "catalogue": ["/products"],
        "product": [f"/products/{rotating[0]}"],
        "product-rot": [f"/products/{s}" for s in rotating],
        "filters-rot": [f"/products?{s}" for s in states],
        "search-rot": [f"/products?q={quote_plus(q)}" for q in searches],
    }


# --------------------------------------------------------------------------- pages

def page_cache_env(stack: Stack, redis_url: str | None) -> dict[str, str]:
    """The shared page cache's store for one section: Redis (a fresh key prefix) or files.

    SITE_URL is set as in production: the page cache keys on the canonical origin, so the
    warm-up (the CLI's requests) and the servers behind nginx name the same pages.
    """
    env = {"SITE_URL": "http://shop.bench.invalid"}
    if redis_url:
        return {**env, "REDIS_URL": redis_url, "PAGE_CACHE_PREFIX": f"sf:bench:{secrets.token_hex(4)}:"}
    return {**env, "PAGE_CACHE_STORE": "file", "PAGE_CACHE_DIR": str(stack.tmp / "page-cache")}


def bench_pages(database_url: str, urls: dict[str, list[str]], *, behind_nginx: bool,
                nginx_bin: str | None, wrk_bin: str | None, seconds: float, connections: int,
                redis_url: str | None = None, warm: bool = True) -> dict:
    """Start the shop and the ceiling the same way; paired runs per target.

    With ``warm``, ``storefront pages warm`` (what the worker runs after an import) fills the
    shared page cache before the runs: every product page and the catalogue's first pages.
    Filter states and searches are never warmed: their first views are rendered in the run.
    """
    stack = Stack()
    load = (lambda port, paths, secs: wrk(wrk_bin, port, paths, secs, connections, stack.tmp)) \
        if wrk_bin else (lambda port, paths, secs: python_load(port, paths, secs, connections, stack.tmp))
    cache_env = page_cache_env(stack, redis_url)
    shop_env = {"DATABASE_URL": database_url, "SECRET_KEY": "bench", **cache_env}
    bare_env = {"BENCH_BARE_APP": "1"}
    results: dict = {"_cache": {"store": "redis" if redis_url else "files", "warmed": warm}}
    try:
        if warm:
            t0 = time.perf_counter()
            out = storefront("pages", "warm", url=database_url, env=cache_env).stdout.strip()
            results["_cache"].update(warm_s=time.perf_counter() - t0, warm_out=out)
            print(f"    page cache warmed: {out}", flush=True)
        if behind_nginx:
            shop = stack.nginx([stack.gunicorn("wsgi:app", shop_env) for _ in range(2)], nginx_bin)
            bare = stack.nginx([stack.gunicorn(CEILING_SPEC, bare_env) for _ in range(2)], nginx_bin)
        else:
            shop = stack.gunicorn("wsgi:app", shop_env)
            bare = stack.gunicorn(CEILING_SPEC, bare_env)
        load(bare, ["/"], 1)
        for name, _, _ in TARGETS:
            paths = urls[name]
            load(shop, paths[:20], 2)  # warm: templates compiled, connections open
            ceiling = load(bare, ["/"], seconds)
            run = load(shop, paths, seconds)
            results[name] = {"rps": run["rps"], "ceiling": ceiling["rps"],
                             "ratio": run["rps"] / ceiling["rps"], "non2xx": run["non2xx"],
                             "socket_errors": run["socket_errors"], "requests": run["requests"]}
            print(f"    {name:<12} {run['rps']:7.0f} req/s  ceiling {ceiling['rps']:6.0f}  "
                  f"ratio {run['rps'] / ceiling['rps']:.2f}"
                  + (f"  ({run['non2xx']} non-2xx)" if run["non2xx"] else ""), flush=True)
        return results
    finally:
        if redis_url:
            storefront("pages", "clear", url=database_url, env=cache_env, check=False)
        stack.close()


# --------------------------------------------------------------------------- checkout

def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a live process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds used so far by these processes and their live descendants (gunicorn workers)."""
    stats = {int(d): st for d in os.listdir("/proc") if d.isdigit() and (st := _proc_stat(int(d)))}
    wanted, total = set(pids), 0.0
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _) in stats.items():
            if ppid in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    for pid in wanted:
        if pid in stats:
            total += stats[pid][1]
    return total


def postgres_pids() -> list[int]:
    """Every process named postgres (the server is shared: other work shows up here too)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if Path(f"/proc/{d}/comm").read_text().strip() == "postgres":
                    out.append(int(d))
            except OSError:
                pass
    return out


def _order_body(sku: str) -> dict:
    return {"items": [{"sku": sku, "quantity": 1}], "email": "bench@example.com",
            "shipping_address": {"name": "B", "line1": "1 Main St", "city": "Austin", "state": "TX",
                                 "postal_code": "78701", "country": "US"},
            "precautions_acknowledged": True}


def bench_checkout(n_orders: int, concurrency: int, nginx_bin: str | None) -> dict:
    """Buyers order and pay through nginx -> two instances; webhooks come back the same way."""
    import requests

    from storefront.payments.localstripe import LocalStripe, wait_until_up

    url = create_pg_database("checkout")
    stack = Stack()
    try:
        code = ("import json, sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
                "from bench_checkout import prepare\n"
                "print(json.dumps(prepare(sys.argv[3], products=20, stock=int(sys.argv[4]))))")
        out = subprocess.run([sys.executable, "-c", code, str(ROOT), str(BENCH), url,
                              str(n_orders + 50)], cwd=ROOT, capture_output=True, text=True, check=True)
        skus = json.loads(out.stdout.strip().splitlines()[-1])
        ls = LocalStripe("127.0.0.1", free_port())
        secret = "whsec_" + secrets.token_hex(16)
        env = {"DATABASE_URL": url, "SECRET_KEY": "bench-" + secrets.token_hex(8), **ls.env(secret),
               "MAIL_SERVER": ""}  # emails are queued in the outbox (measured), not sent
        spec = "storefront:create_app({'RATELIMIT_ENABLED': False, 'ORDER_UNPAID_PER_CLIENT': 0})"
        ports = [stack.gunicorn(spec, env, workers=2, worker_class="gthread", threads=4)
                 for _ in range(2 if nginx_bin else 1)]
        shop_port = stack.nginx(ports, nginx_bin) if nginx_bin else ports[0]
        stack.spawn([sys.executable, "-m", "storefront.payments.localstripe", "--port", str(ls.port),
                     "--webhook-url", f"http://127.0.0.1:{shop_port}/stripe/webhook",
                     "--webhook-secret", secret], log="localstripe.log")
        wait_until_up(ls.url)
        shop = f"http://127.0.0.1:{shop_port}"
        local = threading.local()

        def http():
            if not hasattr(local, "s"):
                local.s = requests.Session()
            return local.s

        failures: list[str] = []

        def buy(i: int) -> float | None:
            t0 = time.perf_counter()
            resp = http().post(f"{shop}/api/v1/orders", json=_order_body(skus[i % len(skus)]), timeout=60)
            if resp.status_code != 201:
                failures.append(f"order {resp.status_code}")
                return None
            token = http().post(f"{ls.url}/v1/tokens", timeout=30, data={
                "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034",
                "card[cvc]": "123", "key": "pk_test_localstripe"}).json()["id"]
            paid = http().post(f"{shop}/api/v1/orders/{resp.json()['order_id']}/payment",
                               json={"token": token}, timeout=60)
            if paid.status_code != 200:
                failures.append(f"payment {paid.status_code}")
                return None
            return time.perf_counter() - t0

        for i in range(6):  # warm every worker (imports, pools)
            buy(i)
        engine = sa.create_engine(url)

        def paid_count() -> int:
            with engine.connect() as conn:
                return conn.execute(sa.text("SELECT count(*) FROM orders WHERE status = 'paid'")).scalar()

        deadline = time.monotonic() + 60
        while paid_count() < 6 and time.monotonic() < deadline:
            time.sleep(0.1)
        base = paid_count()
        groups = {"gunicorn": [p.pid for p in stack.procs if "gunicorn" in " ".join(p.args)],
                  "localstripe": [p.pid for p in stack.procs if "localstripe" in " ".join(p.args)],
                  "nginx": [p.pid for p in stack.procs if p.args[0] == nginx_bin]}
        cpu0 = {name: cpu_seconds(pids) for name, pids in groups.items()}
        cpu0["postgres (all backends)"] = cpu_seconds(postgres_pids())
        cpu0["this client"] = time.process_time()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = sorted(x for x in pool.map(buy, range(n_orders)) if x is not None)
        placed = time.perf_counter() - t0
        deadline = time.monotonic() + 120
        while (done := paid_count() - base) < len(latencies) and time.monotonic() < deadline:
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        cpu1 = {name: cpu_seconds(pids) for name, pids in groups.items()}
        cpu1["postgres (all backends)"] = cpu_seconds(postgres_pids())
        cpu1["this client"] = time.process_time()
        cpu_ms = {k: (cpu1[k] - cpu0[k]) * 1000 / max(done, 1) for k in cpu0}
        with engine.connect() as conn:
            pending = conn.execute(sa.text("SELECT count(*) FROM orders WHERE status <> 'paid'")).scalar()
        engine.dispose()
        return {"orders": n_orders, "paid": done, "not_paid": pending, "wall": wall,
                "failed": failures,
                "placed_wall": placed, "paid_per_s": done / wall, "cpu_ms_per_order": cpu_ms, "concurrency": concurrency,
                "buy_p50_ms": latencies[len(latencies) // 2] * 1000,
                "buy_p95_ms": latencies[int(len(latencies) * 0.95)] * 1000,
                "topology": "nginx -> 2 instances" if nginx_bin else "gunicorn (no nginx)"}
    finally:
        stack.close()
        drop_pg_database(url)


# --------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=5, help="length of each load run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--buyers", type=int, default=16, help="concurrent buyers at checkout")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--no-warm", action="store_true",
                        help="do not warm the page cache before the page runs (cold first views)")
    parser.add_argument("--checkout-only", action="store_true",
                        help="only the checkout part (PostgreSQL, nginx, localstripe)")
    parser.add_argument("--json", default=str(BENCH / "out" / "bench.json"))
    args = parser.parse_args(argv)
    if args.checkout_only:
        return checkout_only(args)

    from gen_catalogue import generate

    started = time.perf_counter()
    wrk_bin = ensure_tool("wrk", "wrk")
    nginx_bin = ensure_tool("nginx", "nginx-light")
    use_pg = not args.skip_postgres and postgres_answers()
    notes = []
    if not wrk_bin:
        notes.append("wrk unavailable: Python load generator (its own CPU use lowers every figure)")
    if not nginx_bin:
        notes.append("nginx unavailable: PostgreSQL figures are straight to gunicorn")
    if not use_pg:
        notes.append("PostgreSQL skipped" + ("" if args.skip_postgres else f" (no answer at {pg_server_url()})"))

    work = Path(tempfile.mkdtemp(prefix="sf-bench-all-"))
    pg_url = None
    report: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
                    "machine": f"{platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
                    "products": args.products, "notes": notes}
    try:
        doc = generate(args.products, seed=1)
        seed_file = work / "products.json"
        seed_file.write_text(json.dumps(doc), encoding="utf-8")
        size_mb = seed_file.stat().st_size / 1e6
        print(f"seed file: {args.products} products, {size_mb:.1f} MB", flush=True)

        sqlite_url = f"sqlite:///{work / 'bench.db'}"
        report["seed_sqlite_s"] = seed_load(sqlite_url, seed_file)
        print(f"  seed load, SQLite: {report['seed_sqlite_s']:.1f} s", flush=True)
        if use_pg:
            pg_url = create_pg_database("pages")
            report["seed_postgres_s"] = seed_load(pg_url, seed_file)
            print(f"  seed load, PostgreSQL: {report['seed_postgres_s']:.1f} s", flush=True)

        urls = plan(doc, published_slugs(sqlite_url))
        print("pages, SQLite (gunicorn -w 2 sync):", flush=True)
        report["pages_sqlite"] = bench_pages(sqlite_url, urls, behind_nginx=False, nginx_bin=None,
                                             wrk_bin=wrk_bin, seconds=args.seconds,
                                             connections=args.connections, warm=not args.no_warm)
        if use_pg:
            via = "nginx -> 2 x gunicorn -w 2 sync" if nginx_bin else "gunicorn -w 2 sync"
            print(f"pages, PostgreSQL ({via}):", flush=True)
            report["pages_postgres"] = bench_pages(pg_url, urls, behind_nginx=bool(nginx_bin),
                                                   nginx_bin=nginx_bin, wrk_bin=wrk_bin,
                                                   seconds=args.seconds, connections=args.connections,
                                                   redis_url=BENCH_REDIS_URL if redis_answers() else None,
                                                   warm=not args.no_warm)
            report["pages_postgres_via"] = via
            drop_pg_database(pg_url)
            pg_url = None
            print("checkout (PostgreSQL, localstripe):", flush=True)
            report["checkout"] = bench_checkout(args.orders, args.buyers, nginx_bin)
    finally:
        if pg_url:
            drop_pg_database(pg_url)
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    report["total_s"] = time.perf_counter() - started
    print_table(report, args)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2))


def checkout_only(args) -> None:
    """``--checkout-only``: the checkout part alone, printed as in the full table."""
    if not postgres_answers():
        raise SystemExit(f"PostgreSQL does not answer at {pg_server_url()}")
    started = time.perf_counter()
    nginx_bin = ensure_tool("nginx", "nginx-light")
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": f"{platform.node()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
              "checkout": bench_checkout(args.orders, args.buyers, nginx_bin)}
    report["total_s"] = time.perf_counter() - started
    print_checkout(report)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2))


def print_checkout(r: dict) -> None:
    c = r["checkout"]
    if "seed_sqlite_s" not in r:
        print(f"checkout only  {r['when']}  ({r['machine']}; {r['total_s']:.0f} s in all)")
    print(f"\ncheckout ({c['topology']}, PostgreSQL, localstripe; {c['concurrency']} buyers): "
          f"{c['paid']}/{c['orders']} orders created, paid and confirmed by webhook in "
          f"{c['wall']:.1f} s = {c['paid_per_s']:.1f} paid orders/s   (goal >= 30)")
    print(f"  per buyer (create order + tokenise card + pay): p50 {c['buy_p50_ms']:.0f} ms, "
          f"p95 {c['buy_p95_ms']:.0f} ms; orders not paid at the end: {c['not_paid']}"
          + (f"; FAILED requests: {', '.join(c['failed'])}" if c["failed"] else ""))
    if c.get("cpu_ms_per_order"):
        print("  CPU per paid order: " + ", ".join(f"{k} {v:.1f} ms"
                                                   for k, v in c["cpu_ms_per_order"].items()))


def print_table(r: dict, args) -> None:
    line = "-" * 86
    print(f"\n{line}\nmake bench  {r['when']}  ({r['machine']}; {r['total_s']:.0f} s in all)")
    for note in r["notes"]:
        print(f"note: {note}")
    print(line)
    pg = "seed_postgres_s" in r
    print(f"seed load, {r['products']:,} products (storefront seed load, gate on): "
          f"SQLite {r['seed_sqlite_s']:.1f} s" + (f", PostgreSQL {r['seed_postgres_s']:.1f} s" if pg else "")
          + "   (goal <= 10 s)")
    print(f"\npages: req/s and ratio to the bare-Flask ceiling measured just before, wrk "
          f"{args.connections} connections, {args.seconds:g} s per run")
    for key, label in (("pages_sqlite", "SQLite"), ("pages_postgres", "PostgreSQL")):
        c = r.get(key, {}).get("_cache")
        if c:
            print(f"page cache ({label}): {c['store']}, "
                  + (f"warmed before the runs ({c['warm_out']})" if c["warmed"]
                     else "NOT warmed (cold first views)"))
    head = f"{'target':<34} {'SQLite':>8} {'ratio':>6}"
    if "pages_postgres" in r:
        head += f" {'PostgreSQL':>11} {'ratio':>6}"
    print(head + f" {'goal':>6}")
    for name, what, goal in TARGETS:
        s = r["pages_sqlite"][name]
        row = f"{what:<34} {s['rps']:8.0f} {s['ratio']:6.2f}"
        if "pages_postgres" in r:
            p = r["pages_postgres"][name]
            row += f" {p['rps']:11.0f} {p['ratio']:6.2f}"
        flags = [f"{k} {x[name]['non2xx']} non-2xx" for k, x in
                 (("SQLite", r["pages_sqlite"]), ("PostgreSQL", r.get("pages_postgres") or {}))
                 if name in x and x[name]["non2xx"]]
        print(row + f" {goal:6.2f}" + ("  " + "; ".join(flags) if flags else ""))
    ceil_s = [v["ceiling"] for k, v in r["pages_sqlite"].items() if k != "_cache"]
    row = f"{'ceiling (bare Flask), median':<34} {sorted(ceil_s)[len(ceil_s) // 2]:8.0f} {'':>6}"
    if "pages_postgres" in r:
        ceil_p = [v["ceiling"] for k, v in r["pages_postgres"].items() if k != "_cache"]
        row += f" {sorted(ceil_p)[len(ceil_p) // 2]:11.0f}"
    print(row)
    print("SQLite: gunicorn -w 2 sync, direct" + (f"; PostgreSQL: {r['pages_postgres_via']} "
                                                 "(ceiling served the same way)" if pg else ""))
    if "checkout" in r:
        print_checkout(r)
    print(line)


if __name__ == "__main__":
    main()
