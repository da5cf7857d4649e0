"""Stored values in people's words: the issue's own examples never reach a page raw."""

from __future__ import annotations

from storefront.staff.words import action_label, diff_rows, show_value, status_label


def test_quote_issue_entry_reads_as_money_in_the_quote_currency():
    rows = diff_rows(
        {"status": "in_review", "quoted_total": None, "quote_currency": None, "unit_prices": {"1": None}},
        {"status": "quoted", "quoted_total": 7780000, "quote_currency": "EUR", "unit_prices": {"1": 12000}})
    assert {"field": "Quoted total", "before": "—", "after": "€77,800.00"} in rows
    assert {"field": "Line 1 unit price", "before": "—", "after": "€120.00"} in rows
    assert {"field": "Status", "before": "In review", "after": "Sent to buyer"} in rows
    assert "7780000" not in str(rows)


def test_statuses_actions_and_values():
    assert status_label("order", "partially_refunded") == "Partly refunded"
    assert status_label("refund", "submitted") == "Sent — waiting for Stripe"
    assert status_label("order", "something_new") == "Something new"
    assert action_label("order.refund_requested") == "Asked for a refund"
    assert action_label("thing.did_stuff") == "Thing: did stuff"
    assert show_value("amount", 45800, "USD") == "$458.00"
    assert show_value("price", 1500, "JPY") == "¥1,500"
    assert show_value("wavelengths", [{"nm": 660, "share_pct": 50}], "USD") == "660 nm, 50 %"
    assert show_value("reason", None, "USD") == "—"
