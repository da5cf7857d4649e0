"""Benchmark: seeding N products (bands and tiers included) into a fresh SQLite file.

Prints, from one run:
  * `storefront seed load` as a subprocess: wall time and peak RSS (the user's view);
  * the same load in phases (parse, validate + gate, write + commit) in a fresh process, and
    as `seed load` runs it (load_document: chunks written while later ones validate);
  * a raw SQLAlchemy Core `executemany` of exactly the same rows into another fresh file,
    and the ratio of the seed load to it.

Usage: python bench/bench_seed.py [N]   (default 10000)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PHASES = r'''
import json, sys, time
from storefront import create_app
from storefront.extensions import db
from storefront.seeding.loader import apply_records, parse_json, validate_document
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    t0 = time.perf_counter(); text = open(sys.argv[2], encoding="utf-8").read()
    doc = parse_json(text); t1 = time.perf_counter()
    records, errors, warnings = validate_document(doc); t2 = time.perf_counter()
    assert not errors, errors[:5]
    summary = apply_records(db.session, records); db.session.commit(); t3 = time.perf_counter()
    print(json.dumps({"parse": t1 - t0, "validate": t2 - t1, "write": t3 - t2,
                      "total": t3 - t0, "created": len(summary.created)}))
'''

OVERLAPPED = r'''
import gc, json, sys, time
from storefront import create_app
from storefront.extensions import db
from storefront.seeding.loader import load_document, parse_json, start_workers
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    t0 = time.perf_counter(); start_workers(); text = open(sys.argv[2], encoding="utf-8").read()
    doc = parse_json(text); gc.freeze(); t1 = time.perf_counter()
    result = load_document(db.session, doc); db.session.commit(); t2 = time.perf_counter()
    assert not result.errors and not result.write_errors, (result.errors + result.write_errors)[:5]
    print(json.dumps({"parse": t1 - t0, "load": t2 - t1, "total": t2 - t0,
                      "created": len(result.summary.created)}))
'''

BASELINE = r'''
import json, sys, time
import sqlalchemy as sa
from storefront import create_app
from storefront.extensions import db
from storefront.catalog.models import PriceTier, Product, WavelengthBand
from storefront.catalog.records import band_rows, record_to_row, tier_rows
from storefront.db import utcnow
from storefront.seeding.loader import parse_json, validate_document
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    records, errors, _ = validate_document(parse_json(open(sys.argv[2]).read()), gate=False)
    now = utcnow()
    products = [{**record_to_row(r), "created_at": now, "updated_at": now, "id": i + 1}
                for i, r in enumerate(records)]
    bands = [{**b, "product_id": i + 1} for i, r in enumerate(records) for b in band_rows(r)]
    tiers = [{**t, "product_id": i + 1} for i, r in enumerate(records) for t in tier_rows(r)]
    t0 = time.perf_counter()
    with db.engine.begin() as conn:
        if len(sys.argv) > 3:  # raw inserts only: the search triggers paused (migration 0050)
            conn.exec_driver_sql("INSERT INTO product_search_pause (id) VALUES (1)")
        conn.execute(sa.insert(Product.__table__), products)
        conn.execute(sa.insert(WavelengthBand.__table__), bands)
        if tiers:
            conn.execute(sa.insert(PriceTier.__table__), tiers)
    t1 = time.perf_counter()
    print(json.dumps({"insert": t1 - t0, "products": len(products), "bands": len(bands),
                      "tiers": len(tiers)}))
'''


def _fresh_db(tmp: Path, name: str) -> str:
    url = f"sqlite:///{tmp / name}"
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    return url


def _run_python(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    from gen_catalogue import generate

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        path = tmp / "products.json"
        path.write_text(json.dumps(generate(n, seed=1)), encoding="utf-8")
        size_mb = path.stat().st_size / 1e6

        # 1. The real command, as staff run it.
        url = _fresh_db(tmp, "cli.db")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "seed", "load", str(path)],
                              cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
                              capture_output=True, text=True)
        cli_wall = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr)
            raise SystemExit("seed load failed")
        second = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "seed", "load", str(path)],
                                cwd=ROOT, env={**os.environ, "DATABASE_URL": url},
                                capture_output=True, text=True)
        t_second = time.perf_counter() - t0 - cli_wall

        # 2. Phases in a fresh process, and 3. the Core baseline of the same rows.
        phases = _run_python(PHASES, _fresh_db(tmp, "phases.db"), str(path))
        overlapped = _run_python(OVERLAPPED, _fresh_db(tmp, "overlapped.db"), str(path))
        base = _run_python(BASELINE, _fresh_db(tmp, "core.db"), str(path))
        raw = _run_python(BASELINE, _fresh_db(tmp, "raw.db"), str(path), "no-index")

    ratio = phases["total"] / base["insert"]
    print(f"seed file: {n} products, {base['bands']} bands, {base['tiers']} tiers, {size_mb:.1f} MB")
    print(f"storefront seed load (subprocess, incl. interpreter start): {cli_wall:6.2f} s wall, "
          f"peak RSS {peak_mb:.0f} MB   (max of child processes so far: {before / 1024:.0f} MB before)")
    print(f"  -> {proc.stdout.strip()}")
    print(f"second load of the same file: {t_second:6.2f} s -> {second.stdout.strip()}")
    print(f"phases: parse {phases['parse']:.2f} s, validate+gate {phases['validate']:.2f} s, "
          f"write+commit {phases['write']:.2f} s, total {phases['total']:.2f} s")
    print(f"as seed load runs them (writes overlapping validation): parse {overlapped['parse']:.2f} s, "
          f"validate+gate+write+commit {overlapped['load']:.2f} s, total {overlapped['total']:.2f} s")
    print(f"Core executemany of the same rows (search triggers firing per row): {base['insert']:.2f} s")
    print(f"ratio seed/Core: {ratio:.2f}x  (target <= 3x); wall target <= 10 s; peak target < 300 MB")
    print(f"for reference, Core executemany with the search index paused (no indexing at all): "
          f"{raw['insert']:.2f} s; ratio {phases['total'] / raw['insert']:.2f}x")


if __name__ == "__main__":
    main()
