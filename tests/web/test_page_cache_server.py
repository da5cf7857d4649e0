"""The shared page cache as a server runs it: requests arrive with no app context, so every
hit is re-validated on the freshness check's own connection, against committed data."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storefront.catalog.models import Product, Status
from storefront.extensions import db
from storefront.web import page_cache as pc
from tests.conftest import TEST_DATABASE_URL, drop_database, fresh_database_url, make_app
from tests.factories import create_products, product_record


def state(resp) -> str | None:
    return resp.headers.get(pc.HEADER)


@pytest.fixture()
def served(tmp_path):
    """An app with the page cache on a database of its own (commits are real), two products;
    a shared store (files) with this process's near copies in front, as served."""
    url = fresh_database_url(tmp_path, "pcserve")
    app = make_app(url, PAGE_CACHE_SECONDS=600, PAGE_CACHE_STORE="file",
                   PAGE_CACHE_DIR=str(tmp_path / "pages"), SITE_URL="https://shop.example.com")
    assert pc.page_cache(app).near is not None
    with app.app_context():
        create_products(db.session, product_record(sku="S-BELT-1", name="Aurora Belt", price=19_900, stock=12),
                        product_record(sku="S-BELT-2", name="Boreal Belt", price=24_900, stock=9))
        db.session.commit()
        slugs = dict(db.session.execute(sa.select(Product.sku, Product.slug)).all())
        db.session.remove()
    try:
        yield app, slugs, url
    finally:
        pc.page_cache(app).freshness.close()
        with app.app_context():
            db.engine.dispose()
        drop_database(url)


def change(app, sku: str, **values) -> None:
    """Another process's committed change (checkout moves stock without touching updated_at)."""
    with app.app_context():
        db.session.execute(sa.update(Product).where(Product.sku == sku).values(**values))
        db.session.commit()
        db.session.remove()


def edit(app, sku: str, **values) -> None:
    """A staff edit through the ORM (updated_at moves)."""
    with app.app_context():
        p = db.session.execute(sa.select(Product).where(Product.sku == sku)).scalar_one()
        for name, value in values.items():
            setattr(p, name, value)
        db.session.commit()
        db.session.remove()


def test_hits_use_no_session_and_see_every_commit(served, monkeypatch):
    app, slugs, _ = served
    client = app.test_client()
    url = f"/products/{slugs['S-BELT-1']}"
    assert state(client.get(url)) == "miss"
    assert state(client.get(url)) == "hit"  # the freshness check's connection is open now
    assert state(client.get("/products")) == "miss"
    with app.app_context():
        engine = db.engine
    checkouts, statements, driver_reads, listing_reads = [], [], [], []
    monkeypatch.setattr(pc, "product_state_dbapi",
                        lambda conn, slug, read=pc.product_state_dbapi: driver_reads.append(slug) or read(conn, slug))
    monkeypatch.setattr(pc, "catalogue_state_dbapi",
                        lambda conn, ids, read=pc.catalogue_state_dbapi: listing_reads.append(ids) or read(conn, ids))

    def on_checkout(*args):
        checkouts.append(1)

    def on_execute(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "checkout", on_checkout)
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    try:
        for _ in range(3):
            resp = client.get(url)
            assert (resp.status_code, state(resp)) == (200, "hit")
            assert "$199.00" in resp.get_data(as_text=True)
        assert statements == []  # product pages: one read on the driver's connection
        assert driver_reads == [slugs["S-BELT-1"]] * 3
        for _ in range(2):
            assert state(client.get("/products")) == "hit"
    finally:
        sa.event.remove(engine, "checkout", on_checkout)
        sa.event.remove(engine, "before_cursor_execute", on_execute)
    # Catalogue pages: one read on the driver's connection per hit too (no BEGIN, no
    # ROLLBACK). Either way on a connection kept open: no pool checkout, and so no pre-ping.
    assert statements == [] and len(listing_reads) == 2
    assert checkouts == []

    edit(app, "S-BELT-1", price_amount=17_500)
    resp = client.get(url)
    assert state(resp) == "miss" and "$175.00" in resp.get_data(as_text=True)
    assert state(client.get(url)) == "hit"

    change(app, "S-BELT-1", stock=0, updated_at=Product.updated_at)
    resp = client.get(url)
    assert state(resp) == "miss" and "Out of stock" in resp.get_data(as_text=True)

    edit(app, "S-BELT-1", headline="A wrap with a new headline")
    assert "A wrap with a new headline" in client.get(url).get_data(as_text=True)

    edit(app, "S-BELT-1", status=Status.ARCHIVED)
    resp = client.get(url)
    assert resp.status_code == 404 and state(resp) is None


def test_catalogue_hits_see_every_commit(served):
    app, _, _ = served
    client = app.test_client()
    assert state(client.get("/products")) == "miss"
    assert state(client.get("/products")) == "hit"
    edit(app, "S-BELT-2", price_amount=22_200)
    resp = client.get("/products")
    assert state(resp) == "miss" and "$222.00" in resp.get_data(as_text=True)
    change(app, "S-BELT-2", stock=2, updated_at=Product.updated_at)
    resp = client.get("/products")
    assert state(resp) == "miss" and "Only 2 left" in resp.get_data(as_text=True)
    with app.app_context():
        create_products(db.session, product_record(sku="S-BELT-9", name="Zephyr Belt"))
        db.session.commit()
        db.session.remove()
    resp = client.get("/products")
    assert state(resp) == "miss" and "Zephyr Belt" in resp.get_data(as_text=True)


