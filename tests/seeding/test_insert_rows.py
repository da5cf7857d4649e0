"""The loader's bulk row writer (COPY on PostgreSQL) stores exactly what an INSERT stores."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from storefront.catalog.models import Product
from storefront.catalog.records import record_to_row
from storefront.db import utcnow
from storefront.seeding.loader import _insert_rows, apply_records, validate_document
from tests.factories import laser_record, product_record


def _records() -> list[dict]:
    sparse = product_record(certifications=[], precautions=[])
    sparse["specs"] = {"coverage_cm2": 12.5}
    sparse["oem"] = {"private_label": False, "custom_wavelengths": False, "packaging": [], "tiers": []}
    sparse["regulatory"] = {"status": "wellness"}
    records, errors, _ = validate_document(
        {"products": [product_record(), laser_record(), sparse]}, gate=False)
    assert not errors
    return records


def _rows(records: list[dict], suffix: str, now) -> list[dict]:
    rows = []
    for n, rec in enumerate(records):
        row = {**record_to_row(rec), "created_at": now, "updated_at": now}
        row["sku"] = f"ROWS-{suffix}-{n}"
        row["slug"] = f"rows-{suffix}-{n}"
        rows.append(row)
    return rows


def _stored(session, suffix: str) -> list[dict]:
    table = Product.__table__
    stmt = select(table).where(table.c.sku.like(f"ROWS-{suffix}-%")).order_by(table.c.sku)
    return [{k: v for k, v in row._mapping.items() if k not in ("id", "sku", "slug")}
            for row in session.execute(stmt).all()]


def test_insert_rows_stores_what_an_insert_stores(db_session):
    records = _records()
    now = utcnow()
    copied, inserted = _rows(records, "A", now), _rows(records, "B", now)
    _insert_rows(db_session, Product.__table__, copied)
    db_session.execute(insert(Product.__table__), inserted)
    a, b = _stored(db_session, "A"), _stored(db_session, "B")
    assert len(a) == 3
    assert a == b


def test_postgres_writes_new_products_without_per_row_inserts(db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("COPY is the PostgreSQL path; SQLite uses executemany")
    inserts: list[str] = []
    engine = db_session.get_bind().engine

    def seen(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        records, errors, _ = validate_document(
            {"products": [product_record(), laser_record()]}, gate=False)
        assert not errors
        summary = apply_records(db_session, records)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(summary.created) == 2
    assert not [s for s in inserts if "products" in s.split("(")[0]
                or "wavelength_bands" in s or "price_tiers" in s]
    count = db_session.scalar(select(sa.func.count()).select_from(Product)
                              .where(Product.sku.in_(summary.created)))
    assert count == 2


def test_a_refused_row_raises_sqlalchemys_integrity_error(db_session):
    rows = _rows(_records(), "C", utcnow())
    rows[1]["stock"] = -1  # violates ck_products_stock_non_negative
    with pytest.raises(IntegrityError):
        _insert_rows(db_session, Product.__table__, rows)
