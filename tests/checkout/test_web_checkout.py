"""The checkout form and payment page (server side; the browser tests drive the script)."""

from __future__ import annotations

import re

from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.orders.models import Order
from tests.checkout.fixtures import ADDRESS, seed
from tests.factories import product_record


def _form(token="t" * 24, **overrides):
    data = {"email": "buyer@example.com", "checkout_token": token, "precautions_acknowledged": "1",
            **{k: v or "" for k, v in ADDRESS.items()}}
    data.update(overrides)
    return data


def _fill_cart(client, sku, qty=1):
    client.post("/cart/items", data={"sku": sku, "quantity": str(qty)})


def test_checkout_page_shows_precautions_and_a_token(shop, client, db_session):
    a, = seed(db_session, product_record())
    assert client.get("/checkout").status_code == 303  # empty cart
    _fill_cart(client, a.sku)
    page = client.get("/checkout")
    assert page.status_code == 200
    assert b"Precautions" in page.data and b'name="precautions_acknowledged"' in page.data
    assert re.search(rb'name="checkout_token" value="[A-Za-z0-9_-]{24,}"', page.data)


def test_missing_acknowledgement_and_bad_fields_rerender_with_errors(shop, client, db_session):
    a, = seed(db_session, product_record(stock=3))
    _fill_cart(client, a.sku)
    resp = client.post("/checkout", data=_form(precautions_acknowledged=""))
    assert resp.status_code == 422 and b"read the precautions" in resp.data
    resp = client.post("/checkout", data=_form(email="nope", postal_code=""))
    assert resp.status_code == 422
    assert b'id="email-error"' in resp.data and b'id="shipping_address-postal_code-error"' in resp.data
    resp = client.post("/checkout", data=_form(total="1"))
    assert resp.status_code == 422 and b"set by the shop" in resp.data
    assert db_session.scalar(select(Product.stock).where(Product.sku == a.sku)) == 3


def test_checkout_creates_the_order_once_and_shows_the_card_form(shop, client, db_session):
    a, = seed(db_session, product_record(price=4200, stock=3))
    _fill_cart(client, a.sku, 2)
    resp = client.post("/checkout", data=_form())
    assert resp.status_code == 303
    order_id = resp.headers["Location"].rsplit("/", 1)[-1]
    order = db_session.scalar(select(Order).where(Order.public_id == order_id))
    # $84.00 of goods is below the free-shipping threshold: standard shipping $9.95, Oregon no tax.
    assert order.channel == "web" and order.total_amount == 8400 + 995
    assert (order.subtotal_amount, order.shipping_amount, order.tax_amount) == (8400, 995, 0)
    assert order.shipping_address["city"] == "Portland" and order.shipping_address["line2"] is None
    assert db_session.scalar(select(Product.stock).where(Product.sku == a.sku)) == 1
    with client.session_transaction() as sess:
        assert sess["cart"] == {}
    # A resubmitted form (same token) is the same order, not a second one.
    again = client.post("/checkout", data=_form())
    assert again.headers["Location"] == resp.headers["Location"]
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200
    html = page.data.decode()
    assert f'<script src="{shop.config["STRIPE_JS_URL"]}"></script>' in html
    assert 'data-publishable-key="pk_test_localstripe"' in html
    assert f'data-pay-url="/checkout/pay/{order_id}"' in html
    assert "/static/checkout.js" in html and "$93.95" in html


def test_out_of_stock_at_checkout_is_explained(shop, client, db_session):
    a, = seed(db_session, product_record(stock=2))
    _fill_cart(client, a.sku, 2)
    db_session.execute(Product.__table__.update().where(Product.__table__.c.sku == a.sku).values(stock=1))
    db_session.commit()
    resp = client.post("/checkout", data=_form())
    assert resp.status_code == 409 and b"out of stock" in resp.data
