"""The HTML form (/oem/quote) and the buyer's quote page (/oem/quotes/<token>)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from storefront.mail import OutboxEmail
from storefront.quotes import workflow
from storefront.quotes.models import Quote, QuoteStatus
from tests.quotes.conftest import PNG_1PX, SVG_SCRIPT, make_quote


def form_data(**overrides):
    data = {
        "company": "Brightwave GmbH", "contact_name": "Ana Weber", "email": "ana@example.com",
        "phone": "+49 30 1234567", "country": "DE", "buyer_type": "brand",
        "lines-0-sku": "PANEL-5W-300", "lines-0-quantity": "500",
        "lines-0-private_label": "on", "lines-0-wavelengths": "630, 660 850",
        "lines-0-certifications": ["CE", "UKCA"],
        "lines-1-kind": "belt", "lines-1-quantity": "1000", "lines-1-description": "custom 8-zone wrap",
        "target_unit_price": "120.50", "currency": "EUR", "needed_by": "2027-03-01",
        "notes": "Line one\r\nLine two", "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _count(db_session):
    return db_session.scalar(select(func.count()).select_from(Quote))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_form_renders_with_csrf_honeypot_and_prefill(client, catalogue):
    resp = client.get("/oem/quote?sku=PANEL-5W-300&quantity=250")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert 'name="website"' in html and "hidden" in html
    assert '<option value="PANEL-5W-300">' in html and "DRAFT-BELT" not in html
    assert 'name="lines-0-sku"' in html and 'value="PANEL-5W-300"' in html and 'value="250"' in html
    assert 'data-price-url="/api/v1/quotes/price"' in html
    assert "quote.js" in html
    assert '<option value="DE">Germany</option>' in html


def test_valid_form_post_redirects_to_the_reference(client, catalogue, db_session):
    resp = client.post("/oem/quote", data=form_data())
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/oem/quote/sent")
    page = client.get("/oem/quote/sent").get_data(as_text=True)
    ref = re.search(r'id="quote-reference">(Q-\d{4}-\d{6})<', page).group(1)
    quote = db_session.scalar(select(Quote).where(Quote.reference == ref))
    assert quote.source == "web" and quote.currency == "EUR" and quote.target_unit_price == 12050
    assert quote.notes == "Line one\nLine two"
    panel, belt = quote.lines
    assert panel.customisations == {"private_label": True, "wavelengths_nm": [630, 660, 850],
                                    "certifications": ["CE", "UKCA"]}
    assert (belt.kind.value, belt.quantity, belt.description) == ("belt", 1000, "custom 8-zone wrap")
    # Reloading the confirmation does not submit again.
    assert client.get("/oem/quote/sent").status_code == 200
    assert _count(db_session) == 1


def test_invalid_form_keeps_input_and_shows_errors_by_field(client, catalogue, db_session):
    data = form_data(**{"email": "ana@example", "lines-0-sku": "", "lines-0-quantity": "",
                        "lines-0-private_label": None, "lines-0-wavelengths": "",
                        "lines-0-certifications": None,
                        "lines-1-quantity": "0", "lines-2-sku": "NOPE-1", "lines-2-quantity": "5",
                        "target_unit_price": "12.345"})
    resp = client.post("/oem/quote", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="err-email"' in html
    # Row 0 was left empty: the errors land on the rows the buyer filled in.
    assert 'id="err-lines-1-quantity"' in html and 'id="err-lines-0-quantity"' not in html
    assert 'id="err-target_unit_price"' in html
    assert 'value="Brightwave GmbH"' in html and "Line one" in html
    assert _count(db_session) == 0


def test_unknown_sku_error_maps_to_its_row(client, catalogue, db_session):
    data = form_data(**{"lines-0-sku": "", "lines-0-quantity": "", "lines-0-private_label": None,
                        "lines-0-wavelengths": "", "lines-0-certifications": None,
                        "lines-2-sku": "NOPE-1", "lines-2-quantity": "5"})
    resp = client.post("/oem/quote", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="err-lines-2-sku"' in html and "unknown SKU NOPE-1" in html


def test_wavelength_out_of_range_in_the_form(client, catalogue):
    resp = client.post("/oem/quote", data=form_data(**{"lines-0-wavelengths": "660, 1600"}))
    assert resp.status_code == 422
    assert 'id="err-lines-0-customisations-wavelengths_nm"' in resp.get_data(as_text=True)


def test_header_injection_in_the_form_is_refused(client, catalogue, db_session):
    resp = client.post("/oem/quote", data=form_data(contact_name="Ana\r\nBcc: everyone@example.com"))
    assert resp.status_code == 422
    assert "single line" in resp.get_data(as_text=True)
    assert _count(db_session) == 0


def test_csrf_is_enforced_and_a_failure_keeps_the_input(app, client, catalogue, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    resp = client.post("/oem/quote", data=form_data(company="Lumen Labs"))
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "session expired" in html and 'value="Lumen Labs"' in html
    assert _count(db_session) == 0
    token = _csrf(client.get("/oem/quote").get_data(as_text=True))
    resp = client.post("/oem/quote", data=form_data(csrf_token=token))
    assert resp.status_code == 303
    assert _count(db_session) == 1


def test_honeypot_stores_nothing(client, catalogue, db_session):
    resp = client.post("/oem/quote", data=form_data(website="http://spam.example"))
    assert resp.status_code == 200
    assert "quote-reference" not in resp.get_data(as_text=True)
    assert _count(db_session) == 0
    assert db_session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_form_attachment_is_checked_and_stored(client, catalogue, db_session, upload_dir):
    data = form_data(attachment=(io.BytesIO(PNG_1PX), "our logo.jpg", "image/jpeg"))
    resp = client.post("/oem/quote", data=data, content_type="multipart/form-data")
    assert resp.status_code == 303
    quote = db_session.scalar(select(Quote))
    (att,) = quote.attachments
    assert att.content_type == "image/png" and att.filename == "our_logo.png"
    assert (upload_dir / "quotes" / att.storage_key).read_bytes() == PNG_1PX


def test_form_svg_attachment_is_refused_with_the_input_kept(client, catalogue, db_session, upload_dir):
    data = form_data(attachment=(io.BytesIO(SVG_SCRIPT), "logo.svg", "image/svg+xml"))
    resp = client.post("/oem/quote", data=data, content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'id="err-attachment"' in html and "SVG" in html and 'value="Brightwave GmbH"' in html
    assert _count(db_session) == 0


def test_form_oversize_body_is_413(app, client, catalogue, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 32 * 1024)
    data = form_data(attachment=(io.BytesIO(b"%PDF-" + b"0" * 64 * 1024), "spec.pdf", "application/pdf"))
    resp = client.post("/oem/quote", data=data, content_type="multipart/form-data")
    assert resp.status_code == 413
    assert 'id="quote-form"' in resp.get_data(as_text=True)
    assert _count(db_session) == 0


# ---- the buyer's page ----------------------------------------------------------------------

NOW = datetime.now(UTC)


def _quoted(db_session, *, days=30, deposit_pct=None, **overrides):
    quote = make_quote(db_session, **overrides)
    issued = workflow.issue_quote(db_session, quote, actor="staff:bob",
                                  unit_prices={n: 12000 for n in range(1, len(quote.lines) + 1)},
                                  valid_until=NOW + timedelta(days=days), deposit_pct=deposit_pct,
                                  now=NOW - timedelta(days=1) if days <= 0 else NOW)
    db_session.commit()
    return quote, issued.token


def test_quote_page_shows_the_quote_and_protects_its_url(client, catalogue, db_session):
    quote, token = _quoted(db_session, deposit_pct=25, company="<script>alert(1)</script> GmbH")
    resp = client.get(f"/oem/quotes/{token}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert quote.reference in html and 'id="quote-total">$180,000.00<' in html
    assert "25% deposit: $45,000.00" in html and "Full amount: $180,000.00" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    # The URL is the credential: no Referer leaks it (the site-wide policy is strict-origin; every
    # answer under the token tightens it, redirects and errors too), and no shared cache keeps it.
    assert resp.headers["Referrer-Policy"] == "no-referrer" and 'name="referrer"' not in html
    assert "no-store" in resp.headers["Cache-Control"]
    missing = client.get("/oem/quotes/" + "x" * 43)
    assert missing.status_code == 404 and missing.headers["Referrer-Policy"] == "no-referrer"
    moved = client.post(f"/oem/quotes/{token}/messages", data={"body": "Hello"})
    assert moved.status_code == 303 and moved.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in moved.headers["Cache-Control"]
    assert client.get("/oem/quote").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_buyer_declines_through_the_page(client, catalogue, db_session):
    quote, token = _quoted(db_session)
    resp = client.post(f"/oem/quotes/{token}/decline", data={"reason": "Found a local supplier"})
    assert resp.status_code == 303
    db_session.refresh(quote)
    assert quote.status == QuoteStatus.DECLINED
    assert quote.events[-1].actor == "buyer:ana@example.com"
    staff_mail = db_session.scalar(select(OutboxEmail).where(OutboxEmail.dedupe_key == f"quote-declined:{quote.reference}"))
    assert staff_mail.to_addr == "sales@localhost" and "Found a local supplier" in staff_mail.body_text
    # Declining again is a conflict, shown on the page, not a 500.
    assert client.post(f"/oem/quotes/{token}/decline", data={}).status_code == 409


def test_buyer_message_through_the_page(client, catalogue, db_session):
    quote, token = _quoted(db_session)
    resp = client.post(f"/oem/quotes/{token}/messages", data={"body": "Can you do 630 nm instead?"})
    assert resp.status_code == 303
    db_session.refresh(quote)
    assert [(m.from_buyer, m.body) for m in quote.messages] == [(True, "Can you do 630 nm instead?")]
    assert client.post(f"/oem/quotes/{token}/messages", data={"body": "  "}).status_code == 422
    page = client.get(f"/oem/quotes/{token}").get_data(as_text=True)
    assert "Can you do 630 nm instead?" in page


def test_accept_after_expiry_is_410_and_records_the_expiry(client, catalogue, db_session):
    quote = make_quote(db_session)
    issued = workflow.issue_quote(db_session, quote, actor="staff:bob", unit_prices={1: 100, 2: 100},
                                  valid_until=NOW - timedelta(minutes=1), now=NOW - timedelta(days=2))
    db_session.commit()
    page = client.get(f"/oem/quotes/{issued.token}").get_data(as_text=True)
    assert "expired on" in page and "Accept and pay" not in page
    resp = client.post(f"/oem/quotes/{issued.token}/accept", data={"payment_option": "full"})
    assert resp.status_code == 410
    db_session.refresh(quote)
    assert quote.status == QuoteStatus.EXPIRED
    assert quote.events[-1].action == "expired"


def test_accept_too_large_for_a_card_is_settled_by_transfer(client, catalogue, db_session):
    quote, token = _quoted(db_session, lines=[{"kind": "panel", "quantity": 10_000, "description": "x"}])
    assert workflow.payment_options(quote) == {}
    resp = client.post(f"/oem/quotes/{token}/accept", data={})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/oem/quotes/{token}")
    db_session.refresh(quote)
    assert quote.status == QuoteStatus.ACCEPTED and quote.order_ref is None
    assert "bank transfer" in client.get(f"/oem/quotes/{token}").get_data(as_text=True)
    keys = set(db_session.scalars(select(OutboxEmail.dedupe_key)))
    assert {f"quote-accepted:{quote.reference}", f"quote-accepted-staff:{quote.reference}"} <= keys


@pytest.mark.parametrize("path", ["accept", "decline", "messages", "pay"])
def test_token_routes_need_csrf(app, client, catalogue, db_session, monkeypatch, path):
    _, token = _quoted(db_session)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/oem/quotes/{token}/{path}", data={"payment_option": "full"}).status_code == 400


def test_field_and_catalogue_errors_come_in_one_round(client, catalogue, db_session):
    data = form_data(**{"email": "nope", "lines-0-sku": "LASER-RX-20W", "lines-0-quantity": "2",
                        "lines-0-private_label": None, "lines-0-wavelengths": "",
                        "lines-0-certifications": None, "lines-1-kind": "", "lines-1-quantity": "",
                        "lines-1-description": "", "lines-2-sku": "NOPE-1", "lines-2-quantity": "1"})
    html = client.post("/oem/quote", data=data).get_data(as_text=True)
    assert 'id="err-email"' in html
    assert 'id="err-practitioner-licence_number"' in html
    assert 'id="err-lines-2-sku"' in html and "unknown SKU NOPE-1" in html
