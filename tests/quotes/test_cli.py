"""``storefront quotes …``: the staff workflow, history and a spreadsheet-safe CSV export."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from storefront.quotes import workflow
from storefront.quotes.export import safe_cell
from storefront.quotes.models import QuoteStatus
from tests.quotes.conftest import PNG_1PX, make_quote


def run(cli_runner, *args, **kw):
    return cli_runner.invoke(args=["quotes", *args], **kw)


def test_workflow_through_the_cli(cli_runner, db_session, catalogue):
    quote = make_quote(db_session)
    ref = quote.reference
    listing = run(cli_runner, "list")
    assert listing.exit_code == 0 and ref in listing.output and "new: 1" in listing.output

    assert run(cli_runner, "review", ref, "--by", "alice").exit_code == 0
    until = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    res = run(cli_runner, "quote", ref, "--by", "alice", "--price", "1=9000", "--price", "2=45.50",
              "--valid-until", until, "--deposit-pct", "20")
    assert res.exit_code == 0, res.output
    assert "$90,500.00" in res.output and f"valid until {until} 23:59 UTC" in res.output

    shown = json.loads(run(cli_runner, "show", ref, "--json").output)
    assert shown["status"] == "quoted" and shown["quoted_total"] == 500 * 9000 + 1000 * 4550
    assert [ln["quoted_unit_price"] for ln in shown["lines"]] == [9000, 4550]
    assert [(e["actor"], e["action"], e["to"]) for e in shown["events"]] == [
        ("buyer:ana@example.com", "requested", "new"), ("staff:alice", "reviewed", "in_review"),
        ("staff:alice", "quoted", "quoted")]
    text = run(cli_runner, "show", ref).output
    assert "staff:alice reviewed new→in_review" in text and "Brightwave GmbH" in text

    filtered = run(cli_runner, "list", "--status", "quoted", "--json").output.strip().splitlines()
    assert [json.loads(line)["reference"] for line in filtered] == [ref]


def test_actor_can_come_from_the_environment(cli_runner, db_session, catalogue):
    quote = make_quote(db_session)
    res = run(cli_runner, "review", quote.reference, env={"STOREFRONT_STAFF": "carol@example.com"})
    assert res.exit_code == 0
    db_session.refresh(quote)
    assert quote.events[-1].actor == "staff:carol@example.com"


def test_actor_is_required(cli_runner, db_session, catalogue, monkeypatch):
    monkeypatch.delenv("STOREFRONT_STAFF", raising=False)
    quote = make_quote(db_session)
    res = run(cli_runner, "review", quote.reference)
    assert res.exit_code == 2 and "--by" in res.output


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["review", "Q-2026-999999", "--by", "a"], 1, "No quote Q-2026-999999"),
        (["quote", "{ref}", "--by", "a", "--price", "1=100"], 1, "needs a unit price"),
        (["quote", "{ref}", "--by", "a", "--price", "one=100"], 2, "LINE=VALUE"),
        (["quote", "{ref}", "--by", "a", "--price", "1=12.345", "--price", "2=1"], 2, "not an amount"),
        (["quote", "{ref}", "--by", "a", "--price", "1=1", "--price", "2=1", "--valid-days", "3",
          "--valid-until", "2099-01-01"], 2, "not both"),
        (["quote", "{ref}", "--by", "a", "--price", "1=1", "--price", "2=1", "--currency", "BTC"], 1, "currency"),
    ],
)
def test_cli_errors_are_clear(cli_runner, db_session, catalogue, args, code, text):
    quote = make_quote(db_session)
    res = run(cli_runner, *[a.replace("{ref}", quote.reference) for a in args])
    assert res.exit_code == code, res.output
    assert text in res.output
    db_session.refresh(quote)
    assert quote.status == QuoteStatus.NEW


def test_illegal_move_is_an_error(cli_runner, db_session, catalogue):
    quote = make_quote(db_session)
    assert run(cli_runner, "decline", quote.reference, "--by", "a", "--reason", "no").exit_code == 0
    res = run(cli_runner, "review", quote.reference, "--by", "a")
    assert res.exit_code == 1 and "is declined" in res.output


def test_expire_command(cli_runner, db_session, catalogue):
    now = datetime.now(UTC)
    old, fresh = make_quote(db_session), make_quote(db_session)
    workflow.issue_quote(db_session, old, actor="staff:a", unit_prices={1: 1, 2: 1},
                         valid_until=now - timedelta(seconds=1), now=now - timedelta(days=3))
    workflow.issue_quote(db_session, fresh, actor="staff:a", unit_prices={1: 1, 2: 1},
                         valid_until=now + timedelta(days=3), now=now)
    db_session.commit()
    res = run(cli_runner, "expire")
    assert res.exit_code == 0 and res.output.strip() == f"expired 1: {old.reference}"
    db_session.refresh(old)
    db_session.refresh(fresh)
    assert old.status == QuoteStatus.EXPIRED and fresh.status == QuoteStatus.QUOTED
    assert run(cli_runner, "expire").output.strip() == "expired 0"


NASTY = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", " =lead space"]


@pytest.mark.parametrize("value", NASTY)
def test_safe_cell_neutralises_formulas(value):
    assert safe_cell(value).startswith("'")


@pytest.mark.parametrize("value", ["Brightwave GmbH", "2027-03-01", "ana@example.com", "Q-2026-000001"])
def test_safe_cell_leaves_ordinary_text(value):
    assert safe_cell(value) == value


def test_safe_cell_keeps_numbers_as_numbers():
    assert safe_cell(-500) == -500 and safe_cell(None) == "" and safe_cell(True) == "yes"


def test_export_is_safe_against_formula_injection(cli_runner, db_session, catalogue, tmp_path):
    make_quote(db_session, company="=cmd|' /C calc'!A0", contact_name="@SUM(1+1)*cmd",
               notes="-2+3\nsecond line", lines=[{"kind": "belt", "quantity": 3, "description": "+wrap"}])
    make_quote(db_session)
    out = tmp_path / "quotes.csv"
    res = run(cli_runner, "export", str(out))
    assert res.exit_code == 0 and "wrote 2 quotes" in res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 2
    evil = next(r for r in rows if "cmd" in r["company"])
    assert evil["company"] == "'=cmd|' /C calc'!A0"
    assert evil["contact_name"] == "'@SUM(1+1)*cmd"
    assert evil["notes"] == "'-2+3\nsecond line"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert {r["phone"] for r in rows} == {"'+49 30 1234567"}


def test_export_to_stdout_with_status_filter(cli_runner, db_session, catalogue):
    make_quote(db_session)
    b = make_quote(db_session)
    run(cli_runner, "review", b.reference, "--by", "x")
    res = run(cli_runner, "export", "-", "--status", "in_review")
    rows = list(csv.DictReader(io.StringIO(res.output)))
    assert [r["reference"] for r in rows] == [b.reference]


def test_attachment_command_copies_the_file_out(cli_runner, db_session, catalogue, upload_dir, tmp_path):
    import base64

    quote = make_quote(db_session, upload_dir=upload_dir)
    from storefront.quotes import intake
    from storefront.quotes.schemas import QuoteRequestSchema
    from tests.quotes.conftest import contract_request

    data = QuoteRequestSchema().load(contract_request(attachment={
        "filename": "logo.png", "content_base64": base64.b64encode(PNG_1PX).decode()}))
    res = intake.create_request(db_session, data, source="api", staff_email="s@example.com",
                                upload_dir=str(upload_dir), attachment=intake.decode_attachment(data["attachment"]))
    db_session.commit()
    att = res.quote.attachments[0]
    dest = tmp_path / "out.png"
    out = run(cli_runner, "attachment", res.quote.reference, str(att.id), str(dest))
    assert out.exit_code == 0, out.output
    assert dest.read_bytes() == PNG_1PX
    assert run(cli_runner, "attachment", quote.reference, "999", str(dest)).exit_code == 1
