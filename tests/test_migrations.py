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


def test_revision_chain_is_linear():
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent.parent / "migrations"))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: re-point the newest revision"


def test_downgrade_to_base_and_back(tmp_path):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from tests.conftest import ROOT, drop_database, fresh_database_url, make_app

    url = fresh_database_url(tmp_path, "downgrade")
    try:
        app = make_app(url)
        with app.app_context():
            downgrade(directory=str(ROOT / "migrations"), revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade(directory=str(ROOT / "migrations"))
            assert "products" in inspect(db.engine).get_table_names()
            db.engine.dispose()
    finally:
        drop_database(url)
