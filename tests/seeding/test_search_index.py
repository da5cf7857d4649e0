"""A seed load indexes what it writes for full-text search, with the triggers paused meanwhile."""

import sqlalchemy as sa

from storefront.catalog.models import Product
from storefront.seeding.loader import apply_records, validate_document
from tests.factories import product_record


def _match_ids(session, term: str) -> set[int]:
    if session.get_bind().dialect.name == "postgresql":
        sql = ("SELECT product_id FROM product_search "
               "WHERE document @@ to_tsquery('english', :t)")
        return set(session.scalars(sa.text(sql), {"t": term}))
    return set(session.scalars(sa.text("SELECT rowid FROM product_search WHERE product_search MATCH :t"),
                               {"t": f'"{term}"'}))


def _load(session, *records):
    loaded, errors, _ = validate_document({"products": list(records)}, gate=False)
    assert not errors
    return apply_records(session, loaded)


def test_created_and_updated_products_are_searchable(db_session):
    a = product_record(name="Aurora Wrap", wavelengths=[{"nm": 630}])
    b = product_record(name="Borealis Panel", kind="panel")
    _load(db_session, a, b)
    pa = db_session.scalar(sa.select(Product).where(Product.sku == a["sku"]))
    pb = db_session.scalar(sa.select(Product).where(Product.sku == b["sku"]))
    assert _match_ids(db_session, "aurora") == {pa.id}
    assert pb.id in _match_ids(db_session, "borealis")
    assert pa.id in _match_ids(db_session, "630nm") and pb.id not in _match_ids(db_session, "630nm")

    a["name"] = "Zenith Wrap"
    a["wavelengths"] = [{"nm": 810}]
    _load(db_session, a, b)
    assert _match_ids(db_session, "aurora") == set()
    assert _match_ids(db_session, "zenith") == {pa.id}
    assert pa.id in _match_ids(db_session, "810nm") and pa.id not in _match_ids(db_session, "630nm")


def test_pause_is_lifted_and_other_writes_are_indexed(db_session):
    _load(db_session, product_record())
    if db_session.get_bind().dialect.name == "postgresql":
        assert db_session.scalar(sa.text("SELECT current_setting('storefront.search_paused', true)")) != "on"
    else:
        assert db_session.scalar(sa.text("SELECT count(*) FROM product_search_pause")) == 0
    p = db_session.scalar(sa.select(Product))
    p.name = "Quasar Belt"  # an ordinary ORM write goes through the triggers
    db_session.flush()
    assert _match_ids(db_session, "quasar") == {p.id}
