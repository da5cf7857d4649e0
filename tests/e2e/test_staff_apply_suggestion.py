"""Staff live check in Chromium: "Apply suggestion" replaces the checked span, then re-checks.

The first test uses the real checker: on an otc_cleared product with K-number K123456,
"FDA approved" must come back as rule fda-approval with rewrite=true and the suggestion
"FDA-cleared (K123456)". The others use a stand-in rule (tests/staff/rewrites.py) so the
editor's edge cases (stale text, page-rendered findings, astral characters, advice-only
findings) are tested whatever the checker's rules produce.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.staff import products as svc
from storefront.staff.models import Role
from tests.factories import product_record
from tests.staff.conftest import PASSWORD, add_staff
from tests.staff.rewrites import wrap_review

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OTC = {"status": "otc_cleared", "k_number": "K123456", "product_code": "ILY",
       "indications": "Temporary relief of minor muscle and joint pain and stiffness."}
SUMMARY = "120 LEDs at 660 nm and 850 nm with a 10 minute timer."
MOON = "\U0001F319"  # outside the BMP: two UTF-16 units in the browser, one code point


def _login(page, live, role=Role.CATALOG_EDITOR):
    email = live.run(lambda: add_staff(db.session, role).email)
    page.goto(f"{live.url}/staff/products")
    expect(page).to_have_url(re.compile(r"/staff/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Password hashing is slow on purpose; give it time on a busy machine.
    expect(page.get_by_role("heading", name="Products")).to_be_visible(timeout=30_000)


def _check_json(page, product_id, copy) -> dict:
    """Call the live-check endpoint as the logged-in page would."""
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    resp = page.request.post(f"{page.url.split('/staff/')[0]}/staff/products/{product_id}/check",
                             data=copy, headers={"X-CSRFToken": token})
    assert resp.status == 200, resp.text()
    return resp.json()


def _checks(page) -> list[str]:
    """Record the live-check requests the page makes."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.post_data or "")
            if r.method == "POST" and r.url.endswith("/check") else None)
    return seen


def _settled(page):
    """Wait until no live check is in flight and the last one was shown."""
    form = page.locator("#copy-form")
    expect(form).not_to_have_attribute("data-checking", "1", timeout=15_000)
    expect(form).to_have_attribute("data-checked", re.compile("ok|blocked"), timeout=15_000)


def test_apply_the_checkers_fda_rewrite(live_server, page):
    summary = f"FDA approved: {SUMMARY}"
    (product,) = live_server.seed(product_record(status="draft", regulatory=OTC, copy={
        "headline": "A red light wrap for your evening routine", "summary": summary,
        "body": "Wrap it around your waist and relax. Use only as directed; see Precautions."}))
    _login(page, live_server)
    page.goto(f"{live_server.url}/staff/products/{product.id}")

    body = _check_json(page, product.id, {"headline": "A red light wrap for your evening routine",
                                          "summary": summary, "body": ""})
    offered = [f for f in body["fields"]["summary"]["findings"] if f.get("rewrite") is True]
    if not offered:
        got = [(f["rule"], f["text"], f.get("rewrite"), f["suggestion"])
               for f in body["fields"]["summary"]["findings"]]
        pytest.fail("The checker produced no rewrite=true finding for 'FDA approved' on an "
                    "otc_cleared product with k_number K123456 (expected rule fda-approval, "
                    f"suggestion 'FDA-cleared (K123456)'); it returned {got}. The editor's "
                    "button only appears for rewrite=true findings.")
    fda = next(f for f in offered if f["rule"] == "fda-approval")
    assert (fda["text"], fda["suggestion"]) == ("FDA approved", "FDA-cleared (K123456)")

    checks = _checks(page)
    findings = page.locator('[data-findings-for="summary"]')
    expect(findings).to_contain_text("fda-approval")
    findings.locator("li", has_text="fda-approval").get_by_role(
        "button", name="Apply suggestion").click()
    summary_box = page.get_by_label("Summary")
    expect(summary_box).to_have_value(f"FDA-cleared (K123456): {SUMMARY}")
    _settled(page)
    expect(findings).not_to_contain_text("fda-approval")
    assert checks, "applying re-runs the live check"
    assert page.js_errors == []


