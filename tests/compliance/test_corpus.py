"""The labelled corpus: recall on claims that must block, false blocks on compliant copy.

Splits: ``dev`` was used while writing the rules; ``holdout``, ``holdout2`` and
``holdout3`` were each written afterwards as fresh paraphrases and real-world seller
copy, scored once before any rule change, then used to generalise the rules. First-pass
scores (block recall / false blocks): holdout 35/44 (79.5 %) / 0 of 35; holdout2 23/29
(79.3 %) / 0 of 16; holdout3 14/23 (60.9 %) / 0 of 13. Expect unseen idioms to slip
through at roughly those rates; add them here and to rules.toml when they appear.
Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from storefront.compliance import check_copy

CORPUS = Path(__file__).with_name("corpus.jsonl")


def _load() -> list[dict]:
    rows = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]
    return rows


def _verdict(row: dict) -> tuple[str, list]:
    # Sentence-level: document requirements (the Rx-only statement) are tested elsewhere.
    findings = check_copy(row["text"], row["kind"], row["regulatory"],
                          k_number=row.get("k_number"), indications=row.get("indications"),
                          whole_copy=False)
    if any(f.severity == "block" for f in findings):
        return "block", findings
    return ("warn" if findings else "pass"), findings


@pytest.fixture(scope="module")
def results():
    return [(row, *_verdict(row)) for row in _load()]


def test_corpus_is_well_formed_and_covers_every_rule():
    rows = _load()
    assert len(rows) >= 160
    for row in rows:
        assert set(row) <= {"text", "kind", "regulatory", "k_number", "indications", "expect",
                            "rule", "split"}, row
        assert row["expect"] in ("block", "pass", "warn"), row
        assert row["kind"] in ("belt", "handheld", "panel", "laser"), row
        assert row["regulatory"] in ("wellness", "otc_cleared", "rx_only"), row
    rules = Counter(r["rule"] for r in rows if r.get("rule"))
    for rule in ("disease-claim", "root-cause", "absolute-safety", "fda-approval",
                 "serious-condition", "drug-or-surgery-comparison", "guaranteed-result",
                 "vulnerable-groups", "wellness-medical-mix", "laser-no-heat",
                 "mechanism-as-fact", "proof-claim", "superlative", "non-addictive-comparison",
                 "painless", "social-proof"):
        assert rules[rule] >= 3, f"corpus has too few examples of {rule}"
    assert sum(r["expect"] == "pass" for r in rows) >= 60


def _figures(results, split=None):
    rows = [r for r in results if split is None or r[0].get("split") == split]
    block = [v for row, v, _ in rows if row["expect"] == "block"]
    clean = [v for row, v, _ in rows if row["expect"] == "pass"]
    warn = [v for row, v, _ in rows if row["expect"] == "warn"]
    recall = sum(v == "block" for v in block) / len(block)
    false_block = sum(v == "block" for v in clean) / len(clean)
    warn_hit = sum(v == "warn" for v in warn) / len(warn) if warn else 1.0
    return recall, false_block, warn_hit, len(block), len(clean), len(warn)


def test_recall_and_false_block_rate(results):
    print()
    for split in (None, "dev", "holdout", "holdout2", "holdout3"):
        recall, fb, warn_hit, nb, nc, nw = _figures(results, split)
        print(f"[{split or 'all':8}] recall {recall:6.1%} on {nb} block-worthy, "
              f"false-block {fb:5.1%} on {nc} compliant, warn found {warn_hit:6.1%} of {nw}")
    misses = [row["text"] for row, v, _ in results if row["expect"] == "block" and v != "block"]
    false_blocks = [(row["text"], [f.rule for f in fs]) for row, v, fs in results
                    if row["expect"] == "pass" and v == "block"]
    recall, fb, warn_hit, *_ = _figures(results)
    assert recall >= 0.95, f"missed: {misses}"
    assert fb <= 0.03, f"false blocks: {false_blocks}"
    assert warn_hit >= 0.85


def test_expected_rule_is_among_findings(results):
    labelled = [(row, fs) for row, v, fs in results if row.get("rule") and row["expect"] != "pass"]
    hits = [row["text"] for row, fs in labelled if any(f.rule == row["rule"] for f in fs)]
    rate = len(hits) / len(labelled)
    print(f"\nexpected rule named in {rate:.1%} of {len(labelled)} labelled claims")
    assert rate >= 0.9


def test_warn_items_are_not_blocked(results):
    over = [row["text"] for row, v, _ in results if row["expect"] == "warn" and v == "block"]
    assert len(over) <= 2, over
