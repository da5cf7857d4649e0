"""Fixtures for the page tests: a small published catalogue plus unlisted products."""

from __future__ import annotations

import pytest

from storefront.catalog.cache import clear_caches
from tests.factories import create_products, laser_record, product_record


def _copy(headline, summary, body):
    return {"headline": headline, "summary": summary, "body": body}


@pytest.fixture()
def shop(app, db_session):
    """Published belts, panels and a laser, plus a draft and an archived product."""
    clear_caches(app)
    recs = [
        product_record(sku="W-BELT-1", name="Aurora Belt", price=19_900, stock=12,
                       copy=_copy("A red and near-infrared wrap", "120 LEDs at 660 nm and 850 nm.",
                                  "## Care\n\nWipe clean. <script>alert('x')</script>\n\n"
                                  "[More](javascript:alert(1)) and [specs](https://example.com/specs)")),
        product_record(sku="W-BELT-2", name="Boreal Belt", price=24_900, stock=3),
        product_record(sku="W-PANEL-1", name="Cirrus Panel", kind="panel", price=59_900, stock=0,
                       wavelengths=[{"nm": 630, "share_pct": 50}, {"nm": 660, "share_pct": 50}]),
        laser_record(sku="W-LASER-1", name="Draco Laser", stock=4),
        product_record(sku="W-DRAFT-1", name="Hidden Draft", status="draft"),
        product_record(sku="W-ARCH-1", name="Old Archived", status="archived"),
    ]
    products = {p.sku: p for p in create_products(db_session, *recs)}
    # Committed (a savepoint here) so an error response's rollback keeps the catalogue.
    db_session.commit()
    return products
