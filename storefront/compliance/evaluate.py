"""Score the claim checker on the labelled corpus: per batch, per split, per layer.

The corpus is ``tests/compliance/batches/batch-NN.jsonl`` (format in
docs/compliance-labelling.md). Each row has a ``split`` (train / dev / test) fixed by a
hash of its text, so a sentence never changes split when the corpus grows.

    python -m storefront.compliance.evaluate                 # every batch and split
    python -m storefront.compliance.evaluate --first-pass batch-13.jsonl

``--first-pass`` scores a batch nobody has tuned on yet, prints the figures and appends
them to ``tests/compliance/first_pass.jsonl`` (the honest record of generalisation).
Pure: no database, no Flask.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = ROOT / "tests" / "compliance" / "batches"
FIRST_PASS = ROOT / "tests" / "compliance" / "first_pass.jsonl"
LAYERS = ("rules", "model", "both")


def split_of(text: str) -> str:
    """The fixed split of a sentence: 60 % train, 20 % dev, 20 % test by a hash of it."""
    h = int(hashlib.sha1(text.encode("utf-8")).hexdigest(), 16) % 10
    return "train" if h < 6 else ("dev" if h < 8 else "test")


def load_rows(paths: Iterable[Path] | None = None) -> list[dict]:
    """Rows of the given batch files (default: all), each with ``batch`` and ``split``."""
    paths = sorted(CORPUS_DIR.glob("batch-*.jsonl")) if paths is None else list(paths)
    rows = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row.setdefault("split", split_of(row["text"]))
                row["batch"] = path.stem
                rows.append(row)
    return rows


def verdict_of(findings) -> str:
    """block / warn / pass from a list of findings."""
    if any(f.severity == "block" for f in findings):
        return "block"
    return "warn" if findings else "pass"


def layer_findings(row: dict, layer: str) -> list:
    """Sentence-level findings of one layer: rules alone, model alone, or both."""
    from storefront.compliance.checker import check_copy

    kw = dict(k_number=row.get("k_number"), indications=row.get("indications"),
              whole_copy=False)
    if layer == "both":
        return check_copy(row["text"], row["kind"], row["regulatory"], **kw)
    if layer == "rules":
        return check_copy(row["text"], row["kind"], row["regulatory"], model=False, **kw)
    return check_copy(row["text"], row["kind"], row["regulatory"], rules_enabled=False, **kw)


@dataclass
class Figures:
    """Recall and over-blocking figures of one set of rows."""

    n: int
    n_block: int
    n_warn: int
    n_pass: int
    block_recall: float      # block rows blocked
    any_recall: float        # block or warn rows with any finding
    warn_recall: float       # warn rows with a finding, not blocked
    honest_blocked: float    # pass rows blocked
    honest_flagged: float    # pass rows with any finding
    warn_blocked: float      # warn rows blocked

    def row(self) -> str:
        """One table row of percentages."""
        return (f"{self.n:5d} {self.block_recall:7.1%} {self.warn_recall:7.1%} "
                f"{self.honest_blocked:7.1%} {self.warn_blocked:7.1%} {self.any_recall:7.1%} "
                f"{self.honest_flagged:7.1%}")

    def to_dict(self) -> dict:
        """JSON-ready figures (rounded fractions)."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vars(self).items()}


HEADER = "    n  block%   warn%  honBLK  warnBLK   any%  honFLAG"


def _rate(hits: int, n: int) -> float:
    return hits / n if n else 1.0


def figures(pairs: list[tuple[dict, str]]) -> Figures:
    """Figures of (row, verdict) pairs."""
    blk = [v for r, v in pairs if r["expect"] == "block"]
    wrn = [v for r, v in pairs if r["expect"] == "warn"]
    hon = [v for r, v in pairs if r["expect"] == "pass"]
    return Figures(
        n=len(pairs), n_block=len(blk), n_warn=len(wrn), n_pass=len(hon),
        block_recall=_rate(sum(v == "block" for v in blk), len(blk)),
        any_recall=_rate(sum(v != "pass" for v in blk + wrn), len(blk + wrn)),
        warn_recall=_rate(sum(v == "warn" for v in wrn), len(wrn)),
        honest_blocked=_rate(sum(v == "block" for v in hon), len(hon)),
        honest_flagged=_rate(sum(v != "pass" for v in hon), len(hon)),
        warn_blocked=_rate(sum(v == "block" for v in wrn), len(wrn)),
    )


