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
