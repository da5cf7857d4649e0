"""Staff quotes through the quotes workflow; buyer-supplied text stays inert everywhere."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storefront.mail.outbox import OutboxEmail
from storefront.quotes import workflow
from storefront.staff.models import AuditLog, Role
from tests.quotes.conftest import _generous_quote_limits, catalogue, make_quote  # noqa: F401
from tests.staff.conftest import add_staff, login

XSS = {
    "company": "<script>alert('company')</script>",
    "contact_name": '"><img src=x onerror=alert(1)>',
    "notes": "<svg/onload=alert(2)> [click](javascript:alert(3)) </textarea><script>alert(4)</script>",
}


@pytest.fixture()
def quote(db_session, catalogue):  # noqa: F811
    return make_quote(db_session, **XSS)


def _assert_inert(html: str, notes: bool = True):
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<svg/onload" not in html
    assert "&lt;script&gt;alert(&#39;company&#39;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    if notes:
        assert "&lt;svg/onload=alert(2)&gt;" in html


def _audit(db_session, quote):
    return [e.action for e in db_session.scalars(select(AuditLog).where(
        AuditLog.object_type == "quote", AuditLog.object_id == quote.reference)
        .order_by(AuditLog.id))]


def test_list_detail_and_csv_are_inert(client, db_session, quote):
    login(client, add_staff(db_session, Role.SALES))
    listing = client.get("/staff/quotes?status=new").get_data(as_text=True)
    assert quote.reference in listing
    _assert_inert(listing, notes=False)
    detail = client.get(f"/staff/quotes/{quote.reference}").get_data(as_text=True)
    _assert_inert(detail)
    assert 'href="javascript:' not in detail
    csv_text = client.get("/staff/quotes.csv").get_data(as_text=True)
    assert quote.reference in csv_text
    assert client.get("/staff/quotes/Q-0000-000000").status_code == 404


def test_review_issue_message_flow(client, db_session, quote):
    sales = add_staff(db_session, Role.SALES)
    login(client, sales)
    url = f"/staff/quotes/{quote.reference}"
    assert client.post(f"{url}/review").status_code == 303
    bad = client.post(f"{url}/issue", data={"price_1": "abc", "price_2": "80", "valid_days": "30"})
    assert bad.status_code == 422 and "Enter a positive amount." in bad.get_data(as_text=True)
    resp = client.post(f"{url}/issue", data={"price_1": "120.00", "price_2": "80", "lead_1": "45",
                                             "valid_days": "30", "deposit_pct": "30",
                                             "terms": "EXW Shenzhen"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    db_session.expire_all()
    q = workflow.get_by_reference(db_session, quote.reference)
    assert q.status == "quoted"
    assert q.quoted_total == 12000 * 500 + 8000 * 1000
    assert q.lines[0].lead_time_days == 45 and q.deposit_pct == 30
    mails = db_session.scalars(select(OutboxEmail).where(OutboxEmail.to_addr == q.email)).all()
    assert any(q.reference in m.subject for m in mails)
    assert any(e.actor == f"staff:{sales.email}" and e.action == "quoted" for e in q.events)

    note = client.post(f"{url}/messages", data={"body": "<b>check</b> the MOQ", "internal": "1"})
    assert note.status_code == 303
    page = client.get(url).get_data(as_text=True)
    assert "&lt;b&gt;check&lt;/b&gt; the MOQ" in page and "(internal)" in page
    assert _audit(db_session, quote) == ["quote.review", "quote.issue", "quote.note"]
    entry = db_session.scalars(select(AuditLog).where(AuditLog.action == "quote.issue",
                                                      AuditLog.object_id == quote.reference)).one()
    assert entry.before["status"] == "in_review" and entry.after["status"] == "quoted"
    assert entry.after["unit_prices"] == {"1": 12000, "2": 8000}


def test_decline_needs_a_reason_and_closes(client, db_session, quote):
    login(client, add_staff(db_session, Role.ADMIN))
    url = f"/staff/quotes/{quote.reference}"
    assert client.post(f"{url}/decline", data={"reason": " "}).status_code == 422
    assert client.post(f"{url}/decline", data={"reason": "cannot meet the date"}).status_code == 303
    again = client.post(f"{url}/decline", data={"reason": "again"})
    assert again.status_code == 409
    assert _audit(db_session, quote) == ["quote.decline"]


def test_buyer_page_renders_staff_and_buyer_text_inert(client, db_session, quote):
    issued = workflow.issue_quote(db_session, quote, actor="staff:test", unit_prices={1: 12000, 2: 8000},
                                  valid_until=workflow.utcnow() + workflow.timedelta(days=5),
                                  terms="<script>alert('terms')</script>")
    workflow.add_message(db_session, quote, author="staff:<i>x</i>", body="<script>alert(5)</script>")
    db_session.commit()
    html = client.get(f"/oem/quotes/{issued.token}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert re.search(r"&lt;script&gt;alert\((&#39;|')terms(&#39;|')\)&lt;/script&gt;", html)


def test_catalog_editor_cannot_see_quotes(client, db_session, quote):
    login(client, add_staff(db_session, Role.CATALOG_EDITOR))
    assert client.get(f"/staff/quotes/{quote.reference}").status_code == 403
    assert client.post(f"/staff/quotes/{quote.reference}/decline", data={"reason": "x"}).status_code == 403


def test_attachment_download_keeps_its_sandbox_csp(client, db_session, catalogue, tmp_path, monkeypatch):  # noqa: F811
    from storefront.quotes import intake
    from storefront.quotes.schemas import QuoteRequestSchema
    from tests.quotes.conftest import PDF_MIN, contract_request

    monkeypatch.setitem(client.application.config, "UPLOAD_DIR", str(tmp_path))
    data = QuoteRequestSchema().load(contract_request())
    quote = intake.create_request(db_session, data, source="api", staff_email="s@example.com",
                                  upload_dir=str(tmp_path), attachment=("spec.pdf", PDF_MIN)).quote
    db_session.commit()
    login(client, add_staff(db_session, Role.SALES))
    (att,) = quote.attachments
    resp = client.get(f"/staff/quotes/{quote.reference}/attachments/{att.id}")
    assert resp.status_code == 200 and resp.data == PDF_MIN
    assert resp.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_send_form_shows_every_line_error_under_its_line(client, db_session, quote):
    login(client, add_staff(db_session, Role.SALES))
    url = f"/staff/quotes/{quote.reference}"
    # Line 1: not a number, and a lead time past the workflow's limit; line 2: no price at all.
    bad = client.post(f"{url}/issue", data={"price_1": "twelve", "lead_1": "9999", "price_2": "",
                                            "valid_days": "30", "deposit_pct": "150"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    rows = {n: re.search(rf'<ul class="line-errors" id="err-line-{n}">(.*?)</ul>', html, re.S)
            for n in (1, 2)}
    assert rows[1] and "Unit price:" in rows[1].group(1) and "Lead time: At most 730 days." in rows[1].group(1)
    assert rows[2] and "Unit price: Enter a unit price for this line." in rows[2].group(1)
    summary = re.search(r'<ul id="line-error-summary">(.*?)</ul>', html, re.S).group(1)
    assert 'href="#price_1"' in summary and 'href="#price_2"' in summary
    assert "Enter a whole percentage from 1 to 99" in html
    # What was typed stays in the boxes; nothing was sent.
    assert 'value="twelve"' in html and 'value="9999"' in html
    assert _audit(db_session, quote) == []


def test_workflow_refusals_land_on_their_line(db_session, quote):
    from storefront.staff.quotes import form_errors

    assert form_errors({"lines[1].unit_price": ["needs a unit price"],
                        "lines[0].lead_time_days": ["must be 0..730 days"],
                        "valid_until": ["must be in the future"]}) == {
        "price_2": ["needs a unit price"], "lead_1": ["must be 0..730 days"],
        "valid_days": ["must be in the future"]}
