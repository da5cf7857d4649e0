"""Staff and buyer moves: every change is an event with who and when; illegal moves are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storefront.errors import ValidationError
from storefront.quotes import workflow
from storefront.quotes.models import PaymentOption, QuoteStatus
from storefront.quotes.pricing import MAX_ONLINE_AMOUNT
from tests.quotes.conftest import make_quote

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STAFF = "staff:alice@example.com"


def _issue(session, quote, *, now=NOW, days=30, deposit_pct=None, prices=None):
    return workflow.issue_quote(session, quote, actor=STAFF, unit_prices=prices or {1: 12000, 2: 4500},
                                valid_until=now + timedelta(days=days), deposit_pct=deposit_pct,
                                lead_times={1: 40}, terms="EXW Shenzhen", now=now)


def test_full_happy_path_records_every_change(db_session, catalogue):
    quote = make_quote(db_session)
    workflow.start_review(db_session, quote, actor=STAFF, now=NOW)
    issued = _issue(db_session, quote, deposit_pct=30)
    assert quote.status == QuoteStatus.QUOTED
    assert quote.quoted_total == 500 * 12000 + 1000 * 4500
    assert quote.lines[0].quoted_unit_price == 12000 and quote.lines[0].lead_time_days == 40
    assert quote.accept_token_hash == workflow.hash_token(issued.token)
    assert issued.token not in (quote.accept_token_hash or "")
    assert workflow.find_by_token(db_session, issued.token).id == quote.id

    later = NOW + timedelta(days=3)
    workflow.accept(db_session, quote, payment_option="deposit", actor="buyer:ana@example.com", now=later)
    assert quote.status == QuoteStatus.ACCEPTED and quote.accepted_at == later
    assert quote.payment_option == PaymentOption.DEPOSIT
    assert quote.amount_due == quote.quoted_total * 30 // 100

    history = [(e.action, e.from_status, e.to_status, e.actor, e.at) for e in quote.events]
    assert history == [
        ("requested", None, QuoteStatus.NEW, "buyer:ana@example.com", history[0][4]),
        ("reviewed", QuoteStatus.NEW, QuoteStatus.IN_REVIEW, STAFF, NOW),
        ("quoted", QuoteStatus.IN_REVIEW, QuoteStatus.QUOTED, STAFF, NOW),
        ("accepted", QuoteStatus.QUOTED, QuoteStatus.ACCEPTED, "buyer:ana@example.com", later),
    ]
    assert quote.events[2].detail["total"] == quote.quoted_total


def test_illegal_moves_are_refused(db_session, catalogue):
    quote = make_quote(db_session)
    with pytest.raises(workflow.QuoteStateError):
        workflow.accept(db_session, quote, payment_option="full", actor="buyer:x", now=NOW)
    with pytest.raises(workflow.QuoteStateError):
        workflow.expire(db_session, quote, now=NOW)
    workflow.decline(db_session, quote, actor=STAFF, reason="Out of scope", staff_email="s@example.com", now=NOW)
    for move in (lambda: workflow.start_review(db_session, quote, actor=STAFF, now=NOW),
                 lambda: _issue(db_session, quote),
                 lambda: workflow.decline(db_session, quote, actor=STAFF, staff_email="s@example.com")):
        with pytest.raises(workflow.QuoteStateError):
            move()
    assert quote.status == QuoteStatus.DECLINED
    assert [e.action for e in quote.events] == ["requested", "declined"]


def test_issue_needs_every_line_priced_and_a_future_validity(db_session, catalogue):
    quote = make_quote(db_session)
    with pytest.raises(ValidationError) as exc:
        workflow.issue_quote(db_session, quote, actor=STAFF, unit_prices={1: 100}, now=NOW,
                             valid_until=NOW - timedelta(seconds=1))
    assert exc.value.errors["lines[1].unit_price"] == ["needs a unit price"]
    assert exc.value.errors["valid_until"] == ["must be in the future"]
    with pytest.raises(ValidationError) as exc:
        workflow.issue_quote(db_session, quote, actor=STAFF, unit_prices={1: 1, 2: 1, 3: 1}, now=NOW,
                             valid_until=NOW + timedelta(days=1), deposit_pct=100, currency="XYZ")
    assert set(exc.value.errors) == {"lines", "deposit_pct", "currency"}  # line 3 does not exist
    assert quote.status == QuoteStatus.NEW


def test_requote_replaces_the_accept_link(db_session, catalogue):
    quote = make_quote(db_session)
    first = _issue(db_session, quote)
    second = _issue(db_session, quote, prices={1: 11000})
    assert workflow.find_by_token(db_session, first.token) is None
    assert workflow.find_by_token(db_session, second.token).id == quote.id
    assert quote.lines[0].quoted_unit_price == 11000 and quote.lines[1].quoted_unit_price == 4500
    assert [e.action for e in quote.events][-2:] == ["quoted", "requoted"]


def test_accept_after_expiry_is_refused_and_expiry_job(db_session, catalogue):
    quote = make_quote(db_session)
    _issue(db_session, quote, days=10)
    after = NOW + timedelta(days=10, seconds=1)
    assert not workflow.is_live(quote, after)
    with pytest.raises(workflow.QuoteExpired):
        workflow.accept(db_session, quote, payment_option="full", actor="buyer:x", now=after)
    assert quote.status == QuoteStatus.QUOTED

    other = make_quote(db_session)
    _issue(db_session, other, days=20)
    assert workflow.expire_due(db_session, now=after) == [quote.reference]
    assert quote.status == QuoteStatus.EXPIRED and quote.closed_at == after
    assert other.status == QuoteStatus.QUOTED
    assert quote.events[-1].actor == "system:expiry" and quote.events[-1].to_status == QuoteStatus.EXPIRED
    assert workflow.expire_due(db_session, now=after) == []


def test_accept_right_at_the_deadline_loses(db_session, catalogue):
    quote = make_quote(db_session)
    _issue(db_session, quote, days=1)
    with pytest.raises(workflow.QuoteExpired):
        workflow.accept(db_session, quote, payment_option="full", actor="buyer:x", now=quote.valid_until)


def test_payment_options(db_session, catalogue):
    quote = make_quote(db_session)
    _issue(db_session, quote, deposit_pct=33, prices={1: 1, 2: 1})  # total 1500 minor units
    assert workflow.payment_options(quote) == {PaymentOption.FULL: 1500, PaymentOption.DEPOSIT: 495}
    with pytest.raises(ValidationError):
        workflow.accept(db_session, quote, payment_option="half", actor="buyer:x", now=NOW)
    with pytest.raises(ValidationError):
        workflow.accept(db_session, quote, payment_option=None, actor="buyer:x", now=NOW)


def test_deposit_rounds_up(db_session, catalogue):
    quote = make_quote(db_session, lines=[{"sku": "PANEL-5W-300", "quantity": 1}])
    _issue(db_session, quote, deposit_pct=30, prices={1: 1001})
    assert workflow.payment_options(quote)[PaymentOption.DEPOSIT] == 301  # 300.3 rounds up


def test_amount_beyond_card_limit_is_settled_by_transfer(db_session, catalogue):
    quote = make_quote(db_session, lines=[{"sku": "PANEL-5W-300", "quantity": 100_000}])
    _issue(db_session, quote, prices={1: 12000}, deposit_pct=50)
    assert quote.quoted_total > MAX_ONLINE_AMOUNT
    assert workflow.payment_options(quote) == {}
    workflow.accept(db_session, quote, payment_option=None, actor="buyer:x", now=NOW)
    assert quote.status == QuoteStatus.ACCEPTED and quote.amount_due is None


def test_buyer_may_only_decline_a_live_quote(db_session, catalogue):
    quote = make_quote(db_session)
    with pytest.raises(workflow.QuoteStateError):
        workflow.decline(db_session, quote, actor="buyer:x", by_buyer=True, staff_email="s@example.com")
    _issue(db_session, quote)
    workflow.decline(db_session, quote, actor="buyer:ana@example.com", reason="Too dear", by_buyer=True,
                     staff_email="s@example.com", now=NOW)
    assert quote.status == QuoteStatus.DECLINED
    assert quote.events[-1].detail == {"reason": "Too dear", "by_buyer": True}


def test_messages_keep_a_history(db_session, catalogue):
    quote = make_quote(db_session)
    workflow.add_message(db_session, quote, author=STAFF, body="Which plug type?", now=NOW)
    workflow.add_message(db_session, quote, author="buyer:ana@example.com", body="EU plugs\r\nplease",
                         from_buyer=True, staff_email="s@example.com", now=NOW)
    workflow.add_message(db_session, quote, author=STAFF, body="margin is thin", internal=True, now=NOW)
    assert [(m.author, m.from_buyer, m.internal, m.body) for m in quote.messages] == [
        (STAFF, False, False, "Which plug type?"),
        ("buyer:ana@example.com", True, False, "EU plugs\nplease"),
        (STAFF, False, True, "margin is thin"),
    ]
    assert [e.action for e in quote.events][-3:] == ["message", "message", "note"]
    with pytest.raises(ValidationError):
        workflow.add_message(db_session, quote, author=STAFF, body="   ")


def test_find_by_token_rejects_junk(db_session, catalogue):
    assert workflow.find_by_token(db_session, "") is None
    assert workflow.find_by_token(db_session, "x" * 500) is None
    assert workflow.find_by_token(db_session, "not-a-token") is None
