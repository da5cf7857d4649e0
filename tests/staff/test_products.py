"""Staff product pages: findings marked in the copy, live check, edits, gate-checked publishing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storefront.catalog.models import Status
from storefront.staff.models import AuditLog, Role
from tests.factories import create_products, laser_record, product_record
from tests.staff.conftest import add_staff, login

BAD_HEADLINE = "Cures fibromyalgia with no side effects"
GOOD_HEADLINE = "A red light wrap for your evening routine"


def _copy(headline=GOOD_HEADLINE, **kw):
    return {"headline": headline,
            "summary": kw.get("summary", "120 LEDs at 660 nm and 850 nm with a 10 minute timer."),
            "body": kw.get("body", "Wrap it around your waist and relax. Use only as directed.")}


@pytest.fixture()
def draft(db_session):
    (p,) = create_products(db_session, product_record(status="draft", copy=_copy(BAD_HEADLINE)))
    db_session.commit()
    return p


def _token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


def _audit(db_session, product, action):
    return db_session.scalars(select(AuditLog).where(
        AuditLog.object_type == "product", AuditLog.object_id == str(product.id),
        AuditLog.action == action)).all()


def test_list_marks_findings_in_the_headline(admin_client, draft):
    html = admin_client.get(f"/staff/products?q={draft.sku}").get_data(as_text=True)
    row = re.search(rf'<tr class="blocked" data-sku="{draft.sku}">.*?</tr>', html, re.S)
    assert row, "a product with blocking findings is flagged"
    assert '<mark class="finding finding-block" data-rule="disease-claim"' in row.group(0)
    assert ">Cures fibromyalgia</mark>" in row.group(0)


def test_detail_shows_findings_precautions_and_history(admin_client, draft):
    resp = admin_client.get(f"/staff/products/{draft.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert "Blocked:" in html
    assert 'data-rule="absolute-safety"' in html
    assert "Suggestion:" in html
    assert "Precautions preview" in html and "<h3>" in html
    assert "No staff changes yet." in html


def test_unknown_product_is_404(admin_client):
    assert admin_client.get("/staff/products/999999").status_code == 404


def test_live_check_json(admin_client, draft):
    url = f"/staff/products/{draft.id}/check"
    bad = admin_client.post(url, json=_copy(BAD_HEADLINE))
    assert bad.status_code == 200
    body = bad.get_json()
    assert body["publishable"] is False
    rules = {f["rule"] for f in body["fields"]["headline"]["findings"]}
    assert {"disease-claim", "absolute-safety"} <= rules
    assert body["fields"]["headline"]["findings"][0]["text"] == "Cures fibromyalgia"
    assert "<mark" in body["fields"]["headline"]["html"]
    good = admin_client.post(url, json=_copy()).get_json()
    assert good["publishable"] is True
    assert good["fields"]["headline"]["html"] == GOOD_HEADLINE
    assert admin_client.post(url, data="nope", content_type="application/json").status_code == 400
    wrong = admin_client.post(url, json={"headline": 5, "summary": "", "body": ""})
    assert wrong.status_code == 422
    assert set(wrong.get_json()["errors"]) >= {"headline", "summary"}
    # Checking saves nothing.
    assert draft.headline == BAD_HEADLINE


def test_publish_refused_with_findings_then_fixed_and_published(admin_client, admin, draft, db_session):
    page = admin_client.get(f"/staff/products/{draft.id}").get_data(as_text=True)
    refused = admin_client.post(f"/staff/products/{draft.id}/publish", data={"token": _token(page)})
    assert refused.status_code == 422
    assert "The compliance gate blocks publishing" in refused.get_data(as_text=True)
    assert 'data-rule="disease-claim"' in refused.get_data(as_text=True)
    assert draft.status == Status.DRAFT
    assert _audit(db_session, draft, "product.publish") == []

    saved = admin_client.post(f"/staff/products/{draft.id}/copy",
                              data={**_copy(), "token": _token(page)})
    assert saved.status_code == 303
    assert draft.headline == GOOD_HEADLINE
    (entry,) = _audit(db_session, draft, "product.copy")
    assert entry.before["headline"] == BAD_HEADLINE and entry.after["headline"] == GOOD_HEADLINE
    assert entry.actor_id == admin.id

    page = admin_client.get(f"/staff/products/{draft.id}").get_data(as_text=True)
    ok = admin_client.post(f"/staff/products/{draft.id}/publish", data={"token": _token(page)})
    assert ok.status_code == 303
    assert draft.status == Status.PUBLISHED
    (pub,) = _audit(db_session, draft, "product.publish")
    assert pub.before["status"] == "draft" and pub.after["status"] == "published"

    admin_client.post(f"/staff/products/{draft.id}/unpublish")
    assert draft.status == Status.DRAFT
    assert len(_audit(db_session, draft, "product.unpublish")) == 1


def test_published_product_keeps_compliant_copy(admin_client, db_session):
    (p,) = create_products(db_session, product_record(copy=_copy()))
    db_session.commit()
    assert p.status == Status.PUBLISHED
    resp = admin_client.post(f"/staff/products/{p.id}/copy", data=_copy(BAD_HEADLINE))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "would break the compliance gate" in html
    assert BAD_HEADLINE in html  # the draft stays in the editor
    assert p.headline == GOOD_HEADLINE
    assert _audit(db_session, p, "product.copy") == []


def test_stale_edit_is_a_conflict(admin_client, draft):
    page = admin_client.get(f"/staff/products/{draft.id}").get_data(as_text=True)
    token = _token(page)
    assert admin_client.post(f"/staff/products/{draft.id}/copy",
                             data={**_copy(), "token": token}).status_code == 303
    stale = admin_client.post(f"/staff/products/{draft.id}/copy",
                              data={**_copy("Another calm headline"), "token": token})
    assert stale.status_code == 409
    assert draft.headline == GOOD_HEADLINE


def test_invalid_copy_is_422_with_field_errors(admin_client, draft):
    resp = admin_client.post(f"/staff/products/{draft.id}/copy",
                             data={"headline": "x" * 201, "summary": " ", "body": "ok"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "must be at most 200 characters" in html and "must not be empty" in html


def test_prescription_devices_need_an_admin_to_publish(client, db_session):
    (laser,) = create_products(db_session, laser_record(status="draft"))
    db_session.commit()
    editor = add_staff(db_session, Role.CATALOG_EDITOR)
    login(client, editor)
    assert client.post(f"/staff/products/{laser.id}/publish").status_code == 403
    # Editing a draft prescription device is fine; editing a published one is not.
    assert client.post(f"/staff/products/{laser.id}/check", json=_copy()).status_code == 200
    page = client.get(f"/staff/products/{laser.id}").get_data(as_text=True)
    assert 'id="publish"' not in page
    client.post("/staff/logout")
    admin = add_staff(db_session, Role.ADMIN)
    login(client, admin)
    resp = client.post(f"/staff/products/{laser.id}/publish")
    assert resp.status_code == 303, resp.get_data(as_text=True)
    assert laser.status == Status.PUBLISHED
    client.post("/staff/logout")
    login(client, editor)
    assert client.post(f"/staff/products/{laser.id}/copy", data=_copy()).status_code == 403


def test_sales_sees_products_read_only(client, db_session, draft):
    login(client, add_staff(db_session, Role.SALES))
    html = client.get(f"/staff/products/{draft.id}").get_data(as_text=True)
    assert "readonly" in html and 'id="save-copy"' not in html and 'id="publish"' not in html
    assert client.post(f"/staff/products/{draft.id}/copy", data=_copy()).status_code == 403
