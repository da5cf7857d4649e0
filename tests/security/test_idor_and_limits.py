"""No IDOR on orders or quotes; request size limits; no state change on GET."""

from __future__ import annotations

from sqlalchemy import func, select

from storefront.orders.models import Order
from storefront.quotes import workflow
from storefront.staff.models import AuditLog
from tests.checkout.fixtures import gateway, localstripe, order_body, seed, shop, webhook_secret  # noqa: F401
from tests.factories import product_record
from tests.quotes.conftest import _generous_quote_limits, catalogue, make_quote  # noqa: F401
from tests.staff.conftest import add_staff, login


def test_orders_are_reachable_only_by_their_unguessable_id(shop, client, db_session):  # noqa: F811
    belt, = seed(db_session, product_record(stock=10))
    ids = []
    for _ in range(2):
        resp = client.post("/api/v1/orders", json=order_body((belt.sku, 1)))
        assert resp.status_code == 201, resp.get_json()
        ids.append(resp.get_json()["order_id"])
    assert ids[0] != ids[1] and all(len(i) >= 24 for i in ids)
    order = db_session.scalar(select(Order).where(Order.public_id == ids[0]))
    for guess in (str(order.id), str(order.id + 1), ids[0][:-1] + ("a" if ids[0][-1] != "a" else "b"),
                  ids[0].upper()):
        assert client.get(f"/api/v1/orders/{guess}").status_code == 404, guess
        assert client.get(f"/orders/{guess}").status_code == 404, guess
    assert client.get(f"/api/v1/orders/{ids[1]}").status_code == 200
    # The public order JSON holds no other buyer's data and no staff-only fields.
    body = client.get(f"/api/v1/orders/{ids[0]}").get_json()
    assert "attention" not in body and "idempotency_key" not in body


def test_quotes_are_reachable_only_by_their_token(client, db_session, catalogue):  # noqa: F811
    quote = make_quote(db_session)
    issued = workflow.issue_quote(db_session, quote, actor="staff:test", unit_prices={1: 12000, 2: 8000},
                                  valid_until=workflow.utcnow() + workflow.timedelta(days=5))
    db_session.commit()
    assert client.get(f"/oem/quotes/{issued.token}").status_code == 200
    for guess in (quote.reference, str(quote.id), issued.token[:-2], workflow.hash_token(issued.token)):
        assert client.get(f"/oem/quotes/{guess}").status_code == 404, guess
        assert client.post(f"/oem/quotes/{guess}/decline", data={"reason": "x"}).status_code == 404
    assert client.get(f"/staff/quotes/{quote.reference}").status_code == 302  # staff only


def test_oversized_login_form_is_refused_before_hashing(client, db_session, monkeypatch):
    from storefront.staff import passwords

    calls = []
    monkeypatch.setattr(passwords, "verify_password", lambda *a: calls.append(a) or False)
    resp = client.post("/staff/login", data={"email": "a@example.com", "password": "x" * 2_000_000})
    assert resp.status_code == 413
    assert calls == []
    assert "Content-Security-Policy" in resp.headers


def test_staff_get_pages_change_nothing(client, db_session, catalogue):  # noqa: F811
    admin = add_staff(db_session)
    quote = make_quote(db_session)
    product = catalogue["draft"]
    login(client, admin)
    before = db_session.scalar(select(func.count()).select_from(AuditLog))
    statuses = (product.status, quote.status)
    urls = ["/staff/", "/staff/products", f"/staff/products/{product.id}", "/staff/orders",
            "/staff/quotes", f"/staff/quotes/{quote.reference}", "/staff/quotes.csv",
            "/staff/audit", "/staff/audit.csv", f"/staff/products/{product.id}/publish",
            f"/staff/quotes/{quote.reference}/decline", "/staff/logout"]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code in (200, 405), (url, resp.status_code)
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(AuditLog)) == before
    assert (product.status, quote.status) == statuses
    assert client.get("/staff/").status_code == 200  # GET /staff/logout did not log us out