def test_catalogue_driver_read_equals_the_views_validator(served):
    """The freshness check's driver read (the column types' processing applied by hand)
    gives what the listing view's SQLAlchemy read gives, for any shown ids."""
    app, _, _ = served
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Product.id).order_by(Product.id)))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for shown in (ids, ids[::-1], ids[:1], [], [*ids, 10_000_000]):
                assert pc.catalogue_state_dbapi(conn, shown) == pc.catalogue_validator(conn, shown)
        db.session.remove()


class _Dialect:
    class loaded_dbapi:  # noqa: N801 - the attribute SQLAlchemy dialects have
        Error = OSError


class _Conn:
    dialect = _Dialect

    def __init__(self):
        self.invalidated = False

    def execution_options(self, **kw):
        return self

    def invalidate(self):
        self.invalidated = True


class _Engine:
    def __init__(self):
        self.opened: list[_Conn] = []

    def connect(self):
        self.opened.append(_Conn())
        return self.opened[-1]


def _dbapi_error() -> sa.exc.DBAPIError:
    return sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection"))


def test_a_failed_connection_is_replaced_once_then_the_app_answers():
    check = pc.FreshnessCheck(app=None)
    check._engine = engine = _Engine()
    assert check.run(lambda conn: "ok") == "ok"
    calls = []

    def stale_once(conn):
        calls.append(conn)
        if len(calls) == 1:
            raise _dbapi_error()
        return "fresh"

    # A connection that worked before and now fails (database restarted): one new connection.
    assert check.run(stale_once) == "fresh"
    assert len(engine.opened) == 2 and engine.opened[0].invalidated
    assert calls == [engine.opened[0], engine.opened[1]]

    def down(conn):
        raise _dbapi_error()

    def driver_down(conn):
        raise OSError("the driver's own error")  # a read on the driver's connection

    # The database is down: the new connection fails too, the error reaches the caller (the
    # middleware then lets the app answer: 503), and no failed connection is kept.
    with pytest.raises(sa.exc.OperationalError):
        check.run(down)
    assert len(engine.opened) == 3 and all(c.invalidated for c in engine.opened)
    # A connection opened for this very call is not retried.
    with pytest.raises(sa.exc.OperationalError):
        check.run(down)
    assert len(engine.opened) == 4
    # The driver's own errors count the same (reads that skip SQLAlchemy).
    assert check.run(lambda conn: "ok") == "ok"
    with pytest.raises(OSError):
        check.run(driver_down)
    assert len(engine.opened) == 6 and all(c.invalidated for c in engine.opened)
    # Anything else is no connection problem: raised, the connection kept.
    with pytest.raises(ZeroDivisionError):
        check.run(lambda conn: 1 / 0)
    assert check.run(lambda conn: conn) is engine.opened[-1] and len(engine.opened) == 7


def test_a_failed_check_is_a_miss_never_a_hit(served, monkeypatch):
    app, slugs, _ = served
    client = app.test_client()
    url = f"/products/{slugs['S-BELT-2']}"
    client.get(url)
    assert state(client.get(url)) == "hit"

    def broken(read):
        raise _dbapi_error()

    monkeypatch.setattr(pc.page_cache(app).freshness, "run", broken)
    resp = client.get(url)
    assert resp.status_code == 200 and state(resp) == "miss"


@pytest.mark.postgres
def test_terminated_backends_and_a_database_refusing_connections(served):
    if not TEST_DATABASE_URL:
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (CI does)")
    app, slugs, url = served
    client = app.test_client()
    page = f"/products/{slugs['S-BELT-1']}"
    client.get(page)
    assert state(client.get(page)) == "hit"

    u = sa.make_url(url)
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def terminate() -> int:
        with admin.connect() as conn:
            return conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                        "WHERE datname = :d AND pid <> pg_backend_pid()"),
                                {"d": u.database}).scalar()

    try:
        # A price change, then every backend killed under the app: the hit's connection is
        # dead, a new one is opened and the change shows.
        edit(app, "S-BELT-1", price_amount=18_800)
        assert terminate() >= 1
        resp = client.get(page)
        assert resp.status_code == 200 and "$188.00" in resp.get_data(as_text=True)
        assert state(client.get(page)) == "hit"

        # The database refuses connections: never the stored page, a 503 from the app.
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{u.database}" WITH ALLOW_CONNECTIONS false')
        terminate()
        for path in (page, "/products"):
            resp = client.get(path)
            assert resp.status_code == 503, (path, resp.status_code)
            assert state(resp) is None and resp.headers.get("Retry-After")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{u.database}" WITH ALLOW_CONNECTIONS true')
        resp = client.get(page)
        assert resp.status_code == 200 and "$188.00" in resp.get_data(as_text=True)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{u.database}" WITH ALLOW_CONNECTIONS true')
        admin.dispose()
