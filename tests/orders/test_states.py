"""The order state machine refuses illegal and backwards moves; stock goes back exactly once."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from storefront.catalog.models import Product
from storefront.orders import service
from storefront.orders.models import Channel, Order, OrderEvent
from storefront.orders.states import TRANSITIONS, OrderStatus, can_transition
from tests.checkout.fixtures import seed
from tests.factories import product_record

S = OrderStatus


def _order(db_session, product, qty=1, public_id="ord-test-1"):
    spec = service.LineSpec(sku=product.sku, name=product.name, unit_price=product.price_amount,
                            quantity=qty, product_id=product.id, path="items.0.quantity")
    return service.create_order(db_session, public_id=public_id, lines=[spec], email="a@example.com",
                                currency="USD", total_amount=product.price_amount * qty,
                                channel=Channel.API)


def _stock(db_session, product):
    return db_session.scalar(select(Product.stock).where(Product.id == product.id))


def test_transition_table():
    assert can_transition(S.PENDING_PAYMENT, S.PAID)
    assert can_transition(S.PAID, S.REFUNDED) and can_transition(S.PAID, S.PARTIALLY_REFUNDED)
    for backwards in [(S.PAID, S.PENDING_PAYMENT), (S.REFUNDED, S.PAID), (S.FULFILLED, S.PAID),
                      (S.PAYMENT_FAILED, S.PENDING_PAYMENT), (S.PAID, S.PAYMENT_FAILED),
                      (S.PAID, S.EXPIRED), (S.REFUNDED, S.PARTIALLY_REFUNDED)]:
        assert not can_transition(*backwards), backwards
    assert not any(S.PENDING_PAYMENT in targets for targets in TRANSITIONS.values())
    assert TRANSITIONS[S.REFUNDED] == frozenset()


def test_create_reserves_and_failure_releases_once(db_session):
    p, = seed(db_session, product_record(stock=5))
    order = _order(db_session, p, 3)
    assert _stock(db_session, p) == 2 and order.status == S.PENDING_PAYMENT
    assert service.fail_released(db_session, order, S.PAYMENT_FAILED, reason="declined")
    assert _stock(db_session, p) == 5
    # Every later attempt to release again (or expire, or cancel) is refused.
    assert not service.fail_released(db_session, order, S.EXPIRED, reason="late expiry")
    assert service.release_stock(db_session, order) == 0
    assert _stock(db_session, p) == 5
    with pytest.raises(service.IllegalTransition):
        service.cancel(db_session, order)
    history = [(e.from_status, e.to_status) for e in db_session.scalars(
        select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id))]
    assert history == [(None, "pending_payment"), ("pending_payment", "payment_failed")]


def test_conditional_update_loses_to_a_concurrent_move(db_session):
    p, = seed(db_session, product_record(stock=5))
    order = _order(db_session, p)
    # Another process paid the order after we loaded it.
    db_session.execute(update(Order).where(Order.id == order.id).values(status=S.PAID)
                       .execution_options(synchronize_session=False))
    assert order.status == S.PENDING_PAYMENT  # our stale copy
    assert not service.fail_released(db_session, order, S.EXPIRED, reason="expiry")
    assert order.status == S.PAID  # refreshed, untouched
    assert _stock(db_session, p) == 4


def test_reservation_is_all_or_nothing(db_session):
    a, b = seed(db_session, product_record(stock=5), product_record(stock=1))
    specs = [service.LineSpec(sku=a.sku, name="a", unit_price=1, quantity=2, product_id=a.id),
             service.LineSpec(sku=b.sku, name="b", unit_price=1, quantity=2, product_id=b.id,
                              path="items[1].quantity")]
    with pytest.raises(service.OutOfStock) as err:
        with db_session.begin_nested():
            service.reserve_stock(db_session, specs)
    assert err.value.errors == {"items[1].quantity": ["Not enough stock left."]}
    assert (_stock(db_session, a), _stock(db_session, b)) == (5, 1)


def test_stock_check_constraint_is_the_backstop(db_session):
    p, = seed(db_session, product_record(stock=1))
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.execute(update(Product).where(Product.id == p.id).values(stock=Product.stock - 2))


def test_refund_total_cannot_exceed_payment(db_session):
    p, = seed(db_session, product_record(stock=1))
    order = _order(db_session, p)
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.execute(update(Order).where(Order.id == order.id)
                               .values(amount_paid=100, amount_refunded=101))


def test_staff_moves(db_session):
    p, = seed(db_session, product_record(stock=2))
    order = _order(db_session, p)
    with pytest.raises(service.IllegalTransition):
        service.fulfil(db_session, order)
    assert service.transition(db_session, order, S.PAID, reason="test")
    service.fulfil(db_session, order, actor="cli:test")
    assert order.status == S.FULFILLED and order.fulfilled_at is not None
    assert not service.transition(db_session, order, S.PENDING_PAYMENT)
