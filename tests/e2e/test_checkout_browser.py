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
    page.get_by_label("Country").select_option("US")
    page.get_by_label("Address line 1").fill("1 Main St")
    page.get_by_label("Town or city").fill("Portland")
    page.get_by_label("State", exact=True).select_option("OR")
    page.get_by_label("ZIP code").fill("97201")
    page.get_by_role("button", name="Continue to payment").click()
    # The precautions must be acknowledged first: the summary at the top links to the box,
    # and what was typed is still there.
    expect(page.locator("#precautions_acknowledged-error")).to_be_visible()
    expect(page.locator(".error-summary a")).to_have_text("Tick the box to confirm you have read the precautions.")
    expect(page.get_by_label("Town or city")).to_have_value("Portland")
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
    assert ".." not in page.locator(".order-state").inner_text()
    assert _order(shop, order_id) == ("payment_failed", 0, 5)
    # "Try again" puts the items back in the cart, and the details back in the form.
    page.get_by_role("button", name="Try again").click()
    expect(page).to_have_url(f"{shop.url}/checkout")
    expect(page.locator(".checkout-total")).to_have_text("$398.00")
    expect(page.get_by_label("Email")).to_have_value("buyer@example.com")
    expect(page.get_by_label("Address line 1")).to_have_value("1 Main St")
    expect(page.get_by_label("State", exact=True)).to_have_value("OR")
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


def _money(minor: int) -> str:
    return f"${minor / 100:,.2f}"


@pytest.mark.parametrize("country, region, city, postal, figures", [
    # 2 x $199.00 (650 g each), GO20 (20 %), express; Texas adds 6.25 % on goods and shipping.
    ("US", "TX", "Austin", "78701",
     {"discount": 7960, "shipping": 3100, "tax": 1990 + 194, "total": 31840 + 3100 + 2184}),
    # Germany: 19 % VAT inside the prices and the shipping (4900 + 2 x 900).
    ("DE", None, "Berlin", "10117",
     {"discount": 7960, "shipping": 6700, "tax": 5084 + 1070, "total": 31840 + 6700}),
])
def test_purchase_with_code_express_and_tax(shop, page, country, region, city, postal, figures):
    from storefront.promotions import service as promotions

    product, = shop.seed(product_record(price=19900, stock=5, specs={
        **product_record()["specs"], "weight_g": 650}))
    code = f"GO20{country}"
    shop.run(lambda: (promotions.create(db.session, code, percent=20), db.session.commit()))
    page.goto(f"{shop.url}/products/{product.slug}")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label("Promotion code").fill(code.lower())
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".cart-discount")).to_have_text("−" + _money(figures["discount"]))
    page.get_by_role("link", name="Checkout").click()
    expect(page.get_by_label("Promotion code (optional)")).to_have_value(code)
    page.get_by_label("Email").fill("buyer@example.com")
    page.get_by_label("Full name").fill("A Buyer")
    page.get_by_label("Country").select_option(country)
    page.get_by_label("Address line 1").fill("1 Main St")
    page.get_by_label("Town or city").fill(city)
    if region:
        page.get_by_label("State", exact=True).select_option(region)
    page.get_by_label("ZIP code" if country == "US" else "Postal code").fill(postal)
    page.get_by_role("radio", name=re.compile(r"Express")).check()
    expect(page.locator(".checkout-total")).to_have_text(_money(figures["total"]))
    expect(page.locator(".summary-shipping")).to_have_text(_money(figures["shipping"]))
    page.get_by_label("I have read the precautions").check()
    page.get_by_role("button", name="Continue to payment").click()
    expect(page).to_have_url(re.compile(r"/checkout/pay/[a-z0-9]+$"))
    order_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator(".pay-total")).to_have_text(_money(figures["total"]))
    card_box = page.locator("#card-element")
    card_box.get_by_placeholder("number").fill(CARD_OK)
    card_box.get_by_placeholder("exp_month").fill("12")
    card_box.get_by_placeholder("exp_year").fill("34")
    card_box.get_by_placeholder("cvc").fill("123")
    card_box.get_by_placeholder("postal_code").fill(postal)
    page.get_by_role("button", name=f"Pay {_money(figures['total'])}").click()
    expect(page).to_have_url(f"{shop.url}/orders/{order_id}")
    expect(page.locator(".order-state")).to_contain_text("Paid", timeout=20_000)
    expect(page.locator(".order-discount")).to_have_text("−" + _money(figures["discount"]))
    expect(page.locator(".order-shipping")).to_have_text(_money(figures["shipping"]))
    expect(page.locator(".order-tax")).to_have_text(_money(figures["tax"]))
    expect(page.locator(".order-total")).to_have_text(_money(figures["total"]))
    expect(page.locator("h1 .order-number")).to_have_text(re.compile(r"^#\d{5,}$"))

    def stored():
        from storefront.mail import OutboxEmail
        from storefront.payments import StripeGateway

        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.public_id == order_id))
        mail = db.session.scalar(select(OutboxEmail).where(
            OutboxEmail.dedupe_key == f"order-paid:{order_id}"))
        gateway = StripeGateway("sk_test_localstripe", api_base=shop.app.config["STRIPE_API_BASE"])
        return order, mail.body_text, gateway.retrieve_intent(order.payment_intent_id).amount
    order, body, intent_amount = shop.run(stored)
    assert order.status.value == "paid"
    assert intent_amount == order.amount_paid == order.total_amount == figures["total"]
    assert (order.discount_amount, order.shipping_amount, order.tax_amount) == (
        figures["discount"], figures["shipping"], figures["tax"])
    for key in ("discount", "shipping", "tax", "total"):
        assert _money(figures[key]) in body, key
    assert page.js_errors == []


def test_shop_pages_fit_a_390px_phone(shop, browser):
    product, = shop.seed(product_record(price=19900, stock=5))
    other, = shop.seed(product_record(price=29900, stock=5))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    try:
        page.goto(f"{shop.url}/products/{product.slug}")
        page.get_by_role("button", name="Add to cart").click()
        expect(page).to_have_url(f"{shop.url}/cart")  # the form fetches its token first
        paths = ["/", "/products", f"/products/{product.slug}", "/cart", "/checkout",
                 f"/compare?p={product.slug}&p={other.slug}"]
        page.goto(f"{shop.url}/checkout")
        page.get_by_label("Email").fill("buyer@example.com")
        page.get_by_label("Full name").fill("A Buyer With A Rather Long Name")
        page.get_by_label("Address line 1").fill("1 Main St")
        page.get_by_label("Town or city").fill("Portland")
        page.get_by_label("State", exact=True).select_option("OR")
        page.get_by_label("ZIP code").fill("97201")
        page.get_by_label("I have read the precautions").check()
        page.get_by_role("button", name="Continue to payment").click()
        expect(page).to_have_url(re.compile(r"/checkout/pay/[a-z0-9]+$"))
        order_id = page.url.rsplit("/", 1)[-1]
        paths += [f"/checkout/pay/{order_id}", f"/orders/{order_id}"]
        wide = {}
        for path in paths:
            page.goto(f"{shop.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = width
        assert wide == {}
    finally:
        context.close()