@pytest.fixture()
def rewrites(monkeypatch):
    # The live server runs in this process, so the stand-in rule reaches its views.
    monkeypatch.setattr(svc, "review", wrap_review(svc.review))


def test_apply_rewrites_from_the_page_and_after_edits(live_server, page, rewrites):
    body = f"{MOON} Wrap it around your waist for a miracle glow. A secret formula."
    (product,) = live_server.seed(product_record(status="draft", copy={
        "headline": "A miracle glow wrap for your evening routine", "summary": SUMMARY,
        "body": body}))
    _login(page, live_server)
    page.goto(f"{live_server.url}/staff/products/{product.id}")
    checks = _checks(page)
    body_box, headline = page.get_by_label("Body (Markdown)"), page.get_by_label("Headline")
    body_findings = page.locator('[data-findings-for="body"]')

    # Advice-only findings show the suggestion but offer no button.
    advice = body_findings.locator("li", has_text="test-advice")
    expect(advice).to_contain_text("Suggestion: Say what it is made of.")
    expect(advice.get_by_role("button")).to_have_count(0)

    # 1. A finding rendered with the page: the editor checks first, then applies at the
    #    code-point offsets (the emoji before the span is two UTF-16 units in JavaScript).
    body_findings.locator("li", has_text="test-rewrite").get_by_role(
        "button", name="Apply suggestion").click()
    expect(body_box).to_have_value(
        f"{MOON} Wrap it around your waist for a gentle glow. A secret formula.")
    _settled(page)
    expect(body_findings).not_to_contain_text("test-rewrite")
    expect(body_findings).to_contain_text("test-advice")
    assert len(checks) == 2  # the check before applying, the check after

    # 2. Text changed since the check (no input event, so no check is pending): the span
    #    has moved, so the editor re-checks and applies at the new place.
    body_box.fill(f"{MOON} A miracle glow.")
    _settled(page)
    expect(body_findings.get_by_role("button", name="Apply suggestion")).to_have_count(1)
    page.evaluate("""() => { const el = document.getElementById('copy-body');
                             el.value = 'Note: ' + el.value; }""")
    n = len(checks)
    body_findings.get_by_role("button", name="Apply suggestion").click()
    expect(body_box).to_have_value(f"Note: {MOON} A gentle glow.")
    _settled(page)
    assert len(checks) == n + 2
    assert '"Note: ' in checks[n]  # the re-check saw the edited text

    # 3. Current findings apply straight away, in the headline too (the server strips it,
    #    and the offsets count in the stripped text).
    headline.fill("   A miracle glow wrap")
    _settled(page)
    n = len(checks)
    page.locator('[data-findings-for="headline"]').get_by_role(
        "button", name="Apply suggestion").click()
    expect(headline).to_have_value("A gentle glow wrap")
    _settled(page)
    assert len(checks) == n + 1  # only the re-check after applying
    expect(page.locator('[data-findings-for="headline"]')).not_to_contain_text("test-rewrite")

    # 4. The suggestion no longer applies once the phrase is gone.
    body_box.fill("A miracle glow.")
    _settled(page)
    page.evaluate("() => { document.getElementById('copy-body').value = 'Nothing here.'; }")
    body_findings.get_by_role("button", name="Apply suggestion").click()
    expect(page.locator("[data-live-verdict]")).to_contain_text("no longer applies")
    expect(body_box).to_have_value("Nothing here.")

    # The applied copy saves like typed copy.
    page.get_by_role("button", name="Save copy").click()
    expect(page.locator(".flash")).to_have_text("Copy saved.")
    expect(headline).to_have_value("A gentle glow wrap")
    assert page.js_errors == []
