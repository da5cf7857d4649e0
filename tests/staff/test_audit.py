"""The audit log: append-only storage, page, filters and a formula-safe CSV export."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from storefront.staff.audit import record, spreadsheet_safe
from storefront.staff.models import AuditLog, Role
from tests.staff.conftest import add_staff, login

PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1",
            "\r=1", " =1", "\uff1d1+1"]


def test_spreadsheet_safe_prefixes_formula_starters():
    for value in PAYLOADS:
        assert spreadsheet_safe(value).startswith("'"), value
    for value in ("plain", "1.5", "admin@example.com", ""):
        assert spreadsheet_safe(value) == value


def test_audit_log_is_append_only(db_session, admin):
    entry = record(db_session, admin, "product.copy", "product", 1, before={"a": 1}, after={"a": 2})
    db_session.flush()
    for stmt in (sa.update(AuditLog).where(AuditLog.id == entry.id).values(note="tampered"),
                 sa.delete(AuditLog).where(AuditLog.id == entry.id)):
        with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(stmt)
    assert db_session.scalar(sa.select(AuditLog.note).where(AuditLog.id == entry.id)) is None


def test_csv_export_neutralises_formulas(admin_client, admin, db_session):
    for i, payload in enumerate(PAYLOADS):
        record(db_session, admin, "product.copy", "product", f"csv-{i}",
               after={"headline": payload}, note=payload)
    db_session.flush()
    resp = admin_client.get("/staff/audit.csv?action=product.copy")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0][:4] == ["id", "at", "actor", "action"]
    body = rows[1:]
    assert len(body) == len(PAYLOADS)
    notes = [r[-1] for r in body]
    assert notes == ["'" + p for p in PAYLOADS]
    for row in body:
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d")), row


def test_audit_page_lists_filters_and_escapes(admin_client, admin, db_session):
    record(db_session, admin, "product.copy", "product", "p-1",
           before={"headline": "<script>alert(1)</script>"}, after={"headline": "ok"})
    record(db_session, admin, "order.refund", "order", "o-1", after={"amount": 100})
    db_session.flush()
    page = admin_client.get("/staff/audit?object_type=product")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)" not in text
    assert "p-1" in text and "o-1" not in text


def test_audit_page_keyset_paging(admin_client, admin, db_session):
    for i in range(55):
        record(db_session, admin, "bulk.test", "thing", i)
    db_session.flush()
    first = admin_client.get("/staff/audit?action=bulk.test").get_data(as_text=True)
    assert first.count('<tr id="audit-') == 50
    assert "Older entries" in first
    import re

    next_url = re.search(r'href="(/staff/audit\?[^"]*before=\d+[^"]*)"', first).group(1)
    second = admin_client.get(next_url.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('<tr id="audit-') == 5
    assert "Older entries" not in second


def test_bad_date_filter_is_a_400(admin_client):
    assert admin_client.get("/staff/audit?since=yesterday").status_code == 400


def test_only_admins_see_the_audit_log(client, db_session):
    editor = add_staff(db_session, Role.CATALOG_EDITOR)
    login(client, editor)
    assert client.get("/staff/audit").status_code == 403
    assert client.get("/staff/audit.csv").status_code == 403


def test_audit_page_reads_in_words_with_links_to_the_object(admin_client, admin, db_session):
    from tests.factories import create_products, product_record

    (product,) = create_products(db_session, product_record())
    record(db_session, admin, "order.refund_requested", "order", "tok-abc",
           before={"status": "paid", "amount_paid": 50000, "amount_refunded": 0},
           after={"amount": 12050, "currency": "USD", "reason": "broken strap"})
    record(db_session, admin, "order.fulfil", "order", "tok-abc",
           before={"status": "paid", "amount_paid": 50000}, after={"status": "fulfilled", "amount_paid": 50000})
    record(db_session, admin, "product.stock", "product", product.id,
           before={"stock": 25}, after={"stock": 30, "reason": "delivery"})
    db_session.flush()
    html = admin_client.get("/staff/audit").get_data(as_text=True)
    assert "Asked for a refund" in html and "Marked shipped" in html and "Adjusted stock" in html
    assert "$120.50" in html and "12050" not in html and "$500.00" in html
    # Only what changed: the shipped entry shows the status move, not the unchanged amount.
    shipped = html.split("<strong>Marked shipped</strong>", 1)[1].split("</table>", 1)[0]
    assert "Paid — to ship" in shipped and "Shipped" in shipped and "$500.00" not in shipped
    assert '<a href="/staff/orders/tok-abc" class="object-link">' in html
    assert f'<a href="/staff/products/{product.id}" class="object-link">' in html
    assert '"amount":' not in html and "{" not in html.split('<table class="audit">', 1)[1]
