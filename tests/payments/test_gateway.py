"""The Stripe gateway: live keys refused, retries on, deterministic idempotency keys, outages."""

from __future__ import annotations

import pytest
import stripe
from sqlalchemy import func, select

from storefront import create_app
from storefront.catalog.models import Product
from storefront.orders.models import Order
from storefront.payments import LiveKeyRefused, StripeGateway
from storefront.payments.gateway import PaymentsUnavailable
from tests.checkout.fixtures import order_body, seed
from tests.conftest import free_port
from tests.factories import product_record


class RecordingClient(stripe.RequestsClient):
    """The SDK's own HTTP client, remembering the idempotency key of each request."""

    def __init__(self):
        super().__init__()
        self.keys: list[tuple[str, str, str | None]] = []

    def request(self, method, url, headers, post_data=None):
        self.keys.append((method, url.split("/v1/")[-1], (headers or {}).get("Idempotency-Key")))
        return super().request(method, url, headers, post_data)


def test_live_keys_are_refused_unless_allowed():
    with pytest.raises(LiveKeyRefused):
        StripeGateway("sk_live_abc")
    with pytest.raises(LiveKeyRefused):
        StripeGateway("rk_live_abc")
    StripeGateway("sk_live_abc", allow_live=True)  # explicit opt-in
    with pytest.raises(LiveKeyRefused):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "STRIPE_SECRET_KEY": "sk_live_x"})
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "STRIPE_SECRET_KEY": "sk_live_x",
                "STOREFRONT_ALLOW_LIVE_STRIPE": True})


def test_missing_key_means_payments_unavailable():
    with pytest.raises(PaymentsUnavailable):
        StripeGateway("")


class FlakyProxy:
    """Forwards to localstripe, but answers the first request with a retryable 503."""

    def __init__(self, target: str):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import requests

        proxy = self
        self.seen: list[str | None] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.seen.append(self.headers.get("Idempotency-Key"))
                if len(proxy.seen) == 1:
                    self.send_response(503)
                    self.send_header("Stripe-Should-Retry", "true")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    return
                resp = requests.post(target + self.path, data=body, timeout=10, headers={
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")})
                self.send_response(resp.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(resp.content)))
                self.end_headers()
                self.wfile.write(resp.content)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_network_retries_resend_with_the_same_idempotency_key(localstripe):
    proxy = FlakyProxy(localstripe.url)
    try:
        gw = StripeGateway("sk_test_localstripe", api_base=proxy.url + "/")
        intent = gw.create_intent(amount=5000, currency="USD", metadata={"order_id": "retry"},
                                  idempotency_key="storefront:order:retry:payment_intent:1")
    finally:
        proxy.server.shutdown()
    assert intent.status == "requires_payment_method" and intent.amount == 5000
    assert proxy.seen == ["storefront:order:retry:payment_intent:1"] * 2


def test_order_idempotency_keys_are_deterministic(shop, client, db_session, localstripe, monkeypatch):
    recorder = RecordingClient()
    gw = StripeGateway("sk_test_localstripe", api_base=localstripe.url, http_client=recorder)
    monkeypatch.setitem(shop.extensions, "storefront_stripe", gw)
    belt, = seed(db_session, product_record())
    order_id = client.post("/api/v1/orders", json=order_body((belt.sku, 1))).get_json()["order_id"]
    creates = [key for method, path, key in recorder.keys if method == "post" and path == "payment_intents"]
    assert creates == [f"storefront:order:{order_id}:payment_intent:1"]


def test_stripe_outage_is_503_and_reserves_nothing(shop, client, db_session, monkeypatch):
    down = StripeGateway("sk_test_x", api_base=f"http://127.0.0.1:{free_port()}", max_network_retries=0)
    monkeypatch.setitem(shop.extensions, "storefront_stripe", down)
    belt, = seed(db_session, product_record(stock=2))
    resp = client.post("/api/v1/orders", json=order_body((belt.sku, 1)))
    assert resp.status_code == 503
    assert resp.get_json()["code"] == "payment_provider_unavailable"
    assert db_session.scalar(select(Product.stock).where(Product.sku == belt.sku)) == 2
    assert db_session.scalar(select(func.count(Order.id))) == 0
