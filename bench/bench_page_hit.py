"""Micro-benchmark: the in-process cost of one shared page cache hit.

Builds the app on ``DATABASE_URL`` (a migrated, seeded database: SQLite or PostgreSQL) with
the page cache on, stores one product page and the catalogue's first page, then calls the
WSGI app directly, as gunicorn would, for each hit: no HTTP, no load generator, so the figure
is the middleware's own work (key, store read, validation, headers).

Usage: DATABASE_URL=... python bench/bench_page_hit.py [--store memory|redis|file] [--n 3000]
       [--rounds 5] [--profile]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build_app(store: str, redis_url: str):
    from storefront import create_app

    config = {"PAGE_CACHE_STORE": store, "SITE_URL": "http://shop.bench.invalid",
              "PAGE_CACHE_SECONDS": 600, "PAGE_CACHE_PREFIX": f"sf:hitbench:{os.getpid()}:"}
    if store == "redis":
        config["REDIS_URL"] = redis_url
    if store == "file":
        import tempfile

        config["PAGE_CACHE_DIR"] = tempfile.mkdtemp(prefix="sf-hitbench-")
    return create_app(config)


def environ_for(path: str) -> dict:
    from werkzeug.test import EnvironBuilder

    builder = EnvironBuilder(path=path, base_url="http://127.0.0.1:8000",
                             headers={"Accept": "text/html"})
    env = builder.get_environ()
    builder.close()
    return env


def call(app, environ: dict) -> tuple[str, dict]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)

    body = app.wsgi_app(dict(environ), start_response)
    for _ in body:
        pass
    close = getattr(body, "close", None)
    if close:
        close()
    return seen["status"], seen["headers"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="memory", choices=["memory", "redis", "file"])
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"))
    parser.add_argument("--n", type=int, default=3000, help="hits per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one round")
    args = parser.parse_args(argv)

    app = build_app(args.store, args.redis_url)
    from storefront.catalog.queries import published_slugs
    from storefront.extensions import db

    with app.app_context():
        slug = published_slugs(db.session)[0][0]
        db.session.remove()
    pages = {"product": environ_for(f"/products/{slug}"), "catalogue": environ_for("/products")}
    for name, env in pages.items():
        call(app, env)  # stored (miss)
        status, headers = call(app, env)
        if headers.get("X-Page-Cache") != "hit":
            raise SystemExit(f"{name}: expected a hit, got {status} {headers.get('X-Page-Cache')}")
    url = app.config["SQLALCHEMY_DATABASE_URI"].split("@")[-1]
    print(f"database {url}, store {args.store}, {args.n} hits x {args.rounds} rounds", flush=True)
    for name, env in pages.items():
        per_hit = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            for _ in range(args.n):
                call(app, env)
            per_hit.append((time.perf_counter() - t0) / args.n * 1e6)
        print(f"  {name:<10} hit: median {statistics.median(per_hit):6.0f} us, "
              f"best {min(per_hit):6.0f} us  ({', '.join(f'{v:.0f}' for v in per_hit)})", flush=True)
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            for _ in range(args.n):
                call(app, env)
            prof.disable()
            out = io.StringIO()
            pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
            print(out.getvalue())
    cache = app.extensions["page_cache"]
    if args.store != "memory":
        cache.store.clear()


if __name__ == "__main__":
    main()
