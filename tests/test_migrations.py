"""Models and migrations agree, on SQLite and (in CI) PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storefront.extensions import db


def test_autogenerate_finds_no_difference(app):
    with app.app_context(), db.engine.connect() as conn:
        # Same filters as `db revision --autogenerate` (raw-DDL objects such as the search index).
        opts = {**app.extensions["migrate"].configure_args, "compare_type": True}
        ctx = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], diff


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}
