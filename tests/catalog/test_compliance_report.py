"""`storefront compliance report` over the stored catalogue, and the CLI as registered."""

import json

from storefront.catalog.models import Status
from tests.factories import create_products, product_record


def test_report_lists_blocked_products_and_fails_for_published(cli_runner, db_session):
    ok, bad = create_products(db_session, product_record(), product_record())
    bad.summary = "Cures arthritis with no side effects."
    db_session.flush()
    result = cli_runner.invoke(args=["compliance", "report"])
    assert result.exit_code == 1
    assert f"{bad.sku} (published) BLOCKED" in result.output
    assert ok.sku not in result.output
    assert "1 blocked (1 of them published)" in result.output


def test_report_json_and_draft_does_not_fail(cli_runner, db_session):
    (p,) = create_products(db_session, product_record(status="draft"))
    p.headline = "FDA approved belt"
    db_session.flush()
    result = cli_runner.invoke(args=["compliance", "report", "--json", "--sku", p.sku])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[0])
    assert line["sku"] == p.sku and line["blocking"] is True and line["status"] == str(Status.DRAFT)
    assert any(f["rule"] == "fda-approval" for f in line["findings"])


def test_check_command_is_registered(cli_runner):
    result = cli_runner.invoke(args=["compliance", "check", "--kind", "belt", "--regulatory", "wellness", "-"],
                               input="Eliminates the root cause of back pain.")
    assert result.exit_code == 1
    findings = json.loads(result.output)
    assert {f["rule"] for f in findings} >= {"root-cause"}
