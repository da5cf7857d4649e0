"""Staff flows in Chromium: log in, fix a headline until the gate lets it publish, refund."""

from __future__ import annotations

import re
import secrets

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.orders.models import Order
from storefront.staff.models import AuditLog, Role
from tests.checkout.fixtures import CARD_OK, card_token, localstripe, order_body, wait_for  # noqa: F401
from tests.factories import product_record
from tests.staff.conftest import PASSWORD, add_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BAD = "Cures fibromyalgia with no side effects"
STILL_BAD = "FDA approved wrap for your evening routine"
GOOD = "A red light wrap for your evening routine"


@pytest.fixture(scope="module")
def shop(live_server_factory, localstripe):  # noqa: F811 - the imported fixture
    secret = "whsec_" + secrets.token_hex(12)
    live = live_server_factory(**localstripe.env(secret))
    localstripe.register_webhook(f"{live.url}/stripe/webhook", secret, "e2e-staff")
    yield live
    localstripe.register_webhook("http://127.0.0.1:9/unused", secret, "e2e-staff")
    live.stop()


def _staff(shop, role: Role) -> str:
    return shop.run(lambda: add_staff(db.session, role).email)


def _watch_console(page) -> list[str]:
    """Console errors except Chromium's note on pages answered 4xx on purpose (422 refusals)."""
    errors: list[str] = []
    expected = re.compile(r"Failed to load resource: .* status of 4(09|22) ")

    def on_console(message):
        if message.type == "error" and not expected.match(message.text):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status == 404 or r.status >= 500 else None)
    return errors


def _login(page, shop, email):
    page.goto(f"{shop.url}/staff/products")
    expect(page).to_have_url(re.compile(r"/staff/login\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Products")).to_be_visible()


def test_fix_a_headline_until_the_gate_lets_it_publish(shop, page):
    console = _watch_console(page)
    (product,) = shop.seed(product_record(status="draft", copy={
        "headline": BAD, "summary": "120 LEDs at 660 nm and 850 nm with a 10 minute timer.",
        "body": "Wrap it around your waist and relax."}))
    email = _staff(shop, Role.CATALOG_EDITOR)
    _login(page, shop, email)

    page.get_by_role("link", name=product.sku).click()
    expect(page.locator("#gate-verdict")).to_contain_text("Blocked")
    expect(page.locator('[data-preview-for="headline"] mark.finding-block').first).to_have_text(
        "Cures fibromyalgia")

    # Publishing is refused and the findings are shown.
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#message")).to_contain_text("blocks publishing")
    expect(page.locator('[data-findings-for="headline"]')).to_contain_text("disease-claim")

    # The live check follows the typing: still blocked, then clean.
    headline = page.get_by_label("Headline")
    headline.fill(STILL_BAD)
    expect(page.locator("#copy-form")).to_have_attribute("data-checked", "blocked")
    expect(page.locator('[data-preview-for="headline"] mark')).to_have_text("FDA approved")
    expect(page.locator('[data-findings-for="headline"]')).to_contain_text("fda-approval")
    headline.fill(GOOD)
    expect(page.locator("#copy-form")).to_have_attribute("data-checked", "ok")
    expect(page.locator("[data-live-verdict]")).to_have_text("No blocking findings in this copy.")
    expect(page.locator('[data-preview-for="headline"] mark')).to_have_count(0)

    page.get_by_role("button", name="Save copy").click()
    expect(page.locator(".flash")).to_have_text("Copy saved.")
    expect(page.locator("#gate-verdict")).to_contain_text("lets this copy through")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash")).to_have_text("Published.")
    expect(page.locator("#product-status")).to_have_text("On sale")

    def stored():
        db.session.expire_all()
        p = db.session.get(Product, product.id)
        actions = db.session.scalars(select(AuditLog.action).where(
            AuditLog.object_type == "product", AuditLog.object_id == str(product.id))
            .order_by(AuditLog.id)).all()
        return p.status.value, p.headline, actions
    assert shop.run(stored) == ("published", GOOD, ["product.copy", "product.publish"])
    # The shop now lists it.
    page.goto(f"{shop.url}/products/{product.slug}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.js_errors == []
    assert console == []  # no CSP violations, no failed assets


def _paid_order(shop, localstripe) -> str:  # noqa: F811
    (belt,) = shop.seed(product_record(price=25000, stock=5))
    http = requests.Session()
    placed = http.post(f"{shop.url}/api/v1/orders", json=order_body((belt.sku, 2)), timeout=20)
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["order_id"]
    paid = http.post(f"{shop.url}/api/v1/orders/{order_id}/payment",
                     json={"token": card_token(localstripe, CARD_OK)}, timeout=20)
    assert paid.status_code == 200, paid.text

    def status():
        db.session.expire_all()
        return db.session.scalar(select(Order.status).where(Order.public_id == order_id))
    wait_for(lambda: shop.run(status) == "paid", what="the payment webhook")
    return order_id


def test_refund_chosen_units_then_the_rest_finished_by_refresh_from_stripe(shop, page, localstripe):  # noqa: F811
    """Under the `make run` set-up (localstripe sends no charge.refunded), a refund completes."""
    console = _watch_console(page)
    order_id = _paid_order(shop, localstripe)
    _login(page, shop, _staff(shop, Role.SALES))
    page.get_by_role("link", name="Orders").first.click()
    page.get_by_label("Status").select_option(label="Paid — to ship")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=order_id).click()
    expect(page.locator("#order-status")).to_have_text("Paid — to ship")

    # One of the two units, priced by the server; confirmed on a second page.
    page.get_by_label(re.compile(r"^Units of .* to refund$")).fill("1")
    page.get_by_label("Reason").fill("one arrived with a broken strap")
    page.get_by_role("button", name="Review refund").click()
    expect(page.get_by_role("heading", name=re.compile(r"Refund \$250\.00 to buyer@example\.com"))).to_be_visible()
    page.get_by_role("button", name="Refund $250.00").click()
    expect(page.locator(".flash")).to_contain_text("Refund of $250.00 sent to Stripe")
    expect(page.locator("tr.refund")).to_contain_text("Sent — waiting for Stripe")
    expect(page.locator("#order-status")).to_have_text("Paid — to ship")  # no webhook comes

    page.get_by_role("button", name="Refresh from Stripe").click()
    expect(page.locator(".flash")).to_contain_text("1 refund confirmed")
    expect(page.locator("#order-status")).to_have_text("Partly refunded")
    expect(page.locator("#amount-refunded")).to_have_text("$250.00")
    expect(page.locator("tr.refund").first).to_contain_text("Refunded")

    # The rest: no units and no amount means everything left.
    page.get_by_role("button", name="Review refund").click()
    expect(page.locator("#confirm-amount")).to_have_text("$250.00")
    page.get_by_role("button", name="Refund $250.00").click()
    page.get_by_role("button", name="Refresh from Stripe").click()
    expect(page.locator("#order-status")).to_have_text("Refunded")
    expect(page.locator("#amount-refunded")).to_have_text("$500.00")
    expect(page.locator("#refund-form")).to_have_count(0)

    def stored():
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.public_id == order_id))
        return (order.status.value, order.amount_refunded,
                [(r.amount, r.status.value, bool(r.stripe_refund_id)) for r in order.refunds])
    assert shop.run(stored) == ("refunded", 50000, [(25000, "succeeded", True),
                                                    (25000, "succeeded", True)])
    assert page.js_errors == []
    assert console == []
