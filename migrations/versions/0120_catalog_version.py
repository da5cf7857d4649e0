"""a catalogue change counter, so the listing's freshness probe needs no count(*)

The catalogue caches key on a version: until now the number of products and the newest
``updated_at``. The count catches deletions (the newest ``updated_at`` does not move when
a product goes), but on PostgreSQL ``count(*)`` over 10,000 wide rows is a sequential scan
of about 4 ms on every catalogue request. Triggers now bump ``catalog_version.n`` on every
insert and delete, so the probe is two index lookups. Updates are seen through
``updated_at`` as before (stock moves without it, and without a bump: checkout never
contends on this row).

Revision ID: 0120
Revises: 0110
Create Date: 2026-11-28 18:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0120"
down_revision = "0110"
branch_labels = None
depends_on = None

PG_FUNCTION = """
    CREATE OR REPLACE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE catalog_version SET n = n + 1 WHERE id = 1;
        RETURN NULL;
    END $$"""


def upgrade():
    op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute("INSERT INTO catalog_version (id, n) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event, name in (("INSERT", "products_version_ai"), ("DELETE", "products_version_ad")):
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON products BEGIN "
                       "UPDATE catalog_version SET n = n + 1 WHERE id = 1; END")
    elif dialect == "postgresql":
        op.execute(PG_FUNCTION)
        # once per statement: a bulk insert of 10,000 products bumps it a handful of times
        op.execute("CREATE TRIGGER products_version AFTER INSERT OR DELETE ON products "
                   "FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump()")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS products_version_ai")
        op.execute("DROP TRIGGER IF EXISTS products_version_ad")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS products_version ON products")
        op.execute("DROP FUNCTION IF EXISTS catalog_version_bump()")
    op.drop_table("catalog_version")
