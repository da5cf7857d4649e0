"""Quote emails go through the outbox after commit, to a real local SMTP server."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storefront.mail import OutboxEmail
from storefront.quotes import workflow
from storefront.quotes.models import Quote
from tests.quotes.conftest import contract_request, make_quote


def _by_to(messages):
    return {m["To"]: m for m in messages}


def test_request_emails_buyer_and_staff(client, catalogue, smtp_server, mail_to):
    mail_to(smtp_server)
    resp = client.post("/api/v1/quotes", json=contract_request())
    assert resp.status_code == 201
    ref = resp.get_json()["reference"]
    msgs = _by_to(smtp_server.messages)
    assert set(msgs) == {"ana@example.com", "sales@example.com"}
    buyer, staff = msgs["ana@example.com"], msgs["sales@example.com"]
    assert buyer["Subject"] == f"We received your quote request {ref}"
    body = buyer.get_content()
    assert ref in body and "PANEL-5W-300 (Panel 300) × 500" in body and "indicative $125.00 each" in body
    assert "custom belt: custom 8-zone wrap × 1000" in body
    assert staff["Subject"] == f"New quote request {ref} from Brightwave GmbH"
    staff_body = staff.get_content()
    assert "Ana Weber <ana@example.com>" in staff_body and "Target unit price: $120.00" in staff_body
    assert "wavelengths_nm=[630, 660, 850]" in staff_body and f"storefront quotes show {ref}" in staff_body


def test_request_is_kept_when_mail_is_down(app, client, catalogue, db_session, monkeypatch):
    # Nothing listens on port 1: sending fails, the request must still be stored and answered.
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 1)
    monkeypatch.setitem(app.config, "MAIL_SYNC_DRAIN", True)
    resp = client.post("/api/v1/quotes", json=contract_request())
    assert resp.status_code == 201
    ref = resp.get_json()["reference"]
    assert db_session.scalar(select(Quote).where(Quote.reference == ref)) is not None
    pending = list(db_session.scalars(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))))
    assert {m.dedupe_key for m in pending} == {f"quote-received:{ref}", f"quote-staff-new:{ref}"}
    assert all(m.last_error for m in pending)


def test_invalid_request_sends_nothing(client, catalogue, db_session, smtp_server, mail_to):
    mail_to(smtp_server)
    resp = client.post("/api/v1/quotes", json=contract_request(email="bad"))
    assert resp.status_code == 422
    assert smtp_server.messages == []
    assert db_session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_quote_email_carries_the_accept_link(app, db_session, catalogue, smtp_server, mail_to, cli_runner):
    mail_to(smtp_server)
    quote = make_quote(db_session)
    result = cli_runner.invoke(args=["quotes", "quote", quote.reference, "--by", "bob@example.com",
                                     "--price", "1=120.00", "--price", "2=4500", "--lead-time", "1=40",
                                     "--valid-days", "14", "--deposit-pct", "30", "--terms", "EXW, 2 years warranty"])
    assert result.exit_code == 0, result.output
    link = re.search(r"accept link: (\S+)", result.output).group(1)
    quoted = [m for m in smtp_server.messages if m["Subject"] == f"Your quote {quote.reference} is ready"]
    assert len(quoted) == 1 and quoted[0]["To"] == "ana@example.com"
    body = quoted[0].get_content()
    assert link in body and "/oem/quotes/" in link
    assert "Total: $105,000.00" in body and "30% deposit" in body and "lead time 40 days" in body
    assert "EXW, 2 years warranty" in body
    token = link.rsplit("/", 1)[1]
    assert workflow.find_by_token(db_session, token).reference == quote.reference


def test_staff_message_and_decline_emails(db_session, catalogue, smtp_server, mail_to, cli_runner):
    mail_to(smtp_server)
    quote = make_quote(db_session)
    assert cli_runner.invoke(args=["quotes", "message", quote.reference, "Which plug type do you need?",
                                   "--by", "bob"]).exit_code == 0
    assert cli_runner.invoke(args=["quotes", "message", quote.reference, "internal: check margin",
                                   "--by", "bob", "--internal"]).exit_code == 0
    assert cli_runner.invoke(args=["quotes", "decline", quote.reference, "--by", "bob",
                                   "--reason", "We do not make 8-zone wraps."]).exit_code == 0
    subjects = [(m["To"], m["Subject"]) for m in smtp_server.messages]
    assert (("ana@example.com", f"A message about your quote {quote.reference}") in subjects)
    assert (("ana@example.com", f"About your quote request {quote.reference}") in subjects)
    assert not any("internal: check margin" in m.get_content() for m in smtp_server.messages)


def test_validity_date_is_in_the_email_in_utc(db_session, catalogue, smtp_server, mail_to):
    mail_to(smtp_server)
    from flask import current_app

    from storefront.extensions import db
    from storefront.mail import send_after_commit

    quote = make_quote(db_session)
    until = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    issued = workflow.issue_quote(db_session, quote, actor="staff:bob", unit_prices={1: 1, 2: 1},
                                  valid_until=until, now=until - timedelta(days=5))
    workflow.send_issued_quote(db_session, quote, issued, accept_url="http://shop.example/x")
    db.session.commit()
    send_after_commit(current_app._get_current_object())
    (msg,) = [m for m in smtp_server.messages if "is ready" in m["Subject"]]
    assert "Valid until: 2030-01-02 03:04 UTC" in msg.get_content()
