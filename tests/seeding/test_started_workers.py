"""Workers started ahead by the seed command (forked from it) give the same results as the
fork server's workers and as validating in one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import laser_record, product_record

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, os, sys, threading
from storefront.seeding import loader

doc = json.load(open(sys.argv[1]))
assert threading.active_count() == 1
loader.start_workers()
workers, pool = loader._started
assert workers == os.cpu_count() and pool._mp_context.get_start_method() == "fork"
forked = loader.validate_document(doc)
assert loader._started is None  # taken by that validation
served = loader.validate_document(doc)  # a fork server's workers
single = loader.validate_document(doc, workers=1)
print(json.dumps({"forked": forked, "served": served, "single": single}))
"""


def test_forked_workers_match_fork_server_and_single_process(tmp_path):
    from storefront.seeding import loader

    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: the seed command validates in its own process")

    items = [product_record() for _ in range(loader.PARALLEL_THRESHOLD + 10)]
    items[7] = laser_record()
    items[5]["price"] = -1
    items[1500]["copy"] = {"headline": "Red light belt", "summary": "Cures arthritis.",
                           "body": "Relax."}  # published: a gate error with its span
    items[1600]["status"] = "draft"
    items[1600]["copy"] = {"headline": "Draft", "summary": "Heals herniated discs.", "body": ""}
    items[-1]["sku"] = items[0]["sku"]
    path = tmp_path / "products.json"
    path.write_text(json.dumps({"products": items}))
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(path)], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=300)
    got = json.loads(out.stdout)
    assert got["forked"] == got["single"] == got["served"]
    records, errors, warnings = got["single"]
    assert len(records) == len(items) - 1
    assert any(e.startswith("products[5].price") for e in errors)
    assert any(e.startswith("products[1500].copy.summary") for e in errors)
    assert any(w.startswith("products[1600].copy.summary") for w in warnings)
    assert any("duplicate SKU" in e for e in errors)
