"""Quote references: Q-<year>-<6 digits>, per-year sequence, unique under concurrent requests."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

from sqlalchemy import select

from storefront.extensions import db
from storefront.quotes import intake
from storefront.quotes.models import Quote
from storefront.quotes.schemas import QuoteRequestSchema
from tests.conftest import drop_database, fresh_database_url, make_app
from tests.quotes.conftest import contract_request


def test_sequence_per_year(db_session):
    refs = [intake.next_reference(db_session, datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) for _ in range(3)]
    assert refs == ["Q-2026-000001", "Q-2026-000002", "Q-2026-000003"]
    assert intake.next_reference(db_session, datetime(2027, 1, 1, tzinfo=UTC)) == "Q-2027-000001"
    assert intake.next_reference(db_session, datetime(2026, 6, 1, tzinfo=UTC)) == "Q-2026-000004"


def test_concurrent_requests_get_distinct_consecutive_references(tmp_path):
    url = fresh_database_url(tmp_path, "quote_refs")
    app = make_app(url)
    custom_only = contract_request(lines=[{"kind": "panel", "quantity": 10, "description": "custom"}])
    data = QuoteRequestSchema().load(custom_only)
    workers, per_worker = 8, 10
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work():
        with app.app_context():
            try:
                barrier.wait()
                for _ in range(per_worker):
                    intake.create_request(db.session, data, source="api", staff_email="s@example.com",
                                          upload_dir=str(tmp_path))
                    db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors
        with app.app_context():
            refs = list(db.session.scalars(select(Quote.reference)))
            db.engine.dispose()
    finally:
        drop_database(url)
    n = workers * per_worker
    assert len(refs) == len(set(refs)) == n
    numbers = sorted(int(re.fullmatch(r"Q-\d{4}-(\d{6})", r).group(1)) for r in refs)
    assert numbers == list(range(1, n + 1))
