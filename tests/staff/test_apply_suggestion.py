"""The live check returns the text its spans count in; findings with a drop-in rewrite offer
"Apply suggestion" on the staff product page (the browser side is in tests/e2e)."""

from __future__ import annotations

import html as htmllib
import re

import pytest

from storefront.staff import products as svc
from storefront.staff.models import Role
from tests.factories import create_products, product_record
from tests.staff.conftest import add_staff, login
from tests.staff.rewrites import wrap_review

COPY = {"headline": "A miracle glow wrap for your evening routine",
        "summary": "120 LEDs at 660 nm and 850 nm with a 10 minute timer.",
        "body": "\U0001F319 Wrap it around your waist: a secret formula for a miracle glow."}


@pytest.fixture()
def product(db_session):
    (p,) = create_products(db_session, product_record(status="draft", copy=COPY))
    db_session.commit()
    return p


@pytest.fixture()
def rewrites(monkeypatch):
    monkeypatch.setattr(svc, "review", wrap_review(svc.review))


def _buttons(page: str) -> list[dict[str, str]]:
    return [{k: htmllib.unescape(v) for k, v in re.findall(r'data-([a-z]+)="([^"]*)"', m)}
            for m in re.findall(r'<button type="button" class="apply-suggestion"(.*?)>', page, re.S)]


def test_live_check_returns_the_checked_text_its_spans_count_in(admin_client, product):
    sent = {"headline": "   FDA approved wrap  ", "summary": "Line one.\r\nLine two FDA approved.",
            "body": "\U0001F319 **FDA approved** wrap."}
    body = admin_client.post(f"/staff/products/{product.id}/check", json=sent).get_json()
    fields = body["fields"]
    # Cleaned the way saving cleans it: headline stripped, CRLF made LF.
    assert fields["headline"]["checked"] == "FDA approved wrap"
    assert fields["summary"]["checked"] == "Line one.\nLine two FDA approved."
    assert fields["body"]["checked"] == sent["body"]
    for name, field in fields.items():
        for f in field["findings"]:
            assert isinstance(f["rewrite"], bool)
            # start/end are code-point offsets into "checked" (the emoji counts as one).
            assert field["checked"][f["start"]:f["end"]] == f["text"], (name, f)
    assert any(f["rule"] == "fda-approval" for f in fields["headline"]["findings"])


def test_rewrite_findings_offer_apply_suggestion_and_advice_does_not(admin_client, product,
                                                                      rewrites):
    page = admin_client.get(f"/staff/products/{product.id}").get_data(as_text=True)
    buttons = _buttons(page)
    assert {(b["field"], b["rule"], b["text"], b["suggestion"]) for b in buttons} == {
        ("headline", "test-rewrite", "miracle glow", "gentle glow"),
        ("body", "test-rewrite", "miracle glow", "gentle glow")}
    for b in buttons:
        assert COPY[b["field"]][int(b["start"]):int(b["end"])] == b["text"]
        assert "check" not in b  # rendered with the page: the editor re-checks before applying
    # The advice-only finding keeps its suggestion as text.
    assert "Suggestion: Say what it is made of." in page
    advice = re.search(r'<li class="finding-item sev-warn">\s*<strong>warn</strong> '
                       r'<code>test-advice</code>.*?</li>', page, re.S).group(0)
    assert "apply-suggestion" not in advice

    checked = admin_client.post(f"/staff/products/{product.id}/check", json=COPY).get_json()
    rules = {(f["rule"], f["rewrite"]) for f in checked["fields"]["body"]["findings"]}
    assert {("test-rewrite", True), ("test-advice", False)} <= rules


def test_staff_who_cannot_edit_get_no_apply_button(client, db_session, product, rewrites):
    viewer = add_staff(db_session, Role.SALES)
    assert login(client, viewer).status_code == 303
    resp = client.get(f"/staff/products/{product.id}")
    if resp.status_code == 403:
        pytest.skip("this role cannot view products")
    page = resp.get_data(as_text=True)
    assert "readonly" in page and "Suggestion: gentle glow" in page
    assert "apply-suggestion" not in page
