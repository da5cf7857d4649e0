"""PaymentIntent records kept outside the business transaction (see ``PaymentIntentRecord``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storefront.payments.models import PaymentIntentRecord

T = PaymentIntentRecord.__table__


@contextmanager
def _autonomous(session: Session) -> Iterator[Connection]:
    """A short transaction of its own, committed whatever happens to the session's work."""
    bind = session.get_bind(mapper=PaymentIntentRecord)
    if isinstance(bind, Connection):
        # The session is joined to a caller's connection (tests): a savepoint is all we can do.
        with bind.begin_nested():
            yield bind
    else:
        with bind.begin() as conn:
            yield conn


def find(session: Session, request_key: str) -> dict | None:
    """The recorded intent for a request key, as a plain row mapping."""
    with _autonomous(session) as conn:
        row = conn.execute(select(T).where(T.c.request_key == request_key)).mappings().first()
    return dict(row) if row else None


def save(session: Session, *, request_key: str, order_ref: str, intent_id: str, attempt: int,
         amount: int, currency: str) -> dict:
    """Record (or, for a new attempt, replace) the intent of a request; returns the stored row.

    When a concurrent request recorded one first, its row wins and is returned.
    """
    values = {"order_ref": order_ref, "intent_id": intent_id, "attempt": attempt,
              "amount": amount, "currency": currency.upper()}
    try:
        with _autonomous(session) as conn:
            if attempt > 1:
                res = conn.execute(update(T).where(T.c.request_key == request_key,
                                                   T.c.attempt == attempt - 1).values(**values))
                if res.rowcount == 1:
                    return {"request_key": request_key, **values}
            conn.execute(insert(T).values(request_key=request_key, **values))
        return {"request_key": request_key, **values}
    except IntegrityError:
        pass
    existing = find(session, request_key)
    assert existing is not None
    return existing
