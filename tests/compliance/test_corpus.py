"""The labelled claim corpus: its shape, the first-pass record, and the targets.

The corpus is ``batches/batch-NN.jsonl`` (docs/compliance-labelling.md); each row's
``split`` is fixed by a hash of its text. Rules and vocabularies were tuned on train and
dev rows only; the model is trained on train and its thresholds set on dev. The test
split is what the targets below are checked on. Every batch from 05 on was scored once
before anyone tuned on it: ``first_pass.jsonl`` keeps those figures (docs/compliance.md).
Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from storefront.compliance.evaluate import (
    CORPUS_DIR,
    FIRST_PASS,
    figures,
    load_rows,
    score,
    split_of,
)
from storefront.compliance.rules import active_rules

KEYS = {"text", "kind", "regulatory", "k_number", "indications", "expect", "rule", "split",
        "source"}


@pytest.fixture(scope="module")
def rows():
    return load_rows()


@pytest.fixture(scope="module")
def test_scores(rows):
    return score([r for r in rows if r["split"] == "test"])


def test_corpus_is_large_well_formed_and_covers_every_rule(rows):
    assert len(rows) >= 1500
    # A sentence recurs only on different product facts (the same idea on a wellness and a
    # cleared product): an exact repeat adds nothing, so later copies are dropped when a
    # batch is added (its first pass was scored as delivered). A sentence keeps one split
    # (the hash) and, on the same facts, one label.
    facts = Counter((r["text"], r["regulatory"], r.get("indications"), r["kind"]) for r in rows)
    assert max(facts.values()) == 1, [k[0] for k, n in facts.items() if n > 1][:5]
    labels: dict[tuple, set] = {}
    for r in rows:
        key = (r["text"], r["regulatory"], r.get("indications"), r["kind"] == "laser")
        labels.setdefault(key, set()).add(r["expect"])
    conflicts = [k[0] for k, v in labels.items() if len(v) > 1]
    assert not conflicts, conflicts
    rule_ids = {r.id for r in active_rules().rules}
    for row in rows:
        assert set(row) - {"batch"} <= KEYS, row
        assert row["expect"] in ("block", "pass", "warn"), row
        assert row["kind"] in ("belt", "handheld", "panel", "laser"), row
        assert row["regulatory"] in ("wellness", "otc_cleared", "rx_only"), row
        assert not (row["kind"] == "laser" and row["regulatory"] == "wellness"), row
        assert row["split"] == split_of(row["text"]), row
        if row["expect"] != "pass":
            assert row.get("rule") in rule_ids, row
    rules = Counter(r["rule"] for r in rows if r.get("rule"))
    for rule in rule_ids - {"rx-only-statement"}:
        assert rules[rule] >= 10, f"corpus has too few examples of {rule}"
    by_split = Counter(r["split"] for r in rows)
    assert by_split["test"] >= 300 and by_split["dev"] >= 300


def test_every_new_batch_has_a_first_pass_record():
    recorded = {json.loads(x)["batch"] for x in FIRST_PASS.read_text().splitlines() if x}
    batches = {p.stem for p in CORPUS_DIR.glob("batch-*.jsonl")}
    legacy = {"batch-01", "batch-02", "batch-03", "batch-04"}  # scored before the record
    assert batches - legacy <= recorded
    sizes = {json.loads(x)["batch"]: json.loads(x)["rules"]["n"]
             for x in FIRST_PASS.read_text().splitlines() if x}
    for p in CORPUS_DIR.glob("batch-*.jsonl"):
        if p.stem not in legacy:
            assert sizes[p.stem] >= 150, p  # as delivered and scored (exact repeats dropped since)


def _show(name, fig):
    print(f"\n[{name}] block recall {fig.block_recall:.1%} of {fig.n_block}, warn recall "
          f"{fig.warn_recall:.1%} of {fig.n_warn}, honest blocked {fig.honest_blocked:.1%} "
          f"of {fig.n_pass}, warn-level blocked {fig.warn_blocked:.1%}, honest flagged "
          f"{fig.honest_flagged:.1%}")


@pytest.mark.timeout(600)
def test_targets_on_the_test_split(test_scores):
    for layer in ("rules", "model", "both"):
        _show(f"test/{layer}", figures(test_scores[layer]))
    fig = figures(test_scores["both"])
    # Targets (issue 10): block recall >= 95 %, warn recall >= 90 %, honest blocked <= 2 %,
    # warn-level blocked <= 10 % (docs/compliance.md has the figures and the per-batch first
    # passes, which are the stricter measure). Over 140 batches: 95.8 / 97.3 / 1.4 / 1.2
    # (rules alone block 94.8 %; the model's held-out-precision blocks add the rest).
    assert fig.block_recall >= 0.95
    assert fig.warn_recall >= 0.90
    assert fig.honest_blocked <= 0.02
    assert fig.warn_blocked <= 0.10
    assert fig.any_recall >= 0.95  # violating sentences with any finding (block or review)


@pytest.mark.timeout(600)
def test_expected_rule_is_named_for_most_rule_findings(test_scores):
    from storefront.compliance.evaluate import layer_findings

    labelled = [r for r, _ in test_scores["rules"] if r["expect"] != "pass"]
    hits = [r for r in labelled
            if any(f.rule == r["rule"] for f in layer_findings(r, "both"))]
    rate = len(hits) / len(labelled)
    print(f"\nexpected rule named in {rate:.1%} of {len(labelled)} labelled test claims")
    assert rate >= 0.6


@pytest.mark.timeout(900)
def test_model_was_built_on_the_current_corpus():
    """The cheap half of the staleness check, run everywhere: the committed model was
    trained on exactly today's batches and splits (52,728 train rows + anchors, …)."""
    from storefront.compliance.train import MODEL_PATH, anchor_rows

    meta = json.loads(MODEL_PATH.read_text("utf-8"))["meta"]
    rows = load_rows()
    assert meta["batches"] == sorted({r["batch"] for r in rows})
    assert meta["dev_rows"] == sum(r["split"] == "dev" for r in rows)
    assert meta["train_rows"] == sum(r["split"] == "train" for r in rows) + len(anchor_rows())


