"""Bulk writes pause the search triggers and index the touched products once (migration 0050)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storefront.catalog.search import SEARCH_TABLE, SQLITE_DOCUMENT_COLUMNS

CHUNK = 900  # below SQLite's default limit of bound parameters per statement


@contextmanager
def bulk_indexing(session: Session) -> Iterator[set[int]]:
    """Within the session's transaction, suspend per-row indexing; index the yielded ids at the end.

    The pause is transaction-local (an uncommitted row on SQLite, ``SET LOCAL`` on
    PostgreSQL), so other connections keep indexing their own writes. If the block raises,
    the caller's rollback discards the pause together with everything else.
    """
    touched: set[int] = set()
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(sa.text("SET LOCAL storefront.search_paused = 'on'"))
    else:
        session.execute(sa.text(f"INSERT INTO {SEARCH_TABLE}_pause (id) VALUES (1)"))
    yield touched
    if postgres:
        session.execute(sa.text("SET LOCAL storefront.search_paused = 'off'"))
    else:
        session.execute(sa.text(f"DELETE FROM {SEARCH_TABLE}_pause"))
    reindex(session, touched)


def reindex(session: Session, product_ids: set[int]) -> None:
    """Rebuild the search documents of ``product_ids`` (deleted products drop out)."""
    ids = sorted(product_ids)
    postgres = session.get_bind().dialect.name == "postgresql"
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        if postgres:
            session.execute(sa.text("SELECT product_search_refresh(id) FROM products "
                                    "WHERE id = ANY(:ids)"), {"ids": chunk})
            continue
        params = {f"i{n}": pid for n, pid in enumerate(chunk)}
        in_list = ", ".join(f":i{n}" for n in range(len(chunk)))
        session.execute(sa.text(f"DELETE FROM {SEARCH_TABLE} WHERE rowid IN ({in_list})"), params)
        session.execute(sa.text(f"INSERT INTO {SEARCH_TABLE}(rowid, name, blurb, body, specs) "
                                f"SELECT {SQLITE_DOCUMENT_COLUMNS} FROM products p "
                                f"WHERE p.id IN ({in_list})"), params)
