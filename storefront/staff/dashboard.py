"""The staff dashboard: what needs doing, in a fixed, small number of queries.

Each panel is one count and one short list. Products blocked by the gate cannot be found
by SQL alone (the verdict comes from the compliance rules, some milliseconds a product),
so verdicts are kept in ``product_gate_verdicts`` per product version (``updated_at``) and
compliance engine (``compliance.version.fingerprint()``: new rules or model, new verdicts):
``refresh_verdicts`` checks at most ``budget`` products whose verdict is missing or stale
on each load, so a page never stalls on a large catalogue, and ``blocked_products``
reads the fresh verdicts with one query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, delete, func, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from storefront.catalog.display import LOW_STOCK
from storefront.catalog.models import Product, Status
from storefront.compliance.version import fingerprint
from storefront.db import conflict_insert, utcnow
from storefront.mail.outbox import MailStatus, OutboxEmail
from storefront.orders.models import Order, OrderRefund, RefundStatus
from storefront.orders.states import OrderStatus
from storefront.quotes.models import Quote, QuoteStatus
from storefront.staff.models import GateVerdict

PANEL_ROWS = 8
PENDING_REFUNDS = (RefundStatus.REQUESTED, RefundStatus.SUBMITTED)
# Products checked against the gate per page load at most (about 8 ms each).
GATE_BUDGET = 150

def _fresh():
    """Join condition: the verdict is for this product version and this compliance engine."""
    return and_(GateVerdict.product_id == Product.id,
                GateVerdict.checked_for == Product.updated_at,
                GateVerdict.engine == fingerprint())


def _stale() -> Select:
    return (select(Product.id).outerjoin(GateVerdict, _fresh())
            .where(Product.status != Status.ARCHIVED, GateVerdict.product_id.is_(None)))


def refresh_verdicts(session: Session, budget: int = GATE_BUDGET) -> int:
    """Check up to ``budget`` products with no fresh verdict; returns how many are left unchecked.

    Flushes only; the caller commits (a concurrent refresh of the same product is harmless:
    the write is an upsert of the same verdict).
    """
    from storefront.staff.products import review

    ids = list(session.scalars(_stale().order_by(Product.id).limit(budget)))
    if ids:
        products = session.scalars(select(Product).where(Product.id.in_(ids))
                                   .options(selectinload(Product.bands), selectinload(Product.tiers)))
        engine = fingerprint()
        rows = [{"product_id": p.id, "checked_for": p.updated_at, "engine": engine,
                 "blocked": review(p).blocking, "checked_at": utcnow()} for p in products]
        _upsert(session, rows)
    if len(ids) < budget:
        return 0
    return session.scalar(select(func.count()).select_from(_stale().subquery())) or 0


def _upsert(session: Session, rows: list[dict]) -> None:
    insert = conflict_insert(session, GateVerdict)
    if insert is not None:
        stmt = insert.values(rows)
        session.execute(stmt.on_conflict_do_update(index_elements=["product_id"], set_={
            "checked_for": stmt.excluded.checked_for, "engine": stmt.excluded.engine,
            "blocked": stmt.excluded.blocked,
            "checked_at": stmt.excluded.checked_at}))
    else:  # pragma: no cover - other databases
        session.execute(delete(GateVerdict).where(GateVerdict.product_id.in_([r["product_id"] for r in rows])))
        session.execute(GateVerdict.__table__.insert(), rows)


def blocked_clause(blocked: bool = True):
    """A WHERE clause for products whose fresh verdict is (or is not) "blocked"."""
    return Product.id.in_(select(GateVerdict.product_id).join(Product, _fresh())
                          .where(GateVerdict.blocked.is_(blocked)))


def blocked_products(session: Session, limit: int = PANEL_ROWS) -> tuple[int, list[Product]]:
    """How many draft / published products the gate blocks, and the first of them by SKU."""
    stmt = select(Product).where(Product.status != Status.ARCHIVED, blocked_clause())
    count = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return count, list(session.scalars(stmt.order_by(Product.sku).limit(limit)))


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
    unchecked: int = 0  # products the gate has not judged yet (beyond this load's budget)


def build(session: Session, *, unchecked: int = 0) -> Dashboard:
    """Counts and the first rows of each panel (run ``refresh_verdicts`` and commit first)."""
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
    blocked = Panel(*blocked_products(session))
    low_q = select(Product).where(Product.status == Status.PUBLISHED, Product.stock <= LOW_STOCK)
    low = Panel(
        session.scalar(select(func.count()).select_from(low_q.subquery())) or 0,
        list(session.scalars(low_q.order_by(Product.stock, Product.sku).limit(PANEL_ROWS))))
    attention = session.scalar(select(func.count(Order.id)).where(Order.attention.is_not(None))) or 0
    dead = session.scalar(select(func.count(OutboxEmail.id))
                          .where(OutboxEmail.status == MailStatus.DEAD)) or 0
    return Dashboard(to_fulfil, refunds, quotes, blocked, low, attention, dead, unchecked)
