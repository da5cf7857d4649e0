"""SQLite connection settings: real transactions, foreign keys, WAL for concurrent readers."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

_WRITE_INTENT: ContextVar[bool] = ContextVar("sqlite_write_intent", default=False)


def enable_sqlite_pragmas(engine: Engine) -> None:
    """Turn on foreign keys and WAL, and let SQLAlchemy own BEGIN so SAVEPOINTs work."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # pysqlite's own transaction handling breaks SAVEPOINT; take over (SQLAlchemy docs,
        # "Serializable isolation / Savepoints / Transactional DDL").
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A deferred transaction that reads and then writes fails at once with "database is
        # locked" when another process committed in between (WAL snapshots cannot be
        # upgraded, and the busy timeout does not apply). Requests that change state take
        # the write lock up front instead, so they queue on the busy timeout; reads stay
        # deferred and never block.
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            # Each statement its own transaction (the page cache's freshness check keeps its
            # connection open: a BEGIN here would pin it to one snapshot for good).
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _WRITE_INTENT.get() or _writing_request()
                             else "BEGIN")


@contextmanager
def write_intent() -> Iterator[None]:
    """SQLite transactions begun inside take the write lock up front, as writing requests do.

    For work outside a request that reads and then writes (seed loads, jobs, commands):
    without it, a commit by another connection between the read and the first write makes
    that write fail at once with "database is locked". Other databases ignore it.
    """
    token = _WRITE_INTENT.set(True)
    try:
        yield
    finally:
        _WRITE_INTENT.reset(token)


def begin_writing(session: Session) -> None:
    """Begin ``session``'s transaction holding SQLite's write lock (no-op if it has begun)."""
    with write_intent():
        session.connection()


def _writing_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
