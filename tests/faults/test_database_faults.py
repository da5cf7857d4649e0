"""Database faults (PostgreSQL): terminated backends recover silently; an outage is a 503."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storefront import create_app
from storefront.extensions import db
from tests.conftest import drop_database, free_port, fresh_database_url, make_app, require_postgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _terminate_backends(url: str) -> int:
    u = sa.make_url(url)
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        n = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                 "WHERE datname = :d AND pid <> pg_backend_pid()"),
                         {"d": u.database}).scalar()
    admin.dispose()
    return n


@pytest.mark.timeout(120)
def test_terminated_connections_and_outage(tmp_path):
    require_postgres()
    url = fresh_database_url(tmp_path, "faults")
    try:
        app = make_app(url)
        client = app.test_client()
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            assert client.get("/products").status_code == 200
        assert _terminate_backends(url) >= 1  # the pooled connections die under the app
        # pool_pre_ping: the first request after reconnects instead of answering 500.
        assert client.get("/products").status_code == 200
        assert client.get("/api/v1/products").status_code == 200
        with app.app_context():
            db.engine.dispose()

        # The database unreachable (nothing listens on that port): 503 + Retry-After, not 500.
        down = sa.make_url(url).set(port=free_port()).render_as_string(hide_password=False)
        outage = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": down,
                             "SERVER_NAME": None, "RATELIMIT_ENABLED": False})
        c = outage.test_client()
        for path in ("/products", "/api/v1/products"):
            resp = c.get(path)
            assert resp.status_code == 503, (path, resp.status_code)
            assert resp.headers.get("Retry-After") == "5"
        assert c.get("/healthz").status_code == 503
    finally:
        drop_database(url)