@pytest.mark.skipif(
    os.environ.get("CI") == "true" and os.environ.get("STOREFRONT_FULL_MODEL_CHECK") != "1",
    reason="the full rebuild takes about ten minutes on the CI machine, which would take CI past "
           "30 minutes; CI checks the corpus the model was built on instead (the test above). "
           "Run `python -m storefront.compliance.train --check`, or set "
           "STOREFRONT_FULL_MODEL_CHECK=1, after changing rules, vocabularies or the corpus")
def test_model_file_is_current():
    pytest.importorskip("sklearn", reason="the train extra (scikit-learn) is not installed")
    from storefront.compliance.train import MODEL_PATH, build, dump, same_model

    committed = json.loads(MODEL_PATH.read_text("utf-8"))
    assert same_model(committed, json.loads(dump(build()))), (
        "model.json is stale: run `python -m storefront.compliance.train`")


def test_model_blocks_only_with_a_stored_precision_threshold():
    from storefront.compliance.model import active_model

    mdl = active_model()
    assert mdl is not None
    # Above 1.0 the model never blocks: no threshold met 98 % precision where it acts.
    assert mdl.block_threshold >= 0.5 and 0.5 <= mdl.review_threshold < 1.0
    assert mdl.meta["block_precision_target"] >= 0.98
    if mdl.block_threshold <= 1.0:
        # where the model blocks, its dev-split blocks (if any reach the threshold) are
        # held to the same precision as the held-out scores that set the threshold
        precision = mdl.meta["dev_block_precision_at_threshold"]
        assert precision is None or precision >= 0.98
    # a stratum's own, lower threshold held the same precision over at least 20 blocks
    strata = mdl.meta["strata_at_their_thresholds"]
    assert set(strata) == set(mdl.block_thresholds)
    for name, t in mdl.block_thresholds.items():
        assert 0.5 <= t < mdl.block_threshold
        assert strata[name]["precision"] >= 0.98 and strata[name]["blocks"] >= 20
    assert Path(__file__).resolve().parents[2].joinpath(
        "storefront", "compliance", "model.json").stat().st_size < 2_000_000


def test_same_model_allows_a_weight_pruned_at_the_edge_in_one_build_only():
    from storefront.compliance.train import PRUNE, same_model

    base = {"meta": {"C": 16.0}, "intercept": [0.1, 0.2, 0.3],
            "weights": {"pain": [0.5, -0.2, 0.1]}}
    edge = {**base, "weights": {**base["weights"], "ache": [PRUNE + 1e-4, 0.0, 0.0]}}
    far = {**base, "weights": {**base["weights"], "ache": [PRUNE * 3, 0.0, 0.0]}}
    moved = {**base, "weights": {"pain": [0.6, -0.2, 0.1]}}
    assert same_model(base, edge) and same_model(edge, base)
    assert not same_model(base, far)
    assert not same_model(base, moved)


def test_model_file_stores_weights_as_whole_thousandths_and_reads_back_the_same_floats():
    from storefront.compliance.model import stored_weights
    from storefront.compliance.train import dump, same_model

    doc = {"meta": {"C": 16.0}, "intercept": [0.1, 0.2, 0.3],
           "weights": {"ache": [-4.289, 5.444, -1.155], "pain": [0.143, -0.27, -0.0]}}
    text = dump(doc)
    stored = json.loads(text)
    assert stored["weights_per_unit"] == 1000
    assert stored["weights"] == {"ache": [-4289, 5444, -1155], "pain": [143, -270, 0]}
    assert stored_weights(stored) == {k: tuple(v) for k, v in doc["weights"].items()}
    assert same_model(doc, stored) and same_model(stored, doc)
    assert dump(stored) == text  # writing a stored document again changes nothing
