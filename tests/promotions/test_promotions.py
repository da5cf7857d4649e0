"""Promotion codes: rules, limits, holds and redemptions, the CLI and banner compliance."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from storefront.db import utcnow
from storefront.errors import ValidationError
from storefront.orders.models import Order
from storefront.orders.states import OrderStatus
from storefront.promotions import service
from storefront.promotions.models import Promotion, PromotionRedemption
from storefront.promotions.service import EligibleLine, PromotionInvalid
from tests.checkout.fixtures import card_token, deliver, order_body, seed, stripe_event
from tests.factories import product_record

LINES = [EligibleLine("BELT-1", "belt", 19900), EligibleLine("PANEL-1", "panel", 10001)]


def _promo(db_session, code="TEST10", **kw):
    kw.setdefault("percent", 10) if "amount" not in kw else None
    promo = service.create(db_session, code, **kw)
    db_session.flush()
    return promo


def test_percent_rounds_per_line_and_fixed_spreads_exactly(db_session):
    _promo(db_session, "PCT15", percent=15)
    d = service.evaluate(db_session, "pct15", lines=LINES, currency="USD")
    assert d.per_line == {"BELT-1": 2985, "PANEL-1": 1500}  # 1500.15 -> 1500
    _promo(db_session, "FIVE", amount=1001)
    d = service.evaluate(db_session, "FIVE", lines=LINES, currency="USD")
    assert d.amount == 1001 and set(d.per_line) == {"BELT-1", "PANEL-1"}
    _promo(db_session, "HUGE", amount=10**6)
    assert service.evaluate(db_session, "HUGE", lines=LINES, currency="USD").amount == 29901


@pytest.mark.parametrize("kw, message", [
    ({"min_subtotal": 50000}, "at least $500.00"),
    ({"kinds": ["laser"]}, "does not apply"),
    ({"skus": ["OTHER"]}, "does not apply"),
    ({"starts_at": utcnow() + timedelta(days=1)}, "not valid yet"),
    ({"ends_at": utcnow() - timedelta(seconds=1), "starts_at": utcnow() - timedelta(days=2)}, "expired"),
])
def test_rules_refuse_with_a_reason(db_session, kw, message):
    _promo(db_session, "RULE", **kw)
    with pytest.raises(PromotionInvalid) as exc:
        service.evaluate(db_session, "RULE", lines=LINES, currency="USD")
    assert message in exc.value.errors["promotion_code"][0]
    assert exc.value.code == "promotion_invalid" and exc.value.status == 422


def test_restriction_discounts_only_eligible_lines(db_session):
    _promo(db_session, "PANELS", percent=50, kinds=["panel"])
    d = service.evaluate(db_session, "PANELS", lines=LINES, currency="USD")
    assert d.per_line == {"PANEL-1": 5001}


def test_paused_code_is_refused(db_session):
    promo = _promo(db_session, "PAUSEME")
    service.set_status(db_session, promo.code, "paused")
    with pytest.raises(PromotionInvalid):
        service.evaluate(db_session, "PAUSEME", lines=LINES, currency="USD")


def test_banner_passes_the_product_copy_check(db_session):
    with pytest.raises(ValidationError) as exc:
        _promo(db_session, "CURE", banner="Cures arthritis: 20% off this week!")
    assert "banner" in exc.value.errors
    ok = _promo(db_session, "SPRING", banner="Spring sale: 15% off every belt this week.")
    assert ok.banner and "Spring sale" in service.active_banners(db_session)[0]


def test_create_refuses_bad_input(db_session):
    with pytest.raises(ValidationError) as exc:
        service.create(db_session, "x", percent=150, amount=5, kinds=["toaster"])
    assert {"code", "discount", "kinds"} <= set(exc.value.errors)


def test_use_counts_when_paid_released_when_failed_and_per_email(shop, client, db_session, gateway,
                                                                 localstripe, webhook_secret):
    belt, = seed(db_session, product_record(price=19900, stock=9))
    _promo(db_session, "ONCE", percent=10, per_email_limit=1, usage_limit=3)
    db_session.commit()
    first = client.post("/api/v1/orders", json=order_body((belt.sku, 1), promotion_code="ONCE"))
    assert first.status_code == 201, first.get_json()
    # The same buyer cannot hold it twice; another buyer can.
    again = client.post("/api/v1/orders", json=order_body((belt.sku, 1), promotion_code="ONCE"))
    assert again.status_code == 422 and "already used" in again.get_json()["message"]
    other = client.post("/api/v1/orders", json=order_body((belt.sku, 1), promotion_code="ONCE",
                                                          email="other@example.com"))
    assert other.status_code == 201
    promo = db_session.scalar(select(Promotion).where(Promotion.code == "ONCE"))
    db_session.refresh(promo)
    assert (promo.held, promo.redeemed) == (2, 0)
    # A declined card releases the hold.
    declined = client.post(f"/api/v1/orders/{other.get_json()['order_id']}/payment",
                           json={"token": card_token(localstripe, "4000000000000002")})
    assert declined.get_json()["status"] == "failed"
    db_session.refresh(promo)
    assert (promo.held, promo.redeemed) == (1, 0)
    # Paying counts the use.
    order_id = first.get_json()["order_id"]
    client.post(f"/api/v1/orders/{order_id}/payment", json={"token": card_token(localstripe)})
    order = db_session.scalar(select(Order).where(Order.public_id == order_id))
    deliver(client, stripe_event(gateway, "payment_intent.succeeded", order.payment_intent_id),
            webhook_secret)
    db_session.refresh(promo)
    assert (promo.held, promo.redeemed) == (0, 1)
    rows = db_session.scalars(select(PromotionRedemption).where(
        PromotionRedemption.promotion_id == promo.id).order_by(PromotionRedemption.id)).all()
    assert [r.status.value for r in rows] == ["redeemed", "released"]


def test_late_payment_after_the_last_use_went_elsewhere_is_flagged_not_counted(
        shop, client, db_session, gateway, localstripe, webhook_secret):
    from storefront.orders import service as orders

    belt, = seed(db_session, product_record(price=19900, stock=9))
    _promo(db_session, "LAST", percent=10, usage_limit=1)
    db_session.commit()
    a = client.post("/api/v1/orders", json=order_body((belt.sku, 1), promotion_code="LAST")).get_json()
    order_a = db_session.scalar(select(Order).where(Order.public_id == a["order_id"]))
    client.post(f"/api/v1/orders/{a['order_id']}/payment", json={"token": card_token(localstripe)})
    # A's reservation runs out before its webhook arrives: the hold goes back ...
    orders.fail_released(db_session, order_a, OrderStatus.EXPIRED, reason="test")
    db_session.commit()
    # ... and B takes and pays the last use.
    b = client.post("/api/v1/orders", json=order_body((belt.sku, 1), promotion_code="LAST",
                                                      email="b@example.com"))
    assert b.status_code == 201
    promo = db_session.scalar(select(Promotion).where(Promotion.code == "LAST"))
    deliver(client, stripe_event(gateway, "payment_intent.succeeded", order_a.payment_intent_id),
            webhook_secret)
    db_session.expire_all()
    order_a = db_session.get(Order, order_a.id)
    promo = db_session.get(Promotion, promo.id)
    assert order_a.status == "paid" and "not counted" in order_a.attention
    assert promo.held + promo.redeemed <= promo.usage_limit


def test_cli_create_list_show_pause(cli_runner, db_session):
    res = cli_runner.invoke(args=["promotions", "create", "WINTER25", "--percent", "25",
                                  "--min-subtotal", "10000", "--starts", "2026-01-01",
                                  "--ends", "2030-01-01", "--limit", "100", "--per-email", "1",
                                  "--kinds", "belt,panel", "--skus", "A-1,B-2"])
    assert res.exit_code == 0, res.output
    assert "created promotion WINTER25: 25 % off" in res.output
    assert cli_runner.invoke(args=["promotions", "create", "FLAT", "--amount", "1500"]).exit_code == 0
    bad = cli_runner.invoke(args=["promotions", "create", "BOTH", "--amount", "1", "--percent", "5"])
    assert bad.exit_code == 1 and "either a percentage or a fixed amount" in bad.output
    listing = cli_runner.invoke(args=["promotions", "list"])
    assert "WINTER25" in listing.output and "FLAT" in listing.output
    shown = json.loads(cli_runner.invoke(args=["promotions", "show", "winter25"]).output)
    assert shown["kinds"] == ["belt", "panel"] and shown["skus"] == ["A-1", "B-2"]
    assert shown["limit"] == 100 and shown["per_email"] == 1 and shown["redemptions"] == []
    assert cli_runner.invoke(args=["promotions", "pause", "WINTER25"]).output.strip() == "WINTER25 is paused"
    assert json.loads(cli_runner.invoke(args=["promotions", "show", "WINTER25"]).output)["status"] == "paused"
    assert cli_runner.invoke(args=["promotions", "show", "NOPE"]).exit_code == 1
