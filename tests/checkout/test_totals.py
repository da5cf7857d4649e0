"""The same figures everywhere: API answer, order row, PaymentIntent, order page, email.

Two purchases with a promotion code and express shipping: Texas (sales tax added, shipping
taxed) and Germany (VAT included in the prices and the shipping).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from storefront.mail import OutboxEmail
from storefront.orders.models import Order
from storefront.promotions import service as promotions
from storefront.promotions.models import Promotion
from tests.checkout.fixtures import card_token, deliver, order_body, seed, stripe_event
from tests.factories import product_record

TX = {"name": "T Buyer", "line1": "1 Congress Ave", "line2": None, "city": "Austin",
      "state": "TX", "postal_code": "78701", "country": "US"}
DE = {"name": "D Käufer", "line1": "Unter den Linden 1", "line2": None, "city": "Berlin",
      "state": None, "postal_code": "10117", "country": "DE"}

# 2 x $199.00 belts of 650 g, SAVE10 (10 %), express.
CASES = {
    # subtotal, discount, shipping, tax, tax added?, total
    "TX": (TX, 39800, 3980, 2500 + 2 * 300, 2239 + 194, True, 35820 + 3100 + 2433),
    # VAT 19 % inside: goods 35820 -> 5719, express 4900 + 2 x 900 = 6700 -> 1070.
    "DE": (DE, 39800, 3980, 6700, 5719 + 1070, False, 35820 + 6700),
}


def _money(minor: int) -> str:
    return f"${minor / 100:,.2f}"


@pytest.mark.parametrize("where", sorted(CASES))
def test_figures_agree_across_api_order_intent_page_and_email(where, shop, client, db_session,
                                                              gateway, localstripe, webhook_secret):
    address, subtotal, discount, shipping, tax, added, total = CASES[where]
    belt, = seed(db_session, product_record(price=19900, stock=5, specs={
        **product_record()["specs"], "weight_g": 650}))
    promotions.create(db_session, f"SAVE10{where}", percent=10, usage_limit=5)
    db_session.commit()
    body = order_body((belt.sku, 2), shipping_address=address, shipping_method="express",
                      promotion_code=f"save10{where.lower()}")
    # The checkout summary (what the form shows) says the same before the order exists.
    with client.session_transaction() as sess:
        sess["cart"] = {belt.sku: 2}
    summary = client.get("/checkout/summary", query_string={
        **{k: v or "" for k, v in address.items()}, "shipping_method": "express",
        "promotion_code": f"SAVE10{where}"}).get_json()["totals"]
    assert (summary["subtotal"], summary["discount"]["amount"], summary["shipping"]["amount"],
            summary["tax"]["amount"], summary["tax"]["included"], summary["total"]) == \
        (subtotal, discount, shipping, tax, not added, total)
    cart = client.get("/cart", query_string={"country": address["country"],
                                             "state": address["state"] or ""})
    assert cart.status_code == 200

    resp = client.post("/api/v1/orders", json=body)
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert got["amount"] == total and got["subtotal"] == subtotal
    assert got["discount"] == {"code": f"SAVE10{where}", "amount": discount}
    assert got["shipping"]["amount"] == shipping and got["shipping"]["method"] == "express"
    assert got["tax"]["amount"] == tax and got["tax"]["included"] is (not added)
    assert sum(t["amount"] for t in got["tax"]["lines"]) == tax
    assert total == subtotal - discount + shipping + (tax if added else 0)

    order = db_session.scalar(select(Order).where(Order.public_id == got["order_id"]))
    assert (order.total_amount, order.subtotal_amount, order.discount_amount, order.shipping_amount,
            order.tax_amount) == (total, subtotal, discount, shipping, tax)
    assert sum(line.discount_amount for line in order.lines) == discount
    assert gateway.retrieve_intent(order.payment_intent_id).amount == total
    assert got["number"] == order.number and order.number >= 10001
    promo = db_session.scalar(select(Promotion).where(Promotion.code == f"SAVE10{where}"))
    assert (promo.held, promo.redeemed) == (1, 0)  # held by the pending order, not counted yet

    page = client.get(f"/orders/{order.public_id}")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    for figure in (subtotal, discount, shipping, tax, total):
        assert _money(figure) in html, figure
    assert f"#{order.number}" in html and order.email in html and address["city"] in html
    pay_page = client.get(f"/checkout/pay/{order.public_id}")
    assert pay_page.headers["Cache-Control"] == "no-store"
    assert pay_page.headers["Referrer-Policy"] == "no-referrer"
    assert _money(total) in pay_page.get_data(as_text=True)

    pay = client.post(f"/api/v1/orders/{order.public_id}/payment", json={"token": card_token(localstripe)})
    assert pay.get_json()["status"] == "processing"
    event = stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id)
    assert deliver(client, event, webhook_secret).status_code == 200
    db_session.expire_all()
    order = db_session.get(Order, order.id)
    assert order.status == "paid" and order.amount_paid == total
    promo = db_session.get(Promotion, promo.id)
    assert (promo.held, promo.redeemed) == (0, 1)
    mail = db_session.scalar(select(OutboxEmail).where(
        OutboxEmail.dedupe_key == f"order-paid:{order.public_id}"))
    assert f"Order #{order.number} confirmed" == mail.subject
    for figure in (subtotal, discount, shipping, tax, total):
        assert _money(figure) in mail.body_text, figure
    assert address["line1"] in mail.body_text and order.email in mail.body_text
    assert re.search(r"Date: \d{2} \w+ \d{4}", mail.body_text)


def test_order_numbers_are_sequential_and_shown(shop, client, db_session):
    belt, = seed(db_session, product_record(stock=5))
    numbers = [client.post("/api/v1/orders", json=order_body((belt.sku, 1))).get_json()["number"]
               for _ in range(3)]
    assert numbers == list(range(numbers[0], numbers[0] + 3))


def test_unknown_code_is_422_promotion_invalid_and_nothing_is_reserved(shop, client, db_session):
    belt, = seed(db_session, product_record(stock=2))
    resp = client.post("/api/v1/orders", json=order_body((belt.sku, 1), promotion_code="NOPE-123"))
    assert resp.status_code == 422 and resp.get_json()["code"] == "promotion_invalid"
    assert "promotion_code" in resp.get_json()["errors"]
    db_session.refresh(belt)
    assert belt.stock == 2


def test_country_not_served_and_region_required(shop, client, db_session):
    belt, = seed(db_session, product_record(stock=2))
    far = {**TX, "country": "BR", "state": None, "postal_code": "01000-000"}
    resp = client.post("/api/v1/orders", json=order_body((belt.sku, 1), shipping_address=far))
    assert resp.status_code == 422 and resp.get_json()["code"] == "not_shippable"
    assert resp.get_json()["errors"] == {"shipping_address.country": ["Sorry, we don't ship to that country yet."]}
    no_state = {**TX, "state": None}
    resp = client.post("/api/v1/orders", json=order_body((belt.sku, 1), shipping_address=no_state))
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["shipping_address.state"] == ["Choose your state."]
    resp = client.post("/api/v1/orders", json=order_body((belt.sku, 1), shipping_method="teleport"))
    assert resp.status_code == 422 and resp.get_json()["code"] == "shipping_method_invalid"


def test_excluded_product_is_refused_with_the_reason_before_paying(shop, client, db_session,
                                                                   tmp_path, monkeypatch):
    belt, = seed(db_session, product_record(stock=2))
    table = tmp_path / "zones.toml"
    table.write_text(f"""
currency = "USD"
[[zone]]
code = "us"
countries = ["US"]
  [[zone.method]]
  code = "standard"
  name = "Standard"
  rate = "flat"
  amount = 500
  [[zone.exclude]]
  skus = ["{belt.sku}"]
  reason = "This belt's battery cannot travel by air to the US."
""")
    monkeypatch.setitem(shop.config, "SHIPPING_FILE", str(table))
    resp = client.post("/api/v1/orders", json=order_body((belt.sku, 1)))
    assert resp.status_code == 422 and resp.get_json()["code"] == "not_shippable"
    assert resp.get_json()["errors"] == {"items[0].sku": ["This belt's battery cannot travel by air to the US."]}
    with client.session_transaction() as sess:
        sess["cart"] = {belt.sku: 1}
    page = client.get("/checkout").get_data(as_text=True)
    assert "battery cannot travel by air" in page
