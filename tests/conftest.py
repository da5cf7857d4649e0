"""Shared fixtures: an app on a migrated database, a per-test transaction, a client."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession

from storefront import create_app
from storefront.extensions import db as _db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ROOT = Path(__file__).resolve().parent.parent


def _pg_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def fresh_database_url(tmp_path: Path, name: str = "app") -> str:
    """A new empty database: a SQLite file, or a new PostgreSQL database when configured."""
    if TEST_DATABASE_URL:
        base = sa.make_url(_pg_url(TEST_DATABASE_URL))
        # TEST_DATABASE_PREFIX: the first part of these throwaway databases' names (shared servers).
        dbname = f"{os.environ.get('TEST_DATABASE_PREFIX', 'sf_test')}_{name}_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{dbname}"')
        admin.dispose()
        return base.set(database=dbname).render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path / (name + '.db')}"


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database made by ``fresh_database_url`` (SQLite files go with tmp)."""
    u = sa.make_url(url)
    if not u.drivername.startswith("postgresql"):
        return
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
    admin.dispose()


def make_app(database_url: str, **overrides):
    """An app for tests on ``database_url`` with the schema migrated to the latest revision."""
    from flask_migrate import upgrade

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "MEDIA_DIR": overrides.pop("MEDIA_DIR", None) or str(Path(os.environ.get("TMPDIR", "/tmp")) / f"sf-media-{uuid.uuid4().hex[:6]}"),
        "JOBS_INLINE": True,  # jobs run in the test's process; tests/jobs runs a real worker
        "PAGE_CACHE_SECONDS": 0,  # the shared page cache has its own tests (tests/web/test_page_cache.py)
        "UPLOAD_DIR": overrides.pop("UPLOAD_DIR", None) or str(Path(os.environ.get("TMPDIR", "/tmp")) / f"sf-uploads-{uuid.uuid4().hex[:6]}"),
    }
    config.update(overrides)
    app = create_app(config)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    return app


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = fresh_database_url(tmp_path_factory.mktemp("db"), "session")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def app(database_url):
    app = make_app(database_url)
    yield app
    with app.app_context():
        _db.engine.dispose()


class _ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks an engine itself; in tests, use the given connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind if self.bind is not None else super().get_bind(mapper, clause, bind, **kwargs)


@pytest.fixture()
def db_session(app):
    """A session whose work is rolled back after the test (commits become savepoints)."""
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": _ConnectionBoundSession}
        )
        try:
            yield _db.session
        finally:
            _db.session.remove()
            _db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture()
def client(app, db_session):
    """A test client whose requests share the test's rolled-back transaction."""
    return app.test_client()


@pytest.fixture()
def cli_runner(app, db_session):
    return app.test_cli_runner()


@pytest.fixture()
def query_counter(app):
    """Count SQL statements executed while the returned context manager is active."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pytest_report_header(config):
    return f"database: {'PostgreSQL (' + TEST_DATABASE_URL + ')' if TEST_DATABASE_URL else 'SQLite'}"


def require_postgres():
    if not TEST_DATABASE_URL:
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (CI does)")


def chromium_path() -> str | None:
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )


@pytest.fixture()
def smtp_server():
    """A real local SMTP server (aiosmtpd) on a free loopback port; ``.messages`` holds what arrived."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
            return "250 OK"

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.host, sink.port = "127.0.0.1", port
    try:
        yield sink
    finally:
        controller.stop()
