"""On SQLite, state-changing requests take the write lock when their transaction begins."""

import sqlite3

import pytest

from storefront.extensions import db
from tests.conftest import TEST_DATABASE_URL, make_app


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite-only behaviour")
@pytest.mark.parametrize("method, locked", [("POST", True), ("GET", False)])
def test_writing_requests_begin_immediate(tmp_path, method, locked):
    path = tmp_path / "lock.db"
    app = make_app(f"sqlite:///{path}")
    with app.test_request_context("/", method=method), db.engine.connect() as conn:
        conn.begin()
        conn.exec_driver_sql("SELECT 1")
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            if locked:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            else:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
        finally:
            other.close()
    with app.app_context():
        db.engine.dispose()


def _locked_for_others(path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    finally:
        other.close()


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite-only behaviour")
@pytest.mark.parametrize("intent", [True, False])
def test_write_intent_outside_requests(tmp_path, intent):
    """Commands and jobs that read and then write can ask for the lock up front."""
    from storefront.sqlite import write_intent

    path = tmp_path / "intent.db"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        if intent:
            with write_intent():
                db.session.connection()
        db.session.execute(db.text("SELECT 1"))
        assert _locked_for_others(path) is intent
        db.session.rollback()
        assert _locked_for_others(path) is False
        db.engine.dispose()


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite-only behaviour")
def test_seed_writer_holds_the_lock_from_its_first_read(tmp_path):
    """The loader reads the catalogue and then writes it: a commit by the running shop in
    between used to fail the load with "database is locked" (a WAL snapshot cannot be
    upgraded). It now takes the write lock before the read, so other writers wait instead."""
    from storefront.seeding.loader import _Writer

    path = tmp_path / "seed.db"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        _Writer(db.session)
        assert _locked_for_others(path)
        db.session.rollback()
        db.engine.dispose()
