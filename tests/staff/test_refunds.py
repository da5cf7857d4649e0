"""Staff refunds by line with a confirmation step, finished by "Refresh from Stripe" (localstripe).

localstripe never sends ``charge.refunded``, so without the refresh a refund would stay
"sent" forever: these tests never deliver a refund webhook.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from storefront.orders import refund_lines
from storefront.orders.models import Order
from storefront.staff.models import AuditLog, Role
from tests.staff.conftest import add_staff, login
from tests.staff.test_orders import paid_order  # noqa: F401 - the fixture


def _order(db_session, public_id) -> Order:
    db_session.expire_all()
    return db_session.scalar(select(Order).where(Order.public_id == public_id))


def _actions(db_session, order):
    return [e.action for e in db_session.scalars(select(AuditLog).where(
        AuditLog.object_type == "order", AuditLog.object_id == order.public_id).order_by(AuditLog.id))]


def test_units_are_priced_so_partial_refunds_add_up_to_what_was_paid():
    line = SimpleNamespace(id=1, quantity=3, line_total=1000, discount_amount=0, tax_amount=0,
                           position=0, sku="X", name="x")
    order = SimpleNamespace(lines=[line], refunds=[], tax_included=False)
    parts = [refund_lines.unit_refund(order, line, 1, already) for already in range(3)]
    assert parts == [333, 333, 334] and sum(parts) == 1000
    assert refund_lines.unit_refund(order, line, 3, 0) == 1000


def test_choose_units_confirm_then_refresh_from_stripe(client, db_session, paid_order):  # noqa: F811
    sales = add_staff(db_session, Role.SALES)
    login(client, sales)
    order_id = paid_order.public_id
    line = paid_order.lines[0]  # 2 units
    one_unit = refund_lines.charged_for_line(paid_order, line) // 2

    review = client.post(f"/staff/orders/{order_id}/refund/review",
                         data={f"qty-{line.id}": "1", "reason": "one arrived broken"})
    html = review.get_data(as_text=True)
    assert review.status_code == 200
    assert f'id="confirm-amount">${one_unit // 100:,}.{one_unit % 100:02d}<' in html
    assert f'name="expected" value="{one_unit}"' in html
    assert _order(db_session, order_id).refunds == []  # nothing sent before confirming

    done = client.post(f"/staff/orders/{order_id}/refund",
                       data={f"qty-{line.id}": "1", "reason": "one arrived broken",
                             "expected": str(one_unit)})
    assert done.status_code == 303, done.get_data(as_text=True)
    order = _order(db_session, order_id)
    (refund,) = order.refunds
    assert (refund.amount, refund.status.value) == (one_unit, "submitted")
    assert refund.lines == [{"line_id": line.id, "sku": line.sku, "name": line.name,
                             "quantity": 1, "amount": one_unit}]
    assert order.status == "paid" and order.amount_refunded == 0  # no webhook comes

    refreshed = client.post(f"/staff/orders/{order_id}/refresh")
    assert refreshed.status_code == 303
    order = _order(db_session, order_id)
    assert order.status == "partially_refunded" and order.amount_refunded == one_unit
    assert order.refunds[0].status.value == "succeeded"
    page = client.get(f"/staff/orders/{order_id}").get_data(as_text=True)
    assert "Partly refunded" in page and "1 refund confirmed" in page
    assert f"refund of {one_unit}" not in page  # money in people's words in the history

    # The rest: the one unit left (offered once only) and shipping.
    again = client.post(f"/staff/orders/{order_id}/refund/review", data={f"qty-{line.id}": "2"})
    assert again.status_code == 422 and "Between 0 and 1" in again.get_data(as_text=True)
    rest = order.amount_paid - one_unit
    ship = "1" if refund_lines.shipping_charged(order) else ""
    done = client.post(f"/staff/orders/{order_id}/refund",
                       data={f"qty-{line.id}": "1", "shipping": ship, "expected": str(rest)})
    assert done.status_code == 303, done.get_data(as_text=True)
    assert client.post(f"/staff/orders/{order_id}/refresh").status_code == 303
    order = _order(db_session, order_id)
    assert order.status == "refunded" and order.amount_refunded == order.amount_paid
    assert [r.status.value for r in order.refunds] == ["succeeded", "succeeded"]
    assert 'id="refund-form"' not in client.get(f"/staff/orders/{order_id}").get_data(as_text=True)
    assert _actions(db_session, order) == [
        "order.refund_requested", "order.refund_submitted", "order.refresh",
        "order.refund_requested", "order.refund_submitted", "order.refresh"]


def test_a_changed_amount_is_not_refunded_without_a_new_confirmation(client, db_session, paid_order):  # noqa: F811
    login(client, add_staff(db_session, Role.SALES))
    line = paid_order.lines[0]
    stale = client.post(f"/staff/orders/{paid_order.public_id}/refund",
                        data={f"qty-{line.id}": "2", "expected": "1"})
    assert stale.status_code == 422 and "confirm again" in stale.get_data(as_text=True)
    too_much = client.post(f"/staff/orders/{paid_order.public_id}/refund/review",
                           data={"amount": "100000"})
    assert too_much.status_code == 422
    assert _order(db_session, paid_order.public_id).refunds == []


@pytest.mark.parametrize("role", [Role.CATALOG_EDITOR])
def test_only_order_staff_may_refresh(client, db_session, paid_order, role):  # noqa: F811
    login(client, add_staff(db_session, role))
    assert client.post(f"/staff/orders/{paid_order.public_id}/refresh").status_code == 403


def test_a_refund_that_never_reached_stripe_is_sent_again_then_confirmed(client, db_session, paid_order):  # noqa: F811
    from storefront.orders.models import OrderRefund, RefundStatus

    login(client, add_staff(db_session, Role.SALES))
    order_id = paid_order.public_id
    # The write-ahead row a crash (or an unreachable Stripe) leaves behind.
    db_session.add(OrderRefund(order_id=paid_order.id, amount=1000, currency="USD",
                               status=RefundStatus.REQUESTED, requested_by="staff:x"))
    db_session.commit()
    page = client.get(f"/staff/orders/{order_id}").get_data(as_text=True)
    assert 'id="resume-refund"' in page and "Not sent to Stripe yet" in page
    blocked = client.post(f"/staff/orders/{order_id}/refund", data={"amount": "5.00"})
    assert blocked.status_code == 409  # one waiting refund at a time
    assert client.post(f"/staff/orders/{order_id}/refund/resume").status_code == 303
    order = _order(db_session, order_id)
    assert order.refunds[0].status.value == "submitted" and order.refunds[0].stripe_refund_id
    assert client.post(f"/staff/orders/{order_id}/refresh").status_code == 303
    order = _order(db_session, order_id)
    assert order.refunds[0].status.value == "succeeded"
    assert (order.status.value, order.amount_refunded) == ("partially_refunded", 1000)
    assert _actions(db_session, order)[:2] == ["order.refund_resumed", "order.refund_submitted"]
