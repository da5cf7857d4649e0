"""Checkout test fixtures and helpers: localstripe, card tokens, signed webhook deliveries.

Imported by the conftest of each checkout-related test folder.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from storefront.payments import StripeGateway
from storefront.payments.localstripe import LocalStripe, serve_in_thread
from storefront.payments.signatures import signature_header

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_3DS = "4000002760003184"
CARD_CHARGE_DECLINED = "4000000000000341"  # attaches fine, refused when charged

ADDRESS = {"name": "A Buyer", "line1": "1 Main St", "line2": None, "city": "Portland",
           "state": "OR", "postal_code": "97201", "country": "US"}


def order_body(*items: tuple[str, int], **overrides: Any) -> dict[str, Any]:
    """A POST /api/v1/orders body in the contract's shape."""
    body: dict[str, Any] = {"items": [{"sku": sku, "quantity": qty} for sku, qty in items],
                            "email": "buyer@example.com", "shipping_address": dict(ADDRESS),
                            "precautions_acknowledged": True}
    body.update(overrides)
    return body


def seed(db_session, *records: dict[str, Any]) -> list:
    """Store products and commit (the app rolls back its session on errors)."""
    from tests.factories import create_products

    products = create_products(db_session, *records)
    db_session.commit()
    return products


def card_token(ls: LocalStripe, number: str = CARD_OK) -> str:
    """Tokenise a card the way Stripe.js does (publishable key, POST /v1/tokens)."""
    resp = requests.post(f"{ls.url}/v1/tokens", timeout=10, data={
        "card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123", "key": "pk_test_localstripe"})
    resp.raise_for_status()
    return resp.json()["id"]


def authenticate_3ds(ls: LocalStripe, client_secret: str, success: bool = True) -> dict:
    """Complete (or fail) 3-D Secure as localstripe's Stripe.js mock does."""
    pi = client_secret.split("_secret_")[0]
    resp = requests.post(f"{ls.url}/v1/payment_intents/{pi}/_authenticate?success={str(success).lower()}",
                         data=json.dumps({"key": "pk_test_localstripe", "client_secret": client_secret}),
                         timeout=10)
    resp.raise_for_status()
    return resp.json()


def stripe_event(gateway: StripeGateway, event_type: str, object_id: str, timeout: float = 5) -> dict:
    """The event localstripe generated for an object (as the JSON it would deliver)."""
    deadline = time.monotonic() + timeout
    while True:
        events = gateway.client.v1.events.list({"type": event_type, "limit": 100})
        for ev in events.auto_paging_iter():
            data = ev.to_dict()
            if data["data"]["object"].get("id") == object_id:
                return data
        if time.monotonic() > deadline:
            raise AssertionError(f"no {event_type} event for {object_id}")
        time.sleep(0.05)


def make_event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> dict:
    """A Stripe event wrapping ``obj`` (for types localstripe never sends, e.g. charge.refunded)."""
    return {"id": event_id or f"evt_test_{secrets.token_hex(8)}", "object": "event",
            "type": event_type, "created": int(time.time()), "livemode": False,
            "data": {"object": obj}}


def signed(event: dict, secret: str, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers of a webhook delivery signed like Stripe's."""
    payload = json.dumps(event).encode()
    return payload, {"Stripe-Signature": signature_header(payload, secret, timestamp),
                     "Content-Type": "application/json"}


def deliver(client, event: dict, secret: str, timestamp: int | None = None):
    """POST a signed event to /stripe/webhook through a Flask test client."""
    payload, headers = signed(event, secret, timestamp)
    return client.post("/stripe/webhook", data=payload, headers=headers)


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy (for work done by other processes)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    """localstripe's aiohttp app on a free loopback port (in-memory state)."""
    ls = serve_in_thread("127.0.0.1", 0)
    yield ls
    ls.stop()


@pytest.fixture()
def webhook_secret() -> str:
    return "whsec_test_" + secrets.token_hex(12)


@pytest.fixture()
def shop(app, localstripe, webhook_secret, monkeypatch):
    """The session app pointed at localstripe (for tests on the rolled-back ``db_session``)."""
    for key, value in localstripe.env(webhook_secret).items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.config, "STAFF_EMAIL", "ship@example.com")
    monkeypatch.delitem(app.extensions, "storefront_stripe", raising=False)
    yield app
    app.extensions.pop("storefront_stripe", None)


@pytest.fixture()
def gateway(localstripe) -> StripeGateway:
    """The real SDK pointed at localstripe."""
    return StripeGateway("sk_test_localstripe", api_base=localstripe.url)
