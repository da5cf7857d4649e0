"""Staff guide pages: write, live check by path, publish through the gate, history."""

import pytest

from storefront.guides.models import Guide
from storefront.staff.models import AuditLog, Role
from tests.staff.conftest import FreshRequestClient, add_staff, login


@pytest.fixture()
def staff(app, db_session):
    client = FreshRequestClient(app, app.response_class, use_cookies=True)
    assert login(client, add_staff(db_session, Role.CATALOG_EDITOR)).status_code == 303
    return client


FORM = {"slug": "staff-guide", "title": "Choosing a panel", "summary": "How to read irradiance.",
        "body": "Intro.\n\nLight may help with back pain.\n", "author": "Editorial team",
        "reviewer_name": "A Reviewer", "reviewer_credentials": "PhD",
        "reviewed_on": "2026-11-01",
        "references": "2006 | A trial | https://doi.org/10.1155/2006/876920 | Gale GD", "tags": "panels",
        "products": ""}


def test_write_check_fix_publish(staff, db_session, products):
    resp = staff.post("/staff/guides/check", json=FORM)
    body = resp.get_json()
    assert not body["publishable"]
    found = body["fields"]["body"]["findings"]
    assert any(f["path"] == "body[para 2]" and f["severity"] == "block" for f in found)
    resp = staff.post("/staff/guides/new", data=FORM)
    assert resp.status_code == 303
    guide = db_session.query(Guide).filter_by(slug="staff-guide").one()
    assert guide.references[0]["doi"] == "10.1155/2006/876920"
    resp = staff.post(f"/staff/guides/{guide.id}/publish")
    assert resp.status_code == 422 and b"body[para 2]" in resp.data
    fixed = FORM | {"body": "Intro.\n\n{{ product: glow-belt }}\nThe Glow Belt has 120 LEDs.\n"}
    assert staff.post(f"/staff/guides/{guide.id}", data=fixed).status_code == 303
    assert staff.post(f"/staff/guides/{guide.id}/publish").status_code == 303
    assert staff.get(f"/guides/{guide.slug}").status_code == 200
    assert staff.get(f"/staff/guides/{guide.id}/preview").status_code == 200
    actions = [e.action for e in db_session.query(AuditLog).filter_by(object_type="guide")]
    assert actions == ["guide.create", "guide.edit", "guide.publish"]
    page = staff.get(f"/staff/guides/{guide.id}").get_data(as_text=True)
    assert "guide.publish" in page
    assert staff.post(f"/staff/guides/{guide.id}/unpublish").status_code == 303
    assert staff.get(f"/guides/{guide.slug}").status_code == 404


def test_apply_suggestion_is_offered(staff, products):
    body = staff.post("/staff/guides/check",
                      json=FORM | {"body": "Red light has no side effects."}).get_json()
    rewrites = [f for f in body["fields"]["body"]["findings"] if f["rewrite"]]
    assert rewrites and rewrites[0]["text"] == "no side effects"


def test_sales_role_cannot_see_guides(app, db_session):
    client = FreshRequestClient(app, app.response_class, use_cookies=True)
    assert login(client, add_staff(db_session, Role.SALES)).status_code == 303
    assert client.get("/staff/guides").status_code == 403
