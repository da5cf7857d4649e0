"""The development mail page: every outbox email readable, bodies rendered safely, links live."""

from __future__ import annotations

import pytest

from storefront.config import validate
from storefront.mail import enqueue
from storefront.staff.models import Role
from tests.staff.conftest import add_staff, login

HOSTILE_HTML = ('<p onclick="steal()">Hello <strong>Ana</strong></p><script>alert(1)</script>'
                '<a href="javascript:alert(2)">bad</a> <a href="https://shop.test/oem/quotes/tok123">Accept</a>'
                '<img src="x" onerror="alert(3)"><style>body{display:none}</style>')


@pytest.fixture()
def mails(db_session):
    text = enqueue(db_session, to="ana@example.com", subject="Your quote Q-2026-000001",
                   body_text="Accept it here: https://shop.test/oem/quotes/tok123.\n<b>not markup</b>",
                   dedupe_key="dev-mail-test:1")
    html = enqueue(db_session, to="bo@example.com", subject="Receipt", body_text="Thanks",
                   body_html=HOSTILE_HTML, dedupe_key="dev-mail-test:2")
    db_session.commit()
    return text, html


def test_lists_and_shows_mail_with_clickable_links(app, client, db_session, mails, monkeypatch):
    monkeypatch.setitem(app.config, "DEV_MAIL_PAGE", True)
    text, html = mails
    login(client, add_staff(db_session, Role.CATALOG_EDITOR))
    listing = client.get("/staff/dev/mail").get_data(as_text=True)
    assert "Your quote Q-2026-000001" in listing and "ana@example.com" in listing and "Queued" in listing
    assert ">Mail (dev)<" in listing
    only = client.get("/staff/dev/mail?to=bo@example.com").get_data(as_text=True)
    assert "Receipt" in only and "Your quote" not in only

    page = client.get(f"/staff/dev/mail/{text.id}").get_data(as_text=True)
    # The URL became a link (the sentence's full stop left out); the rest stays text.
    assert ('<a href="https://shop.test/oem/quotes/tok123" rel="noopener noreferrer">'
            'https://shop.test/oem/quotes/tok123</a>.') in page
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page

    page = client.get(f"/staff/dev/mail/{html.id}").get_data(as_text=True)
    body = page.split('id="mail-html">', 1)[1].split("</div>", 1)[0]
    assert "<strong>Ana</strong>" in body and 'href="https://shop.test/oem/quotes/tok123"' in body
    for bad in ("<script", "onclick", "onerror", "javascript:", "<style", "alert(1)"):
        assert bad not in body, bad


def test_the_page_is_off_unless_enabled(app, client, db_session, mails, monkeypatch):
    monkeypatch.setitem(app.config, "DEV_MAIL_PAGE", False)
    login(client, add_staff(db_session, Role.ADMIN))
    assert client.get("/staff/dev/mail").status_code == 404
    assert client.get(f"/staff/dev/mail/{mails[0].id}").status_code == 404
    assert "Mail (dev)" not in client.get("/staff/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login(app, client, mails, monkeypatch):
    monkeypatch.setitem(app.config, "DEV_MAIL_PAGE", True)
    resp = client.get("/staff/dev/mail")
    assert resp.status_code in (302, 303) and "/staff/login" in resp.headers["Location"]


def test_production_refuses_the_page(app):
    config = {**app.config, "ENV_NAME": "production", "DEV_MAIL_PAGE": True}
    with pytest.raises(RuntimeError, match="DEV_MAIL_PAGE"):
        validate(config)
