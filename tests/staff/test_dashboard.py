"""The staff dashboard: what needs doing, in a fixed number of queries however much there is."""

from __future__ import annotations

import itertools
import re

from storefront.orders.models import Order, OrderRefund, RefundStatus
from storefront.orders.states import OrderStatus
from storefront.quotes.models import Quote
from storefront.staff.models import Role
from tests.factories import create_products, product_record
from tests.quotes.conftest import contract_request, panel_record
from tests.staff.conftest import add_staff, login

BLOCKED_HEADLINE = "Cures fibromyalgia with no side effects"
_n = itertools.count(1)


def _work(db_session, n: int) -> None:
    """``n`` of everything the dashboard counts."""
    create_products(db_session, *[product_record(status="draft", copy={
        "headline": BLOCKED_HEADLINE, "summary": "120 LEDs at 660 nm.", "body": "Relax."})
        for _ in range(n)])
    create_products(db_session, *[product_record(stock=2) for _ in range(n)])
    for _ in range(n):
        k = next(_n)
        order = Order(public_id=f"dash-{k:06d}", email=f"b{k}@example.com", currency="USD",
                      subtotal_amount=10000, total_amount=10000, amount_paid=10000,
                      status=OrderStatus.PAID)
        db_session.add(order)
        db_session.flush()
        db_session.add(OrderRefund(order_id=order.id, amount=2500, currency="USD",
                                   status=RefundStatus.SUBMITTED))
        body = contract_request()
        db_session.add(Quote(reference=f"Q-2026-{k:06d}", company=f"Co {k}", contact_name="A",
                             email=body["email"], country="DE", buyer_type="brand"))
    db_session.commit()


def _tile(html: str, name: str) -> int:
    return int(re.search(rf'id="tile-{name}".*?class="count">(\d+)<', html, re.S).group(1))


def test_dashboard_counts_and_lists_what_needs_doing(client, db_session):
    create_products(db_session, panel_record())
    _work(db_session, 3)
    login(client, add_staff(db_session, Role.ADMIN))
    html = client.get("/staff/").get_data(as_text=True)
    assert _tile(html, "to-fulfil") == 3
    assert _tile(html, "refunds") == 3
    assert _tile(html, "quotes") == 3
    assert _tile(html, "blocked") == 3
    assert _tile(html, "low-stock") == 3
    assert "$25.00" in html and "Sent — waiting for Stripe" in html  # money and states in words
    # The tiles lead to the filtered lists, which agree.
    blocked = client.get("/staff/products?gate=blocked").get_data(as_text=True)
    assert "3 products blocked by the gate" in blocked
    assert blocked.count('<tr class="blocked"') == 3 and '<tr class="ok"' not in blocked
    passing = client.get("/staff/products?gate=ok").get_data(as_text=True)
    assert '<tr class="blocked"' not in passing
    low = client.get("/staff/products?status=published&stock=low").get_data(as_text=True)
    assert low.count("data-sku=") == 3
    waiting = client.get("/staff/orders?refund=pending").get_data(as_text=True)
    assert waiting.count("data-order=") == 3


def test_dashboard_queries_do_not_grow_with_the_data(client, db_session, query_counter):
    login(client, add_staff(db_session, Role.ADMIN))
    _work(db_session, 2)
    client.get("/staff/")  # warm: the gate verdicts are computed once per product version
    with query_counter() as few:
        assert client.get("/staff/").status_code == 200
    _work(db_session, 12)
    client.get("/staff/")
    with query_counter() as many:
        assert client.get("/staff/").status_code == 200
    assert len(many) == len(few), "\n".join(s[:90] for s in many)
    print(f"dashboard queries: {len(few)} with 2 of each, {len(many)} with 14 of each")
    assert len(many) <= 18, many


def test_catalogue_editors_see_the_catalogue_panels_not_orders(client, db_session):
    login(client, add_staff(db_session, Role.CATALOG_EDITOR))
    html = client.get("/staff/").get_data(as_text=True)
    assert 'id="tile-blocked"' in html and 'id="tile-to-fulfil"' not in html
    assert 'id="tile-quotes"' not in html and ">Orders<" not in html
    assert 'aria-current="page">Dashboard<' in html


def test_gate_verdicts_are_kept_per_product_version_and_checked_within_a_budget(client, db_session):
    from sqlalchemy import select

    from storefront.catalog.models import Product
    from storefront.staff import dashboard
    from storefront.staff.models import GateVerdict

    products = create_products(db_session, *[product_record(status="draft", copy={
        "headline": BLOCKED_HEADLINE, "summary": "120 LEDs at 660 nm.", "body": "Relax."})
        for _ in range(5)])
    db_session.commit()
    assert dashboard.refresh_verdicts(db_session, budget=2) == 3  # three left for later loads
    assert dashboard.refresh_verdicts(db_session, budget=10) == 0
    assert dashboard.blocked_products(db_session)[0] == 5
    # Fixing one product's copy makes its verdict stale; the next refresh re-checks only it.
    fixed = db_session.get(Product, products[0].id)
    fixed.headline = "A red light wrap for your evening routine"
    db_session.commit()
    assert list(db_session.scalars(dashboard._stale())) == [fixed.id]
    dashboard.refresh_verdicts(db_session)
    assert dashboard.blocked_products(db_session)[0] == 4
    assert db_session.scalar(select(GateVerdict.blocked).where(GateVerdict.product_id == fixed.id)) is False
    login(client, add_staff(db_session, Role.ADMIN))
    ok = client.get("/staff/products?gate=ok").get_data(as_text=True)
    assert f'data-sku="{fixed.sku}"' in ok


def test_gate_verdicts_go_stale_when_the_compliance_engine_changes(db_session, monkeypatch):
    """New rules, vocabulary or a retrained model give a new engine fingerprint: every kept
    verdict is checked again instead of being trusted."""
    from storefront.compliance.version import fingerprint
    from storefront.staff import dashboard

    create_products(db_session, *[product_record(status="draft", copy={
        "headline": BLOCKED_HEADLINE, "summary": "120 LEDs at 660 nm.", "body": "Relax."})
        for _ in range(3)])
    db_session.commit()
    assert dashboard.refresh_verdicts(db_session) == 0
    assert list(db_session.scalars(dashboard._stale())) == []
    assert dashboard.blocked_products(db_session)[0] == 3
    monkeypatch.setattr(dashboard, "fingerprint", lambda: "0123456789abcdef")
    assert len(list(db_session.scalars(dashboard._stale()))) == 3
    assert dashboard.blocked_products(db_session)[0] == 0  # nothing fresh to trust yet
    assert dashboard.refresh_verdicts(db_session) == 0
    assert dashboard.blocked_products(db_session)[0] == 3
    assert len(fingerprint()) == 16


def test_engine_fingerprint_follows_extra_rules_files(tmp_path, monkeypatch):
    from storefront.compliance.rules import ENV_VAR
    from storefront.compliance.version import fingerprint

    base = fingerprint()
    extra = tmp_path / "extra.toml"
    extra.write_text("[terms_extend]\n")
    monkeypatch.setenv(ENV_VAR, str(extra))
    first = fingerprint()
    extra.write_text("[terms_extend]\n# edited\n")
    assert len({base, first, fingerprint()}) == 3
