"""Guide fixtures: published products to embed, and article records."""

from __future__ import annotations

import itertools

import pytest

from tests.factories import create_products, product_record

_seq = itertools.count(1)

OTC = {"status": "otc_cleared", "k_number": "K123456", "product_code": "ILY",
       "indications": "Temporary relief of minor muscle and joint pain and stiffness."}


def guide_record(**overrides):
    """A valid, publishable guide record (schema-loaded shape, ISO date)."""
    n = next(_seq)
    rec = {
        "slug": f"test-guide-{n}", "title": f"Reading panel specifications {n}",
        "summary": "How to read irradiance, distance and dose on a listing.",
        "body": "## Irradiance\n\nIrradiance is power per area, in mW/cm², at a stated distance.\n",
        "author": "Editorial team",
        "reviewer": {"name": "A Reviewer", "credentials": "PhD", "reviewed_on": "2026-11-01"},
        "references": [{"title": "A trial", "year": 2006, "doi": "10.1155/2006/876920"}],
        "tags": ["panels"], "products": [], "status": "published",
    }
    rec.update(overrides)
    return rec


@pytest.fixture()
def products(db_session):
    """A published wellness belt and a published otc_cleared belt (with K-number)."""
    wellness, cleared = create_products(
        db_session, product_record(name="Glow Belt", slug="glow-belt"),
        product_record(name="Clinic Belt", slug="clinic-belt", regulatory=OTC))
    db_session.commit()
    return {"wellness": wellness, "cleared": cleared}
