"""A buyer accepts a quote in Chromium and pays the deposit through checkout (localstripe)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from storefront.extensions import db
from storefront.orders.models import Order
from storefront.quotes import workflow
from storefront.quotes.models import Quote
from tests.checkout.fixtures import CARD_OK, localstripe  # noqa: F401
from tests.quotes.conftest import make_quote, panel_record

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def shop(live_server_factory, localstripe):  # noqa: F811 - the imported fixture
    secret = "whsec_" + secrets.token_hex(12)
    live = live_server_factory(**localstripe.env(secret))
    localstripe.register_webhook(f"{live.url}/stripe/webhook", secret, "quotes-e2e")
    live.seed(panel_record())
    yield live
    localstripe.register_webhook("http://127.0.0.1:9/unused", secret, "quotes-e2e")
    live.stop()


def _issue(shop) -> tuple[str, str]:
    def run():
        quote = make_quote(db.session)
        now = datetime.now(UTC)
        issued = workflow.issue_quote(db.session, quote, actor="staff:bob", unit_prices={1: 90, 2: 40},
                                      valid_until=now + timedelta(days=7), deposit_pct=30, now=now)
        db.session.commit()
        return quote.reference, issued.token
    return shop.run(run)


def test_accept_pay_deposit_and_see_it_paid(shop, page):
    ref, token = _issue(shop)
    total = 500 * 90 + 1000 * 40  # 85,000 minor units = $850.00
    page.goto(f"{shop.url}/oem/quotes/{token}")
    expect(page.locator("#quote-total")).to_have_text("$850.00")
    page.get_by_label("30% deposit: $255.00").check()
    page.get_by_role("button", name="Accept and pay").click()
    # Precautions first, as in the shop's checkout.
    expect(page.locator("#err-precautions_acknowledged")).to_be_visible()
    page.get_by_label("I have read the precautions for these devices").check()
    page.get_by_label("30% deposit: $255.00").check()
    page.get_by_role("button", name="Accept and pay").click()
    expect(page).to_have_url(re.compile(r"/checkout/pay/[a-z0-9]+$"))
    order_id = page.url.rsplit("/", 1)[-1]
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill(CARD_OK)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("10115")
    page.get_by_role("button", name=re.compile(r"^Pay \$255\.00$")).click()
    expect(page).to_have_url(f"{shop.url}/orders/{order_id}")
    expect(page.locator(".order-state")).to_contain_text("Paid", timeout=20_000)

    def load():
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.public_id == order_id))
        quote = db.session.scalar(select(Quote).where(Quote.reference == ref))
        return (order.status.value, order.amount_paid, order.quote_ref, quote.status.value, quote.order_ref)

    assert shop.run(load) == ("paid", total * 30 // 100, ref, "accepted", order_id)
    page.goto(f"{shop.url}/oem/quotes/{token}")
    expect(page.locator("#quote-payment-state")).to_have_text("Payment received — thank you.")
    assert page.js_errors == []
