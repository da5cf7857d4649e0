"""Buy a product end to end in Chromium: product page, cart, checkout, Stripe.js card form.

Stripe is localstripe (its Stripe.js mock and API) on a loopback port, with its webhook
pointed at the live server; the order page shows "processing" until the webhook lands.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.orders.models import Order
from tests.checkout.fixtures import CARD_3DS, CARD_DECLINED, CARD_OK, localstripe  # noqa: F401
from tests.factories import product_record

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def shop(live_server_factory, localstripe):  # noqa: F811 - the imported fixture
    secret = "whsec_" + secrets.token_hex(12)
    live = live_server_factory(**localstripe.env(secret))
    localstripe.register_webhook(f"{live.url}/stripe/webhook", secret, "e2e")
    yield live
    localstripe.register_webhook("http://127.0.0.1:9/unused", secret, "e2e")
    live.stop()


def _buy(page, shop, product, card: str):
    page.goto(f"{shop.url}/products/{product.slug}")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(f"{shop.url}/cart")
    expect(page.locator(".cart-subtotal")).to_have_text("$398.00")
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email").fill("buyer@example.com")
    page.get_by_label("Full name").fill("A Buyer")
    page.get_by_label("Address line 1").fill("1 Main St")
    page.get_by_label("City").fill("Austin")
    page.get_by_label("State / region (optional)").fill("TX")
    page.get_by_label("Postal code").fill("78701")
    page.get_by_label("Country (two-letter code, e.g. US)").fill("US")
    page.get_by_role("button", name="Continue to payment").click()
    # The precautions must be acknowledged first.
    expect(page.locator("#precautions_acknowledged-error")).to_be_visible()
    page.get_by_label("I have read the precautions").check()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page).to_have_url(re.compile(r"/checkout/pay/[a-z0-9]+$"))
    order_id = page.url.rsplit("/", 1)[-1]
    card_box = page.locator("#card-element")
    card_box.get_by_placeholder("number").fill(card)
    card_box.get_by_placeholder("exp_month").fill("12")
    card_box.get_by_placeholder("exp_year").fill("34")
    card_box.get_by_placeholder("cvc").fill("123")
    card_box.get_by_placeholder("postal_code").fill("78701")
    page.get_by_role("button", name=re.compile(r"^Pay \$398\.00$")).click()
    return order_id


def _order(shop, order_id):
    def load():
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.public_id == order_id))
        stock = db.session.scalar(select(Product.stock).where(Product.id == order.lines[0].product_id))
        return order.status.value, order.amount_paid, stock
    return shop.run(load)


def test_successful_purchase(shop, page):
    product, = shop.seed(product_record(price=19900, stock=5))
    order_id = _buy(page, shop, product, CARD_OK)
    expect(page).to_have_url(f"{shop.url}/orders/{order_id}")
    expect(page.locator(".order-state")).to_contain_text("Paid", timeout=20_000)
    assert _order(shop, order_id) == ("paid", 39800, 3)
    expect(page.locator(".cart-count")).to_have_text("0")
    assert page.js_errors == []


def test_declined_card(shop, page):
    product, = shop.seed(product_record(price=19900, stock=5))
    order_id = _buy(page, shop, product, CARD_DECLINED)
    expect(page).to_have_url(f"{shop.url}/orders/{order_id}")
    expect(page.locator(".order-state")).to_contain_text("Your card was declined")
    assert _order(shop, order_id) == ("payment_failed", 0, 5)
    # "Try again" puts the items back in the cart.
    page.get_by_role("button", name="Try again").click()
    expect(page).to_have_url(f"{shop.url}/checkout")
    expect(page.locator(".checkout-total")).to_have_text("$398.00")
    assert page.js_errors == []


def test_3d_secure_card(shop, page):
    product, = shop.seed(product_record(price=19900, stock=5))
    order_id = _buy(page, shop, product, CARD_3DS)
    # localstripe's Stripe.js mock shows its 3-D Secure challenge.
    page.get_by_role("button", name="Complete authentication").click()
    expect(page).to_have_url(f"{shop.url}/orders/{order_id}")
    expect(page.locator(".order-state")).to_contain_text("Paid", timeout=20_000)
    assert _order(shop, order_id) == ("paid", 39800, 3)
    assert page.js_errors == []


def test_failed_3d_secure(shop, page):
    product, = shop.seed(product_record(price=19900, stock=5))
    order_id = _buy(page, shop, product, CARD_3DS)
    page.get_by_role("button", name="Fail authentication").click()
    expect(page).to_have_url(f"{shop.url}/orders/{order_id}")
    expect(page.locator(".order-state")).to_contain_text("Payment failed")
    assert _order(shop, order_id) == ("payment_failed", 0, 5)
