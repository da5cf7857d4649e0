"""search index and listing indexes

Full-text search over products, kept current by triggers so that bulk Core writes (the
seeding service) are indexed too: an FTS5 table on SQLite, a tsvector table with a GIN
index on PostgreSQL. The search objects are raw DDL and invisible to autogenerate
(``storefront.catalog.search.include_name``).

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-22 01:56:11.325578

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0002'
branch_labels = None
depends_on = None

# Columns whose change alters a product's search document (stock is deliberately absent:
# checkout updates it constantly and it is not searchable).
SEARCHED_COLUMNS = ("name, sku, headline, summary, body_md, indications, kind, laser_class_us, "
                    "laser_class_iec, product_code, k_number, certifications")

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

PG_SPECS = (
    "p.kind || ' ' || CASE WHEN p.kind = 'laser' THEN 'laser' ELSE 'led' END"
    " || ' ' || coalesce('class ' || p.laser_class_us || ' class ' || p.laser_class_iec, '')"
    " || ' ' || coalesce(p.product_code, '') || ' ' || coalesce(p.k_number, '')"
    " || ' ' || coalesce(p.certifications::text, '')"
    " || ' ' || coalesce((SELECT string_agg(b.nm || ' ' || b.nm || 'nm '"
    " || CASE WHEN b.nm < 700 THEN 'red' ELSE 'near infrared nir' END, ' ')"
    " FROM wavelength_bands b WHERE b.product_id = p.id), '')"
)


def _sqlite_refresh(pid: str) -> str:
    return (f"DELETE FROM product_search WHERE rowid = {pid}; "
            f"INSERT INTO product_search(rowid, name, blurb, body, specs) "
            f"{SQLITE_DOCUMENT} WHERE p.id = {pid};")


def _upgrade_sqlite():
    op.execute("CREATE VIRTUAL TABLE product_search USING fts5("
               "name, blurb, body, specs, "
               "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')")
    op.execute("CREATE TRIGGER products_search_ai AFTER INSERT ON products BEGIN "
               + _sqlite_refresh("new.id") + " END")
    op.execute(f"CREATE TRIGGER products_search_au AFTER UPDATE OF {SEARCHED_COLUMNS} ON products BEGIN "
               + "DELETE FROM product_search WHERE rowid = old.id; " + _sqlite_refresh("new.id") + " END")
    op.execute("CREATE TRIGGER products_search_ad AFTER DELETE ON products BEGIN "
               "DELETE FROM product_search WHERE rowid = old.id; END")
    op.execute("CREATE TRIGGER bands_search_ai AFTER INSERT ON wavelength_bands BEGIN "
               + _sqlite_refresh("new.product_id") + " END")
    op.execute("CREATE TRIGGER bands_search_au AFTER UPDATE ON wavelength_bands BEGIN "
               + _sqlite_refresh("old.product_id") + _sqlite_refresh("new.product_id") + " END")
    op.execute("CREATE TRIGGER bands_search_ad AFTER DELETE ON wavelength_bands BEGIN "
               + _sqlite_refresh("old.product_id") + " END")
    op.execute("INSERT INTO product_search(rowid, name, blurb, body, specs) " + SQLITE_DOCUMENT)


def _upgrade_postgresql():
    op.execute("CREATE TABLE product_search ("
               "product_id integer PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE, "
               "document tsvector NOT NULL)")
    op.execute("CREATE INDEX ix_product_search_document ON product_search USING gin (document)")
    op.execute(f"""
        CREATE FUNCTION product_search_refresh(pid integer) RETURNS void LANGUAGE sql AS $$
            INSERT INTO product_search (product_id, document)
            SELECT p.id,
                   setweight(to_tsvector('english', p.name || ' ' || p.sku), 'A')
                || setweight(to_tsvector('english', p.headline || ' ' || p.summary), 'B')
                || setweight(to_tsvector('english', p.body_md || ' ' || coalesce(p.indications, '')), 'C')
                || setweight(to_tsvector('english', {PG_SPECS}), 'D')
            FROM products p WHERE p.id = pid
            ON CONFLICT (product_id) DO UPDATE SET document = EXCLUDED.document;
        $$""")
    op.execute("""
        CREATE FUNCTION products_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM product_search_refresh(NEW.id);
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE FUNCTION bands_search_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                PERFORM product_search_refresh(OLD.product_id);
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                PERFORM product_search_refresh(NEW.product_id);
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER products_search_ai AFTER INSERT ON products "
               "FOR EACH ROW EXECUTE FUNCTION products_search_trigger()")
    op.execute(f"CREATE TRIGGER products_search_au AFTER UPDATE OF {SEARCHED_COLUMNS} ON products "
               "FOR EACH ROW EXECUTE FUNCTION products_search_trigger()")
    op.execute("CREATE TRIGGER bands_search_aiud AFTER INSERT OR UPDATE OR DELETE ON wavelength_bands "
               "FOR EACH ROW EXECUTE FUNCTION bands_search_trigger()")
    op.execute("SELECT product_search_refresh(id) FROM products")


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index('ix_products_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_products_status_name', ['status', 'name'], unique=False)
        batch_op.create_index('ix_products_status_price', ['status', 'price_amount'], unique=False)
        batch_op.create_index('ix_products_updated_at', ['updated_at'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        _upgrade_sqlite()
    elif dialect == 'postgresql':
        _upgrade_postgresql()


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in ("products_search_ai", "products_search_au", "products_search_ad",
                        "bands_search_ai", "bands_search_au", "bands_search_ad"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS product_search")
    elif dialect == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS bands_search_aiud ON wavelength_bands")
        op.execute("DROP TRIGGER IF EXISTS products_search_au ON products")
        op.execute("DROP TRIGGER IF EXISTS products_search_ai ON products")
        op.execute("DROP FUNCTION IF EXISTS bands_search_trigger()")
        op.execute("DROP FUNCTION IF EXISTS products_search_trigger()")
        op.execute("DROP FUNCTION IF EXISTS product_search_refresh(integer)")
        op.execute("DROP TABLE IF EXISTS product_search")

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_updated_at')
        batch_op.drop_index('ix_products_status_price')
        batch_op.drop_index('ix_products_status_name')
        batch_op.drop_index('ix_products_status_created')
