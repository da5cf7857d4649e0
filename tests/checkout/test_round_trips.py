"""What one purchase costs: SQL statements and Stripe calls per step, pinned.

The checkout's throughput (docs/performance.md, "Checkout round trips") rests on these
numbers; a change that adds a round trip fails here and has to say why it is worth it.
Transaction control (BEGIN, SAVEPOINT, RELEASE, ROLLBACK TO: the test's rolled-back
transaction turns commits into savepoints) is not counted; the same figures hold on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import stripe
from sqlalchemy import select

from storefront.orders.models import Order
from storefront.payments.models import StripeEvent
from tests.checkout.fixtures import card_token, deliver, make_event, order_body, seed, stripe_event
from tests.factories import product_record

CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")
# Path words of the Stripe API; any other segment is an object id (pi_…, cus_…).
ROUTE_WORDS = {"payment_intents", "customers", "charges", "refunds", "events", "tokens",
               "confirm", "cancel", "sources"}


@pytest.fixture()
def meter(query_counter, monkeypatch):
    """Counts SQL statements (transaction control aside) and Stripe HTTP calls in a block."""
    calls: list[str] = []
    original = stripe.RequestsClient.request

    def request(client, method, url, headers, post_data=None):
        path = url.split("/v1/", 1)[-1].split("?")[0]
        route = "/".join(part if part in ROUTE_WORDS else "{id}" for part in path.split("/"))
        calls.append(f"{method.upper()} {route}")
        return original(client, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", request)

    @contextmanager
    def measuring():
        seen = {"sql": [], "stripe": calls}
        calls.clear()
        with query_counter() as statements:
            yield seen
        seen["sql"] = [s for s in statements if not s.lstrip().upper().startswith(CONTROL)]

    return measuring


def _explain(seen) -> str:
    return "\n".join(["SQL:"] + [" " + s.split("\n")[0][:120] for s in seen["sql"]]
                     + ["Stripe:"] + [" " + c for c in seen["stripe"]])


def test_one_purchase_costs_what_it_did(shop, client, db_session, localstripe, gateway,
                                        webhook_secret, meter):
    belt, = seed(db_session, product_record(price=25000, stock=5))
    body = order_body((belt.sku, 1))
    # As the app's own session (extensions.db): objects stay loaded across commits, so the
    # answer reads the order as written instead of reloading it.
    db_session().expire_on_commit = False

    with meter() as created:
        resp = client.post("/api/v1/orders", json=body)
    assert resp.status_code == 201, resp.get_json()
    # Unpaid-orders cap (count), products with their bands (one joined SELECT), the intent's
    # journal row, then stock UPDATE, order number, order, event, line, reservation.
    assert len(created["sql"]) == 9, _explain(created)
    # One PaymentIntent; no journal lookup without an Idempotency-Key, no retrieve.
    assert created["stripe"] == ["POST payment_intents"], _explain(created)

    order_id = resp.get_json()["order_id"]
    token = card_token(localstripe)
    with meter() as paid:
        resp = client.post(f"/api/v1/orders/{order_id}/payment", json={"token": token})
    assert resp.get_json()["status"] == "processing"
    # The order row alone, then the progress UPDATE.
    assert len(paid["sql"]) == 2, _explain(paid)
    # Customer with the card, the intent's customer and card, confirm: nothing more.
    assert paid["stripe"] == ["POST customers", "POST payment_intents/{id}",
                              "POST payment_intents/{id}/confirm"], _explain(paid)

    intent_id = db_session.scalar(select(Order.payment_intent_id).where(Order.public_id == order_id))
    event = stripe_event(gateway, "payment_intent.succeeded", intent_id)
    with meter() as hooked:
        resp = deliver(client, event, webhook_secret)
    assert resp.get_json()["outcome"] == "paid"
    # Event id, the locked order with its lines, status UPDATE, its history row, two emails,
    # the event's outcome. No Stripe call: the signed payload is the truth.
    assert len(hooked["sql"]) == 7, _explain(hooked)
    assert hooked["stripe"] == [], _explain(hooked)

    with meter() as replayed:
        resp = deliver(client, event, webhook_secret)
    assert resp.get_json()["outcome"] == "duplicate"
    assert len(replayed["sql"]) == 1 and replayed["stripe"] == [], _explain(replayed)


def test_an_event_the_shop_does_not_apply_is_one_insert(shop, client, db_session, webhook_secret,
                                                         meter):
    event = make_event("customer.created", {"id": "cus_round_trips", "object": "customer"})
    with meter() as seen:
        resp = deliver(client, event, webhook_secret)
    assert resp.get_json()["outcome"] == "ignored"
    assert len(seen["sql"]) == 1 and seen["stripe"] == [], _explain(seen)
    row = db_session.scalar(select(StripeEvent).where(StripeEvent.event_id == event["id"]))
    assert row.outcome == "ignored" and row.type == "customer.created"
    # A replay is still recognised as one.
    assert deliver(client, event, webhook_secret).get_json()["outcome"] == "duplicate"