def score(rows: list[dict], layers: Iterable[str] = LAYERS) -> dict[str, list[tuple[dict, str]]]:
    """(row, verdict) pairs per layer."""
    return {layer: [(r, verdict_of(layer_findings(r, layer))) for r in rows] for layer in layers}


def report(rows: list[dict], group: Callable[[dict], str], out=sys.stdout,
           layers: Iterable[str] = LAYERS) -> dict[str, dict[str, Figures]]:
    """Print a table of figures per group and layer; return them."""
    scored = score(rows, layers)
    groups = sorted({group(r) for r in rows})
    result: dict[str, dict[str, Figures]] = {}
    print(f"{'group':12} {'layer':6}{HEADER}", file=out)
    for g in groups + ["all"]:
        result[g] = {}
        for layer, pairs in scored.items():
            sel = [(r, v) for r, v in pairs if g == "all" or group(r) == g]
            fig = figures(sel)
            result[g][layer] = fig
            print(f"{g:12} {layer:6}{fig.row()}", file=out)
    return result


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def first_pass(path: Path) -> dict:
    """Score a new batch, append the figures to the first-pass record, return them."""
    name = path.stem
    if FIRST_PASS.exists():
        seen = {json.loads(x)["batch"] for x in FIRST_PASS.read_text().splitlines() if x}
        if name in seen:
            raise SystemExit(f"{name} already has a first-pass record; it is no longer unseen")
    rows = load_rows([path])
    res = report(rows, lambda r: r["batch"])["all"]
    from storefront.compliance.model import active_model

    entry = {"batch": name, "date": date.today().isoformat(), "checker_commit": _commit(),
             **{layer: fig.to_dict() for layer, fig in res.items()}}
    if active_model() is None:
        entry.update(model=None, note="rules only (no model existed yet)")
    with FIRST_PASS.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    return entry


def _pct(fig: dict | None, key: str) -> str:
    return "–" if fig is None else f"{fig[key]:.1%}"


def first_pass_table() -> str:
    """The first-pass record as Markdown: one row per batch and layer."""
    lines = ["| batch | n | checker | layer | block recall | warn recall | honest blocked "
             "| warn-level blocked | any finding on a claim | honest flagged |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for raw in FIRST_PASS.read_text("utf-8").splitlines():
        if not raw.strip():
            continue
        e = json.loads(raw)
        for layer in LAYERS:
            fig = e.get(layer)
            if e.get("model") is None and layer != "rules":
                continue  # no model existed yet: rules alone
            n = (fig or e["rules"])["n"]
            lines.append(
                f"| {e['batch']} | {n} | {e['checker_commit']} | {layer} | "
                f"{_pct(fig, 'block_recall')} | {_pct(fig, 'warn_recall')} | "
                f"{_pct(fig, 'honest_blocked')} | {_pct(fig, 'warn_blocked')} | "
                f"{_pct(fig, 'any_recall')} | {_pct(fig, 'honest_flagged')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line: figures per batch and split, or a first pass of one new batch."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first-pass", type=Path, help="a batch file nobody has tuned on yet")
    ap.add_argument("--misses", action="store_true", help="list what the checker got wrong")
    ap.add_argument("--split", help="only rows of this split")
    ap.add_argument("--layer", default="both", choices=LAYERS)
    ap.add_argument("--table", action="store_true",
                    help="print the first-pass record as a Markdown table")
    args = ap.parse_args(argv)
    if args.table:
        print(first_pass_table())
        return
    if args.first_pass:
        first_pass(args.first_pass)
        return
    rows = load_rows()
    if args.split:
        rows = [r for r in rows if r["split"] == args.split]
    if args.misses:
        for r, v in score(rows, [args.layer])[args.layer]:
            if v != r["expect"]:
                print(f"{r['expect']:>5} got {v:5} [{r['regulatory']}/{r['kind']}] "
                      f"({r.get('rule', '-')}) {r['text']}")
        return
    print("== by batch ==")
    report(rows, lambda r: r["batch"])
    print("\n== by split ==")
    report(rows, lambda r: r["split"])


if __name__ == "__main__":
    main()
