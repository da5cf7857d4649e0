"""Schemathesis against /api/openapi.json: no server errors, responses match the schema.

A plain test (it runs in CI with the rest): every operation in the document gets a fixed,
derandomised budget of generated requests. The schema's operations are driven through
Hypothesis directly because ``schemathesis.pytest.from_fixture`` breaks on pytest 9.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from storefront.extensions import db
from tests.checkout.fixtures import localstripe  # noqa: F401  (session-scoped Stripe emulator)
from tests.conftest import drop_database, fresh_database_url, make_app
from tests.factories import create_products, laser_record, product_record

MAX_EXAMPLES = 60


@pytest.fixture(scope="module")
def api_app(tmp_path_factory, localstripe):  # noqa: F811
    """An app on its own database (a small catalogue) paying through localstripe."""
    url = fresh_database_url(tmp_path_factory.mktemp("schemathesis"), "schemathesis")
    app = make_app(url, QUOTE_RATE_LIMIT="100000 per minute",
                   QUOTE_PRICE_RATE_LIMIT="100000 per minute",
                   **localstripe.env("whsec_schemathesis"))
    with app.app_context():
        create_products(
            db.session,
            product_record(sku="PANEL-5W-300", name="Panel 300", kind="panel"),
            product_record(sku="BELT-660-850", name="Belt 660 850"),
            product_record(sku="DRAFT-BELT", name="Draft belt", status="draft"),
            laser_record(sku="LASER-RX-20W", name="Laser 20W"),
        )
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()
    drop_database(url)


def run_operation(operation, max_examples: int = MAX_EXAMPLES) -> None:
    """Fuzz one operation; raises on the first failing check (Hypothesis shrinks it)."""

    @given(case=operation.as_strategy())
    @settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), print_blob=True)
    def run(case):
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

    run()


def test_api_has_no_server_errors_and_matches_its_schema(api_app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = sorted(op.label for op in operations)
    assert "GET /api/v1/products" in labels and "POST /api/v1/quotes" in labels
    failures = {}
    for op in operations:
        try:
            run_operation(op)
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures[op.label] = f"{type(exc).__name__}: {exc}"[:3000]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
