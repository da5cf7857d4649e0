"""Staff orders: list, detail, refund through the checkout's refund service, shipping."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.orders.models import Order
from storefront.staff.models import AuditLog, Role
from tests.checkout.fixtures import (
    ADDRESS,
    CARD_OK,
    card_token,
    deliver,
    make_event,
    order_body,
    seed,
    stripe_event,
)
from tests.factories import product_record
from tests.staff.conftest import add_staff, login

XSS_NAME = '<script>alert("name")</script><img src=x onerror=alert(1)>'


def _order(db_session, public_id) -> Order:
    db_session.expire_all()
    return db_session.scalar(select(Order).where(Order.public_id == public_id))


@pytest.fixture()
def paid_order(shop, client, db_session, localstripe, gateway, webhook_secret):
    """An order paid through the real checkout API and confirmed by the webhook."""
    belt, = seed(db_session, product_record(price=25000, stock=5))
    address = {**ADDRESS, "name": XSS_NAME}
    placed = client.post("/api/v1/orders", json=order_body((belt.sku, 2), shipping_address=address))
    assert placed.status_code == 201, placed.get_json()
    order_id = placed.get_json()["order_id"]
    paid = client.post(f"/api/v1/orders/{order_id}/payment",
                       json={"token": card_token(localstripe, CARD_OK)})
    assert paid.status_code == 200, paid.get_json()
    order = _order(db_session, order_id)
    event = stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id)
    assert deliver(client, event, webhook_secret).status_code == 200
    order = _order(db_session, order_id)
    assert order.status == "paid"
    return order


def _audit(db_session, order):
    return db_session.scalars(select(AuditLog).where(
        AuditLog.object_type == "order", AuditLog.object_id == order.public_id)
        .order_by(AuditLog.id)).all()


def test_list_and_detail(client, db_session, paid_order):
    login(client, add_staff(db_session, Role.SALES))
    listing = client.get("/staff/orders?status=paid").get_data(as_text=True)
    assert paid_order.public_id in listing and "$500.00" in listing
    detail = client.get(f"/staff/orders/{paid_order.public_id}")
    html = detail.get_data(as_text=True)
    assert detail.status_code == 200
    assert 'id="refund-form"' in html and 'id="fulfil"' in html
    # The buyer's name is data, never markup.
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert client.get("/staff/orders/no-such-order").status_code == 404


def test_partial_then_full_refund(client, db_session, paid_order, webhook_secret, gateway):
    sales = add_staff(db_session, Role.SALES)
    login(client, sales)
    url = f"/staff/orders/{paid_order.public_id}/refund"
    bad = client.post(url, data={"amount": "12.345"})
    assert bad.status_code == 422 and "decimal places" in bad.get_data(as_text=True)
    too_much = client.post(url, data={"amount": "600"})
    assert too_much.status_code == 422
    resp = client.post(url, data={"amount": "100.00", "reason": "damaged box"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    order = _order(db_session, paid_order.public_id)
    (refund,) = order.refunds
    assert refund.amount == 10000 and refund.status == "submitted" and refund.stripe_refund_id
    assert refund.requested_by == f"staff:{sales.email}"
    actions = [(e.action, e.actor_id) for e in _audit(db_session, order)]
    assert actions == [("order.refund_requested", sales.id), ("order.refund_submitted", sales.id)]
    requested = _audit(db_session, order)[0]
    assert requested.before["amount_paid"] == 50000 and requested.after["amount"] == 10000

    # Stripe confirms (localstripe never sends charge.refunded, so build the event).
    charge = gateway.client.v1.charges.retrieve(order.charge_id).to_dict()
    charge["amount_refunded"] = 10000
    assert deliver(client, make_event("charge.refunded", charge), webhook_secret).status_code == 200
    order = _order(db_session, paid_order.public_id)
    assert order.status == "partially_refunded" and order.amount_refunded == 10000

    rest = client.post(url, data={"amount": ""})
    assert rest.status_code == 303
    order = _order(db_session, paid_order.public_id)
    assert order.refunds[-1].amount == 40000
    page = client.get(f"/staff/orders/{order.public_id}").get_data(as_text=True)
    assert 'id="refund-form"' not in page  # nothing left to refund


def test_fulfil(client, db_session, paid_order):
    admin = add_staff(db_session, Role.ADMIN)
    login(client, admin)
    resp = client.post(f"/staff/orders/{paid_order.public_id}/fulfil")
    assert resp.status_code == 303
    order = _order(db_session, paid_order.public_id)
    assert order.status == "fulfilled"
    (entry,) = _audit(db_session, order)
    assert entry.action == "order.fulfil" and entry.before["status"] == "paid"
    again = client.post(f"/staff/orders/{paid_order.public_id}/fulfil")
    assert again.status_code == 409


def test_catalog_editors_cannot_touch_orders(client, db_session, paid_order):
    login(client, add_staff(db_session, Role.CATALOG_EDITOR))
    assert client.get(f"/staff/orders/{paid_order.public_id}").status_code == 403
    assert client.post(f"/staff/orders/{paid_order.public_id}/refund", data={}).status_code == 403
    assert _order(db_session, paid_order.public_id).refunds == []


def test_refund_puts_chosen_units_back_and_records_it(client, db_session, paid_order):
    from storefront.catalog.models import Product

    sales = add_staff(db_session, Role.SALES)
    login(client, sales)
    line = paid_order.lines[0]
    stock_before = db_session.get(Product, line.product_id).stock
    url = f"/staff/orders/{paid_order.public_id}/refund"
    too_many = client.post(url, data={"amount": "250.00", f"restock-{line.id}": "3"})
    assert too_many.status_code == 422 and "Between 0 and 2" in too_many.get_data(as_text=True)
    assert _order(db_session, paid_order.public_id).refunds == []  # checked before Stripe
    resp = client.post(url, data={"amount": "250.00", f"restock-{line.id}": "1"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    order = _order(db_session, paid_order.public_id)
    db_session.expire_all()
    assert order.lines[0].restocked_quantity == 1
    assert db_session.get(Product, line.product_id).stock == stock_before + 1
    assert any("put back 1 x" in e.reason for e in order.events)
    assert [a.action for a in _audit(db_session, order)][-1] == "order.restock"
    again = client.post(url, data={"amount": "1.00", f"restock-{line.id}": "2"})
    assert again.status_code == 422  # only one unit is left to put back
    assert len(_order(db_session, paid_order.public_id).refunds) == 1
    assert db_session.get(Product, line.product_id).stock == stock_before + 1


def test_staff_create_pause_and_review_promotions(client, db_session):
    login(client, add_staff(db_session, Role.SALES))
    assert "Promotion codes" in client.get("/staff/promotions").get_data(as_text=True)
    bad = client.post("/staff/promotions", data={"code": "CURE", "percent": "10",
                                                 "banner": "Cures arthritis in a week!"})
    assert bad.status_code == 422 and "banner" not in (bad.headers.get("Location") or "")
    resp = client.post("/staff/promotions", data={"code": "spring15", "percent": "15",
                                                  "limit": "50", "kinds": "belt",
                                                  "banner": "Spring sale: 15% off belts."})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/staff/promotions/SPRING15")
    page = client.get("/staff/promotions/SPRING15").get_data(as_text=True)
    assert "15 % off" in page and "redeemed 0 of 50" in page
    assert client.post("/staff/promotions/SPRING15/status", data={"status": "paused"}).status_code == 303
    assert 'id="promotion-status">paused' in client.get("/staff/promotions/SPRING15").get_data(as_text=True)


def test_staff_see_the_shipping_zones_in_force(client, db_session):
    login(client, add_staff(db_session, Role.SALES))
    html = client.get("/staff/shipping").get_data(as_text=True)
    assert "zones.toml" in html and "Express (1–2 business days)" in html
    assert "Therapy lasers are not shipped to the EU" in html
