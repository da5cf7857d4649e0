"""Chromium: staff write a guide with a blocked claim, apply the suggestion, embed a product
card and publish; the shopper reads it, follows the card to the product; feed and sitemap list it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from storefront.extensions import db
from storefront.staff.models import Role
from tests.factories import product_record
from tests.staff.conftest import PASSWORD, add_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_staff_write_fix_publish_and_shopper_reads(live_server, page):
    live_server.seed(product_record(name="Glow Belt", slug="glow-belt", price=24900))
    email = live_server.run(lambda: add_staff(db.session, Role.CATALOG_EDITOR).email)
    page.goto(f"{live_server.url}/staff/guides/new")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="New guide")).to_be_visible(timeout=30_000)

    page.locator("#g-slug").fill("light-and-routine")
    page.locator("#g-author").fill("Editorial team")
    page.locator("#g-reviewer_name").fill("A Reviewer")
    page.locator("#g-reviewer_credentials").fill("PhD, optical engineer")
    page.locator("#g-reviewed_on").fill("2026-11-01")
    page.locator("#g-tags").fill("routine")
    page.locator("#copy-title").fill("An evening light routine")
    page.locator("#copy-summary").fill("How to fit a light session into your evening.")
    body = page.locator("#copy-body")
    body.fill("A short session can be part of an evening routine.\n\n"
              "Red and near-infrared light has no side effects.")
    form = page.locator("#copy-form")
    expect(form).to_have_attribute("data-checked", "blocked", timeout=20_000)
    findings = page.locator('[data-findings-for="body"]')
    expect(findings).to_contain_text("absolute-safety")
    expect(findings).to_contain_text("body[para 2]")
    findings.get_by_role("button", name="Apply suggestion").first.click()
    expect(form).to_have_attribute("data-checked", "ok", timeout=20_000)
    assert "few reported side effects" in body.input_value()

    body.press("End")
    body.type("\n\n{{ product: glow-belt }}\n")
    expect(form).to_have_attribute("data-checked", "ok", timeout=20_000)
    page.locator("#save-guide").click()
    expect(page.locator("#guide-status")).to_have_text("draft")
    page.locator("#publish").click()
    expect(page.locator("#guide-status")).to_have_text("published")
    expect(page.locator(".history")).to_contain_text("guide.publish")

    # The shopper's view, in a fresh context (no staff cookie).
    shopper = page.context.browser.new_context()
    sp = shopper.new_page()
    sp.goto(f"{live_server.url}/guides")
    sp.get_by_role("link", name="An evening light routine").click()
    expect(sp.get_by_role("heading", level=1)).to_have_text("An evening light routine")
    card = sp.locator('.product-card[data-product="glow-belt"]')
    expect(card).to_contain_text("$249.00")
    expect(card).to_contain_text("In stock")
    expect(card).to_contain_text("not intended to diagnose")
    card.get_by_role("link", name="See the Glow Belt").click()
    expect(sp).to_have_url(re.compile(r"/products/glow-belt$"))
    expect(sp.locator(".product-guides")).to_contain_text("An evening light routine")
    feed = sp.request.get(f"{live_server.url}/guides/feed.xml").text()
    assert "/guides/light-and-routine</id>" in feed
    sitemap = sp.request.get(f"{live_server.url}/sitemap.xml").text()
    assert "/guides/light-and-routine</loc>" in sitemap
    shopper.close()
