"""search index: let a bulk load pause the per-row triggers and index once at the end

A seed load inserts a product and then each of its bands; the per-row triggers rebuilt
the product's search document once for the product and again for every band (about
3.3 documents written and 2.3 deleted per product). Inside its own transaction a bulk
writer now marks the index paused (SQLite: a row in ``product_search_pause``, invisible
to other connections until commit, and removed before commit; PostgreSQL: the
transaction-local setting ``storefront.search_paused``) and indexes the products it
touched with one statement at the end. Every other writer is unaffected.

Revision ID: 0050
Revises: 0040
Create Date: 2026-11-22 03:10:00

"""
from alembic import op


revision = '0050'
down_revision = '0040'
branch_labels = None
depends_on = None

# Frozen copy of the document expression of revision 0010.
SQLITE_SPECS = (
    "p.kind || ' ' || CASE WHEN p.kind = 'laser' THEN 'laser' ELSE 'led' END"
    " || ' ' || coalesce('class ' || p.laser_class_us || ' class ' || p.laser_class_iec, '')"
    " || ' ' || coalesce(p.product_code, '') || ' ' || coalesce(p.k_number, '')"
    " || ' ' || coalesce(p.certifications, '')"
    " || ' ' || coalesce((SELECT group_concat(b.nm || ' ' || b.nm || 'nm '"
    " || CASE WHEN b.nm < 700 THEN 'red' ELSE 'near infrared nir' END, ' ')"
    " FROM wavelength_bands b WHERE b.product_id = p.id), '')"
)
SQLITE_DOCUMENT = (
    "SELECT p.id, p.name || ' ' || p.sku, p.headline || ' ' || p.summary,"
    " p.body_md || ' ' || coalesce(p.indications, ''), " + SQLITE_SPECS + " FROM products p"
)
SEARCHED_COLUMNS = ("name, sku, headline, summary, body_md, indications, kind, laser_class_us, "
                    "laser_class_iec, product_code, k_number, certifications")
NOT_PAUSED = "WHEN NOT EXISTS (SELECT 1 FROM product_search_pause) "


def _refresh(pid: str) -> str:
    return (f"DELETE FROM product_search WHERE rowid = {pid}; "
            f"INSERT INTO product_search(rowid, name, blurb, body, specs) "
            f"{SQLITE_DOCUMENT} WHERE p.id = {pid};")


def _sqlite_triggers(when: str) -> None:
    for name in ("products_search_ai", "products_search_au", "products_search_ad",
                 "bands_search_ai", "bands_search_au", "bands_search_ad"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(f"CREATE TRIGGER products_search_ai AFTER INSERT ON products {when}BEGIN "
               + _refresh("new.id") + " END")
    op.execute(f"CREATE TRIGGER products_search_au AFTER UPDATE OF {SEARCHED_COLUMNS} ON products {when}BEGIN "
               + "DELETE FROM product_search WHERE rowid = old.id; " + _refresh("new.id") + " END")
    op.execute(f"CREATE TRIGGER products_search_ad AFTER DELETE ON products {when}BEGIN "
               "DELETE FROM product_search WHERE rowid = old.id; END")
    op.execute(f"CREATE TRIGGER bands_search_ai AFTER INSERT ON wavelength_bands {when}BEGIN "
               + _refresh("new.product_id") + " END")
    op.execute(f"CREATE TRIGGER bands_search_au AFTER UPDATE ON wavelength_bands {when}BEGIN "
               + _refresh("old.product_id") + _refresh("new.product_id") + " END")
    op.execute(f"CREATE TRIGGER bands_search_ad AFTER DELETE ON wavelength_bands {when}BEGIN "
               + _refresh("old.product_id") + " END")


PG_PRODUCTS = """
    CREATE OR REPLACE FUNCTION products_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {check}
        PERFORM product_search_refresh(NEW.id);
        RETURN NULL;
    END $$"""
PG_BANDS = """
    CREATE OR REPLACE FUNCTION bands_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {check}
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM product_search_refresh(OLD.product_id);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM product_search_refresh(NEW.product_id);
        END IF;
        RETURN NULL;
    END $$"""
PG_CHECK = ("IF current_setting('storefront.search_paused', true) = 'on' THEN "
            "RETURN NULL; END IF;")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        op.execute("CREATE TABLE product_search_pause (id INTEGER PRIMARY KEY)")
        _sqlite_triggers(NOT_PAUSED)
    elif dialect == 'postgresql':
        op.execute(PG_PRODUCTS.format(check=PG_CHECK))
        op.execute(PG_BANDS.format(check=PG_CHECK))


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _sqlite_triggers("")
        op.execute("DROP TABLE IF EXISTS product_search_pause")
    elif dialect == 'postgresql':
        op.execute(PG_PRODUCTS.format(check=""))
        op.execute(PG_BANDS.format(check=""))
