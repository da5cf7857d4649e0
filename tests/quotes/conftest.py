"""Fixtures for quote tests: catalogue products to quote against and a valid request body."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.checkout.fixtures import gateway, localstripe, shop, webhook_secret  # noqa: F401
from tests.factories import create_products, laser_record, product_record


def contract_request(**overrides: Any) -> dict[str, Any]:
    """The request body from CONTRACT.md (POST /api/v1/quotes), with optional overrides."""
    body: dict[str, Any] = {
        "company": "Brightwave GmbH", "contact_name": "Ana Weber", "email": "ana@example.com",
        "phone": "+49 30 1234567", "country": "DE", "buyer_type": "brand",
        "lines": [{"sku": "PANEL-5W-300", "quantity": 500,
                   "customisations": {"private_label": True, "wavelengths_nm": [630, 660, 850]}},
                  {"kind": "belt", "quantity": 1000, "description": "custom 8-zone wrap"}],
        "target_unit_price": 12000, "currency": "USD", "needed_by": "2027-03-01", "notes": "...",
    }
    for key, value in overrides.items():
        body[key] = copy.deepcopy(value)
    return body


def panel_record(**overrides: Any) -> dict[str, Any]:
    """The contract's PANEL-5W-300: list $249, tiers at 100 and 500, MOQ 100."""
    rec = product_record(
        sku="PANEL-5W-300", name="Panel 300", kind="panel", price=24900,
        oem={"private_label": True, "custom_wavelengths": True, "packaging": ["retail box", "bulk"],
             "moq": 100, "lead_time_days": 45, "sample_price": 20000,
             "tiers": [{"min_qty": 100, "unit_price": 15000}, {"min_qty": 500, "unit_price": 12500},
                       {"min_qty": 2000, "unit_price": 11000}]},
    )
    rec.update(overrides)
    return rec


@pytest.fixture()
def catalogue(db_session):
    """A published panel (the contract's SKU), a published rx_only laser and a draft belt."""
    panel, laser, draft = create_products(
        db_session,
        panel_record(),
        laser_record(sku="LASER-RX-20W", oem={"moq": 2, "tiers": [{"min_qty": 5, "unit_price": 990000}]}),
        product_record(sku="DRAFT-BELT", status="draft"),
    )
    # Committed (a savepoint release inside the test transaction) so that error handlers,
    # which roll back the request's work, do not take the catalogue with them.
    db_session.commit()
    return {"panel": panel, "laser": laser, "draft": draft}


@pytest.fixture(autouse=True)
def _generous_quote_limits(app, monkeypatch):
    # The limiter is one object shared by every app in the process; if another test switched
    # it on, these in-process tests must not trip the per-IP quote limits.
    monkeypatch.setitem(app.config, "QUOTE_RATE_LIMIT", "100000 per minute")
    monkeypatch.setitem(app.config, "QUOTE_PRICE_RATE_LIMIT", "100000 per minute")


@pytest.fixture()
def upload_dir(app, tmp_path, monkeypatch):
    path = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(path))
    return path


@pytest.fixture()
def mail_to(app, monkeypatch):
    """Point the app's outbox drain at a given SMTP server, synchronously."""

    def configure(server):
        monkeypatch.setitem(app.config, "MAIL_SERVER", server.host)
        monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
        monkeypatch.setitem(app.config, "MAIL_SYNC_DRAIN", True)
        monkeypatch.setitem(app.config, "STAFF_EMAIL", "sales@example.com")

    return configure


PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
def _minimal_pdf() -> bytes:
    """A tiny well-formed PDF (cross-reference table and all: attachments are parsed)."""
    objs = [b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n",
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"]
    out = b"%PDF-1.4\n"
    offsets = []
    for obj in objs:
        offsets.append(len(out))
        out += obj
    xref = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer<</Size 3/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % xref


PDF_MIN = _minimal_pdf()
SVG_SCRIPT = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def make_quote(session, upload_dir="/nonexistent", **overrides):
    """Create a quote through the intake service (as the API would) and return it."""
    from storefront.quotes import intake
    from storefront.quotes.schemas import QuoteRequestSchema

    data = QuoteRequestSchema().load(contract_request(**overrides))
    result = intake.create_request(session, data, source="api", staff_email="sales@example.com",
                                   upload_dir=str(upload_dir))
    session.commit()  # like the API does (a savepoint release inside the test transaction)
    return result.quote
