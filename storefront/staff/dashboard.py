"""The staff dashboard: what needs doing, in a fixed, small number of queries.

Each panel is one count and one short list. Products blocked by the gate cannot be found
by SQL (the verdict comes from the compliance rules), so ``gate_verdicts`` loads the
non-archived products with what the gate reads in three queries and remembers each
verdict per (product id, updated_at) in this process; every editing path touches
``updated_at``, so a verdict is never reused for changed copy or facts.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from storefront.catalog.display import LOW_STOCK
from storefront.catalog.models import Product, Status
from storefront.mail.outbox import MailStatus, OutboxEmail
from storefront.orders.models import Order, OrderRefund, RefundStatus
from storefront.orders.states import OrderStatus
from storefront.quotes.models import Quote, QuoteStatus

PANEL_ROWS = 8
PENDING_REFUNDS = (RefundStatus.REQUESTED, RefundStatus.SUBMITTED)


class _VerdictCache:
    """(product id, updated_at) -> blocking, bounded, shared by the threads of a process."""

    def __init__(self, size: int = 20_000):
        self.size = size
        self._data: OrderedDict[tuple[int, datetime | None], bool] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            return self._data.get(key)

    def put(self, key, value: bool) -> None:
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


verdicts = _VerdictCache()


def gate_verdicts(session: Session) -> list[tuple[Product, bool]]:
    """Every draft and published product with whether the gate blocks it (3 queries)."""
    from storefront.staff.products import review

    rows = session.scalars(select(Product).where(Product.status != Status.ARCHIVED)
                           .options(selectinload(Product.bands), selectinload(Product.tiers))
                           .order_by(Product.sku))
    out = []
    for product in rows:
        key = (product.id, product.updated_at)
        blocked = verdicts.get(key)
        if blocked is None:
            blocked = review(product).blocking
            verdicts.put(key, blocked)
        out.append((product, blocked))
    return out


def blocked_product_ids(session: Session) -> list[int]:
    """Ids of the non-archived products the publication gate blocks."""
    return [p.id for p, blocked in gate_verdicts(session) if blocked]


@dataclass
class Panel:
    count: int = 0
    rows: list[Any] = field(default_factory=list)


@dataclass
class Dashboard:
    to_fulfil: Panel
    refunds_pending: Panel
    new_quotes: Panel
    blocked: Panel
    low_stock: Panel
    attention: int = 0
    dead_mail: int = 0


def build(session: Session) -> Dashboard:
    """Counts and the first rows of each panel."""
    to_fulfil = Panel(
        session.scalar(select(func.count(Order.id)).where(Order.status == OrderStatus.PAID)) or 0,
        list(session.scalars(select(Order).where(Order.status == OrderStatus.PAID)
                             .order_by(Order.paid_at, Order.id).limit(PANEL_ROWS))))
    pending = (select(OrderRefund).join(OrderRefund.order)
               .where(OrderRefund.status.in_(PENDING_REFUNDS)))
    refunds = Panel(
        session.scalar(select(func.count(OrderRefund.id))
                       .where(OrderRefund.status.in_(PENDING_REFUNDS))) or 0,
        list(session.scalars(pending.options(contains_eager(OrderRefund.order))
                             .order_by(OrderRefund.created_at, OrderRefund.id).limit(PANEL_ROWS))))
    quotes = Panel(
        session.scalar(select(func.count(Quote.id)).where(Quote.status == QuoteStatus.NEW)) or 0,
        list(session.scalars(select(Quote).where(Quote.status == QuoteStatus.NEW)
                             .order_by(Quote.created_at, Quote.id).limit(PANEL_ROWS))))
    blocked_all = [p for p, blocked in gate_verdicts(session) if blocked]
    blocked = Panel(len(blocked_all), blocked_all[:PANEL_ROWS])
    low_q = select(Product).where(Product.status == Status.PUBLISHED, Product.stock <= LOW_STOCK)
    low = Panel(
        session.scalar(select(func.count()).select_from(low_q.subquery())) or 0,
        list(session.scalars(low_q.order_by(Product.stock, Product.sku).limit(PANEL_ROWS))))
    attention = session.scalar(select(func.count(Order.id)).where(Order.attention.is_not(None))) or 0
    dead = session.scalar(select(func.count(OutboxEmail.id))
                          .where(OutboxEmail.status == MailStatus.DEAD)) or 0
    return Dashboard(to_fulfil, refunds, quotes, blocked, low, attention, dead)
