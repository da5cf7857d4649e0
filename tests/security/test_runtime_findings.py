"""Regression tests for issue 13's findings: each attack from the probe, now refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront.db import utcnow
from storefront.mail import MailStatus, OutboxEmail, drain, enqueue
from storefront.orders.models import Order
from tests.checkout.fixtures import deliver, make_event, order_body, seed
from tests.factories import product_record


def test_host_header_cannot_reach_canonical_links_or_cached_pages(database_url):
    from tests.conftest import make_app

    app = make_app(database_url, SITE_URL="https://shop.example.com", CATALOG_CACHE_SECONDS=30)
    client = app.test_client()
    evil = client.get("/", headers={"Host": "evil.example"})
    again = client.get("/")
    for resp in (evil, again):
        html = resp.get_data(as_text=True)
        assert "evil.example" not in html
        assert "https://shop.example.com/" in html


def test_production_needs_site_url_and_shared_limiter(monkeypatch):
    from storefront import config

    monkeypatch.setenv("STOREFRONT_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("LIMITER_MEMORY_OK_REASON", raising=False)
    with pytest.raises(RuntimeError, match="SITE_URL"):
        config.from_env()
    monkeypatch.setenv("SITE_URL", "https://shop.example.com")
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        config.from_env()
    monkeypatch.setenv("LIMITER_MEMORY_OK_REASON", "one gunicorn worker on one host")
    assert config.from_env()["SITE_URL"] == "https://shop.example.com"


def test_stripe_waits_fit_under_the_worker_timeout(app):
    from storefront import config

    with pytest.raises(RuntimeError, match="worker timeout"):
        config.validate({**app.config, "STRIPE_READ_TIMEOUT": 20, "STRIPE_MAX_RETRIES": 2})


def test_unpaid_orders_capped_per_client(shop, app, client, db_session, monkeypatch):
    belt, = seed(db_session, product_record(price=1000, stock=50))
    monkeypatch.setitem(app.config, "ORDER_UNPAID_PER_CLIENT", 2)
    codes = [client.post("/api/v1/orders", json=order_body((belt.sku, 1))).status_code
             for _ in range(3)]
    assert codes == [201, 201, 429]
    resp = client.post("/api/v1/orders", json=order_body((belt.sku, 1)))
    assert resp.get_json()["code"] == "too_many_unpaid_orders"
    other = client.post("/api/v1/orders", json=order_body((belt.sku, 1)),
                        environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 201


@pytest.fixture()
def limited_app(tmp_path):
    from storefront.extensions import db, limiter
    from tests.conftest import drop_database, fresh_database_url, make_app

    url = fresh_database_url(tmp_path, "limits")
    app = make_app(url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                   ORDER_RATE_LIMIT="2 per minute")
    try:
        yield app
    finally:
        limiter.enabled = False  # one shared object; the rest of the suite runs with it off
        with app.app_context():
            db.engine.dispose()
        drop_database(url)


def test_order_creation_is_rate_limited(limited_app):
    client = limited_app.test_client()
    env = {"REMOTE_ADDR": "10.1.2.3"}
    codes = [client.post("/api/v1/orders", json={"items": []}, environ_base=env).status_code
             for _ in range(3)]
    assert codes[-1] == 429 and 429 not in codes[:2]


@pytest.mark.parametrize("body", [
    "[" * 100_000,
    '{"items": [{"sku": "X", "quantity": ' + "9" * 5001 + "}]}",
])
def test_hostile_json_is_a_4xx(client, body):
    resp = client.post("/api/v1/orders", data=body, content_type="application/json")
    assert 400 <= resp.status_code < 500


def test_superscript_quantity_is_a_4xx(client, db_session):
    belt, = seed(db_session, product_record(stock=5))
    resp = client.post("/cart/items", data={"sku": belt.sku, "quantity": "²"})
    assert resp.status_code < 500
    resp = client.post(f"/cart/items/{belt.sku}", data={"quantity": "²"})
    assert resp.status_code < 500


def test_staff_pages_beyond_bigint(app, db_session):
    from storefront.staff.models import Role
    from tests.staff.conftest import FreshRequestClient, add_staff, login

    client = FreshRequestClient(app, app.response_class, use_cookies=True)
    admin = add_staff(db_session, Role.ADMIN)
    assert login(client, admin).status_code == 303
    for path in ("/staff/orders", "/staff/products", "/staff/audit"):
        for page in ("99999999999999999999999", "²", "-1"):
            resp = client.get(path, query_string={"page": page, "before": page})
            assert resp.status_code in (200, 404), (path, page, resp.status_code)


def test_processing_status_in_a_succeeded_event_is_recorded_not_applied(
        shop, client, db_session, webhook_secret):
    belt, = seed(db_session, product_record(price=1000, stock=3))
    placed = client.post("/api/v1/orders", json=order_body((belt.sku, 1))).get_json()
    order = db_session.scalar(select(Order).where(Order.public_id == placed["order_id"]))
    obj = {"id": order.payment_intent_id, "object": "payment_intent", "status": "processing",
           "amount": 1000, "amount_received": 1000, "currency": "usd",
           "metadata": {"order_id": order.public_id}}
    resp = deliver(client, make_event("payment_intent.succeeded", obj), webhook_secret)
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "unexpected_status"
    weird = make_event("payment_intent.succeeded", {**obj, "status": "succeeded",
                                                     "amount_received": "lots"})
    assert deliver(client, weird, webhook_secret).get_json()["outcome"] == "unexpected_shape"
    listy = make_event("payment_intent.succeeded", obj)
    listy["data"] = ["not", "a", "dict"]
    assert deliver(client, listy, webhook_secret).status_code == 200
    db_session.expire_all()
    assert db_session.get(Order, order.id).status.value == "pending_payment"


def test_login_throttle_slows_attacker_not_owner(limited_app):
    from storefront.extensions import db
    from storefront.staff.cli import clear_login_throttle
    from storefront.staff.models import Role
    from tests.staff.conftest import FreshRequestClient, add_staff, login

    app = limited_app
    with app.app_context():
        admin = add_staff(db.session, Role.ADMIN)
        db.session.commit()
    attacker = FreshRequestClient(app, app.response_class, use_cookies=True)
    owner = FreshRequestClient(app, app.response_class, use_cookies=True)
    with app.app_context():
        codes = [login(attacker, admin, "wrong-password-123", environ_base={"REMOTE_ADDR": "10.6.6.6"}
                       ).status_code for _ in range(6)]
        assert codes[-1] == 429
        # The real user, elsewhere, is not locked out.
        assert login(owner, admin, environ_base={"REMOTE_ADDR": "10.7.7.7"}).status_code == 303
        with app.app_context():
            assert clear_login_throttle(admin.email) >= 1
        assert login(attacker, admin, "wrong-password-123",
                     environ_base={"REMOTE_ADDR": "10.6.6.6"}).status_code == 200


def test_outbox_killed_drain_is_retried_and_dead_letters_resend(app, db_session, smtp_server):
    from storefront.mail import dead_letters, resend

    row = enqueue(db_session, to="a@example.com", subject="s", body_text="b", dedupe_key="kill1")
    # A drain claimed it and died mid-send: its lease ran out.
    row.status = MailStatus.SENDING
    row.attempts = 1
    row.sending_until = utcnow() - timedelta(seconds=1)
    db_session.commit()
    config = {**app.config, "MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port}
    assert drain(db_session, config)["sent"] == 1
    assert len(smtp_server.messages) == 1
    assert drain(db_session, config)["sent"] == 0  # never twice
    bad = enqueue(db_session, to="b@example.com", subject="s", body_text="b", dedupe_key="dead1")
    down = {**app.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1, "MAIL_MAX_ATTEMPTS": 2,
            "MAIL_RETRY_BASE_SECONDS": 0}
    drain(db_session, down)
    db_session.refresh(bad)
    assert bad.status == MailStatus.PENDING and bad.next_attempt_at is not None
    drain(db_session, down)
    db_session.refresh(bad)
    assert bad.status == MailStatus.DEAD and [m.id for m in dead_letters(db_session)] == [bad.id]
    assert resend(db_session, bad.id)
    assert drain(db_session, config)["sent"] == 1
    assert db_session.scalar(select(OutboxEmail.status).where(OutboxEmail.id == bad.id)) == MailStatus.SENT
