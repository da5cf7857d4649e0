"""``storefront compliance check`` on a minimal Flask app (no database)."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from storefront.compliance.cli import compliance_cli


@pytest.fixture
def runner():
    app = Flask(__name__)
    app.cli.add_command(compliance_cli)
    return app.test_cli_runner()


def invoke(runner, *args, input=None):
    return runner.invoke(args=["compliance", "check", *args], input=input)


def test_clean_copy_exits_0_with_an_empty_list(runner):
    res = invoke(runner, "--kind", "belt", "--regulatory", "wellness",
                 input="A warm, relaxing ten-minute session.")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == []


def test_blocking_copy_exits_1_and_prints_findings(runner):
    text = "It **cures** arthritis."
    res = invoke(runner, "--kind", "belt", "--regulatory", "wellness", input=text)
    assert res.exit_code == 1
    findings = json.loads(res.output)
    assert findings[0]["rule"] == "disease-claim" and findings[0]["severity"] == "block"
    assert set(findings[0]) == {"rule", "severity", "scope", "start", "end", "message",
                                "suggestion", "rewrite"}
    assert text[findings[0]["start"]:findings[0]["end"]].startswith("cures")


def test_warnings_only_exit_0(runner):
    res = invoke(runner, "--kind", "panel", "--regulatory", "wellness", input="Clinically proven.")
    assert res.exit_code == 0 and json.loads(res.output)[0]["severity"] == "warn"


def test_k_number_and_indications_options(runner, tmp_path):
    p = tmp_path / "copy.md"
    p.write_text("FDA-cleared (K123456) for temporary relief of minor muscle pain.", "utf-8")
    args = ["--kind", "belt", "--regulatory", "otc_cleared", "--k-number", "K123456"]
    assert invoke(runner, *args, str(p)).exit_code == 1  # no indications on file
    res = invoke(runner, *args, "--indications",
                 "Temporary relief of minor muscle and joint pain.", str(p))
    assert res.exit_code == 0, res.output


def test_file_argument_and_dash(runner, tmp_path):
    p = tmp_path / "copy.md"
    p.write_text("FDA approved!", "utf-8")
    assert invoke(runner, str(p)).exit_code == 1
    assert invoke(runner, "-", input="FDA approved!").exit_code == 1


def test_bad_options_are_usage_errors(runner):
    res = invoke(runner, "--kind", "toaster", input="x")
    assert res.exit_code == 2 and "toaster" in res.output


def test_jsonl_batch_keeps_order_and_ids(runner):
    lines = [
        {"id": "a", "text": "Relax nightly.", "kind": "belt", "regulatory": "wellness"},
        {"id": 2, "text": "Relieves muscle pain.", "kind": "belt", "regulatory": "wellness"},
        {"id": "c", "text": "Relieves minor muscle pain.", "kind": "belt",
         "regulatory": "otc_cleared", "k_number": "K123456",
         "indications": "Temporary relief of minor muscle and joint pain."},
        {"id": "d", "text": "No heat needed.", "kind": "laser", "regulatory": "rx_only"},
    ]
    res = invoke(runner, "--jsonl", input="\n".join(json.dumps(x) for x in lines) + "\n\n")
    assert res.exit_code == 1
    out = [json.loads(x) for x in res.output.splitlines()]
    assert [o["id"] for o in out] == ["a", 2, "c", "d"]
    assert out[0]["findings"] == [] and out[2]["findings"] == []
    assert out[1]["findings"][0]["rule"] == "wellness-medical-mix"
    assert {f["rule"] for f in out[3]["findings"]} >= {"laser-no-heat", "rx-only-statement"}


def test_jsonl_all_clean_exits_0(runner):
    res = invoke(runner, "--jsonl", input='{"id": 1, "text": "Relax.", "kind": "panel", '
                                          '"regulatory": "wellness"}\n')
    assert res.exit_code == 0 and json.loads(res.output) == {"id": 1, "findings": []}


def test_jsonl_bad_lines_are_reported_with_line_numbers_and_exit_2(runner):
    bad = "\n".join([
        '{"id": 1, "text": "ok", "kind": "belt", "regulatory": "wellness"}',
        "not json",
        '{"text": "no id"}',
        '{"id": 4, "text": "x", "kind": "belts"}',
        '{"id": 5, "text": 7}',
        '["a list"]',
    ])
    res = invoke(runner, "--jsonl", input=bad)
    assert res.exit_code == 2
    for needle in ("line 2: not valid JSON", "line 3: missing 'id'", "line 4: unknown kind",
                   "line 5: 'text' must be a string", "line 6: expected a JSON object"):
        assert needle in res.output, res.output
    assert '"findings"' not in res.output  # nothing checked when the input is bad


def test_jsonl_sentence_scope_skips_whole_copy_requirements(runner):
    line = {"id": "s", "text": "A class 4 laser with a 6 mm spot.", "kind": "laser",
            "regulatory": "rx_only", "k_number": "K123456",
            "indications": "Temporary relief of minor muscle pain."}
    res = invoke(runner, "--jsonl", input=json.dumps(line) + "\n")
    whole = json.loads(res.output)["findings"]
    assert [(f["rule"], f["scope"], f["start"], f["end"]) for f in whole] == [
        ("rx-only-statement", "document", 0, 0)]
    res = invoke(runner, "--jsonl", input=json.dumps(line | {"scope": "sentence"}) + "\n")
    assert res.exit_code == 0 and json.loads(res.output)["findings"] == []
    res = invoke(runner, "--jsonl", input=json.dumps(line | {"scope": "page"}) + "\n")
    assert res.exit_code == 2 and "scope" in res.output
