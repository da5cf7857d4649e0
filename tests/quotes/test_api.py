"""POST /api/v1/quotes and GET /api/v1/quotes/price: contract shape, validation matrix, sizes."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import func, select

from storefront.quotes.models import Quote, QuoteStatus
from tests.quotes.conftest import PDF_MIN, PNG_1PX, SVG_SCRIPT, contract_request

LASER_LINE = {"sku": "LASER-RX-20W", "quantity": 2}
PRACTITIONER = {"licence_number": "MD-12345", "practice_name": "Weber Physio"}


def _at(errors: dict, path: str):
    """The messages at a flat field path ("lines[0].quantity"); every value is a list of strings."""
    assert all(isinstance(k, str) and isinstance(v, list) and all(isinstance(m, str) for m in v)
               for k, v in errors.items()), errors
    assert path in errors, f"{path} not in {errors}"
    return errors[path]


def _count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Quote))


def test_contract_example_is_accepted(client, catalogue, db_session):
    resp = client.post("/api/v1/quotes", json=contract_request())
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert set(body) >= {"reference", "status"}
    assert re.fullmatch(r"Q-\d{4}-\d{6}", body["reference"])
    assert body["status"] == "new"

    quote = db_session.scalar(select(Quote).where(Quote.reference == body["reference"]))
    assert quote.company == "Brightwave GmbH" and quote.country == "DE" and quote.source == "api"
    assert quote.target_unit_price == 12000 and quote.needed_by.isoformat() == "2027-03-01"
    panel, custom = quote.lines
    assert (panel.sku, panel.quantity, panel.indicative_unit_price, panel.below_moq) == (
        "PANEL-5W-300", 500, 12500, False)
    assert panel.customisations == {"private_label": True, "wavelengths_nm": [630, 660, 850]}
    assert custom.sku is None and custom.kind.value == "belt" and custom.description == "custom 8-zone wrap"
    assert custom.indicative_unit_price is None
    assert [(e.action, e.to_status, e.actor) for e in quote.events] == [
        ("requested", QuoteStatus.NEW, "buyer:ana@example.com")]


def test_below_moq_is_allowed_with_a_warning(client, catalogue):
    body = contract_request(lines=[{"sku": "PANEL-5W-300", "quantity": 10}])
    resp = client.post("/api/v1/quotes", json=body)
    assert resp.status_code == 201
    assert any("minimum order quantity of 100" in w for w in resp.get_json()["warnings"])


def test_rx_only_laser_with_practitioner_details(client, catalogue, db_session):
    resp = client.post("/api/v1/quotes", json=contract_request(
        buyer_type="clinic", lines=[LASER_LINE], practitioner=PRACTITIONER))
    assert resp.status_code == 201, resp.get_json()
    quote = db_session.scalar(select(Quote).where(Quote.reference == resp.get_json()["reference"]))
    assert quote.licence_number == "MD-12345" and quote.practice_name == "Weber Physio"
    assert quote.lines[0].prescription is True


def test_lowercase_country_and_sku_are_normalised(client, catalogue, db_session):
    body = contract_request(country="de", lines=[{"sku": "panel-5w-300", "quantity": 100}])
    resp = client.post("/api/v1/quotes", json=body)
    assert resp.status_code == 201, resp.get_json()


def _bad(**changes):
    return contract_request(**changes)


def _line(**changes):
    line = {"sku": "PANEL-5W-300", "quantity": 500}
    line.update(changes)
    return [line]


VALIDATION_CASES = {
    "bad email": (_bad(email="not-an-email"), "email"),
    "email with CRLF": (_bad(email="ana@example.com\r\nBcc: all@example.com"), "email"),
    "email with trailing LF": (_bad(email="ana@example.com\n"), "email"),
    "company with LF": (_bad(company="Brightwave\nBcc: x@example.com"), "company"),
    "contact with CR": (_bad(contact_name="Ana\rWeber"), "contact_name"),
    "phone with CRLF": (_bad(phone="+49 30\r\n1234"), "phone"),
    "phone letters": (_bad(phone="call me"), "phone"),
    "quantity zero": (_bad(lines=_line(quantity=0)), "lines[0].quantity"),
    "quantity negative": (_bad(lines=_line(quantity=-5)), "lines[0].quantity"),
    "quantity string": (_bad(lines=_line(quantity="500")), "lines[0].quantity"),
    "quantity bool": (_bad(lines=_line(quantity=True)), "lines[0].quantity"),
    "quantity float": (_bad(lines=_line(quantity=2.5)), "lines[0].quantity"),
    "unknown sku": (_bad(lines=_line(sku="NOPE-123")), "lines[0].sku"),
    "draft sku": (_bad(lines=_line(sku="DRAFT-BELT")), "lines[0].sku"),
    "second line unknown": (_bad(lines=[{"sku": "PANEL-5W-300", "quantity": 1},
                                        {"sku": "NOPE-9", "quantity": 1}]), "lines[1].sku"),
    "wavelength low": (_bad(lines=_line(customisations={"wavelengths_nm": [199]})),
                       "lines[0].customisations.wavelengths_nm[0]"),
    "wavelength high": (_bad(lines=_line(customisations={"wavelengths_nm": [660, 1501]})),
                        "lines[0].customisations.wavelengths_nm[1]"),
    "wavelength duplicate": (_bad(lines=_line(customisations={"wavelengths_nm": [660, 660]})),
                             "lines[0].customisations.wavelengths_nm"),
    "unknown certification": (_bad(lines=_line(customisations={"certifications": ["FDA approved"]})),
                              "lines[0].customisations.certifications[0]"),
    "led count zero": (_bad(lines=_line(customisations={"led_count": 0})), "lines[0].customisations.led_count"),
    "unknown customisation": (_bad(lines=_line(customisations={"colour": "red"})),
                              "lines[0].customisations.colour"),
    "country unknown": (_bad(country="XX"), "country"),
    "country name": (_bad(country="Germany"), "country"),
    "country alpha-3": (_bad(country="DEU"), "country"),
    "buyer type": (_bad(buyer_type="reseller"), "buyer_type"),
    "currency": (_bad(currency="BTC"), "currency"),
    "no lines": (_bad(lines=[]), "lines"),
    "sku and kind": (_bad(lines=_line(kind="panel")), "lines[0].kind"),
    "neither sku nor kind": (_bad(lines=[{"quantity": 3}]), "lines[0].sku"),
    "custom without description": (_bad(lines=[{"kind": "belt", "quantity": 3}]), "lines[0].description"),
    "unknown kind": (_bad(lines=[{"kind": "sauna", "quantity": 3, "description": "x"}]), "lines[0].kind"),
    "negative target price": (_bad(target_unit_price=-1), "target_unit_price"),
    "float target price": (_bad(target_unit_price=120.5), "target_unit_price"),
    "needed_by past": (_bad(needed_by="2001-01-01"), "needed_by"),
    "needed_by garbage": (_bad(needed_by="soon"), "needed_by"),
    "missing company": ({k: v for k, v in contract_request().items() if k != "company"}, "company"),
    "unknown top-level field": (_bad(discount=50), "discount"),
    "rx laser without practitioner": (_bad(lines=[LASER_LINE]), "practitioner.licence_number"),
    "custom laser without practitioner": (_bad(lines=[{"kind": "laser", "quantity": 2,
                                                        "description": "15 W 980 nm"}]),
                                          "practitioner.practice_name"),
    "practitioner with LF": (_bad(lines=[LASER_LINE], practitioner={
        "licence_number": "MD-1\nX", "practice_name": "P"}), "practitioner.licence_number"),
    "notes with NUL": (_bad(notes="hello\x00"), "notes"),
}


@pytest.mark.parametrize("case", sorted(VALIDATION_CASES))
def test_validation_matrix(client, catalogue, db_session, case):
    body, path = VALIDATION_CASES[case]
    before = _count(db_session)
    resp = client.post("/api/v1/quotes", json=body)
    assert resp.status_code == 422, (case, resp.status_code, resp.get_json())
    payload = resp.get_json()
    assert set(payload) == {"code", "status", "message", "errors"}
    assert payload["status"] == 422
    assert _at(payload["errors"], path)
    assert _count(db_session) == before


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 422),
        ("company=x", "application/x-www-form-urlencoded", 422),
    ],
)
def test_malformed_bodies_are_client_errors(client, catalogue, data, content_type, status):
    resp = client.post("/api/v1/quotes", data=data, content_type=content_type)
    assert resp.status_code == status
    assert resp.get_json()["status"] == status


def test_oversize_body_is_a_clean_413(app, client, catalogue, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    before = _count(db_session)
    resp = client.post("/api/v1/quotes", json=contract_request(notes="x" * 100_000))
    assert resp.status_code == 413
    body = resp.get_json()
    assert body["status"] == 413 and body["code"] == "request_entity_too_large"
    assert _count(db_session) == before


def test_attachment_through_the_api_is_stored_outside_the_web_root(app, client, catalogue, db_session, upload_dir):
    body = contract_request(attachment={"filename": "../../logo.PNG",
                                        "content_base64": base64.b64encode(PNG_1PX).decode()})
    resp = client.post("/api/v1/quotes", json=body)
    assert resp.status_code == 201, resp.get_json()
    quote = db_session.scalar(select(Quote).where(Quote.reference == resp.get_json()["reference"]))
    (att,) = quote.attachments
    assert att.content_type == "image/png" and att.filename == "logo.png" and att.size_bytes == len(PNG_1PX)
    stored = upload_dir / "quotes" / att.storage_key
    assert stored.read_bytes() == PNG_1PX
    static = app.static_folder
    assert not str(stored.resolve()).startswith(str(static))


@pytest.mark.parametrize(
    ("filename", "data", "status", "message"),
    [
        ("logo.svg", SVG_SCRIPT, 422, "SVG"),
        ("logo.png", SVG_SCRIPT, 422, "SVG"),  # the name does not matter, the bytes do
        ("spec.pdf", b"MZ\x90\x00 not a pdf", 422, "PNG, JPEG or PDF"),
        ("spec.pdf", PDF_MIN.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>"),
         422, "scripts"),
        ("empty.png", b"", 422, "empty"),
    ],
)
def test_attachment_type_is_checked_by_content(client, catalogue, db_session, upload_dir,
                                               filename, data, status, message):
    body = contract_request(attachment={"filename": filename, "content_base64": base64.b64encode(data).decode()})
    before = _count(db_session)
    resp = client.post("/api/v1/quotes", json=body)
    assert resp.status_code == status
    assert message in " ".join(resp.get_json()["errors"]["attachment"])
    assert _count(db_session) == before
    assert not (upload_dir / "quotes").exists() or not any((upload_dir / "quotes").iterdir())


def test_attachment_over_its_limit_is_413(app, client, catalogue, upload_dir, monkeypatch):
    monkeypatch.setitem(app.config, "QUOTE_ATTACHMENT_MAX_BYTES", 1024)
    big = PDF_MIN + b"%" + b"x" * 2048
    body = contract_request(attachment={"filename": "spec.pdf", "content_base64": base64.b64encode(big).decode()})
    resp = client.post("/api/v1/quotes", json=body)
    assert resp.status_code == 413
    assert resp.get_json()["code"] == "attachment_too_large"


def test_bad_base64_is_422(client, catalogue):
    body = contract_request(attachment={"filename": "a.png", "content_base64": "###"})
    resp = client.post("/api/v1/quotes", json=body)
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["attachment.content_base64"] == ["not valid base64"]


def test_price_endpoint(client, catalogue):
    resp = client.get("/api/v1/quotes/price", query_string={"sku": "PANEL-5W-300", "quantity": 600})
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["unit_price"], body["total"], body["tier_min_qty"], body["below_moq"]) == (12500, 7_500_000, 500, False)
    assert body["total_display"] == "$75,000.00" and body["next_tier"] == {
        "min_qty": 2000, "unit_price": 11000, "unit_price_display": "$110.00"}


def test_price_endpoint_below_moq(client, catalogue):
    body = client.get("/api/v1/quotes/price?sku=panel-5w-300&quantity=20").get_json()
    assert body["unit_price"] == 24900 and body["below_moq"] is True and body["warnings"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("sku=NOPE&quantity=5", "sku"), ("sku=DRAFT-BELT&quantity=5", "sku"),
     ("sku=PANEL-5W-300&quantity=0", "quantity"), ("sku=PANEL-5W-300&quantity=abc", "quantity"),
     ("sku=PANEL-5W-300", "quantity")],
)
def test_price_endpoint_errors(client, catalogue, query, field):
    resp = client.get(f"/api/v1/quotes/price?{query}")
    assert resp.status_code == 422
    assert field in resp.get_json()["errors"]


def test_openapi_documents_the_quote_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/quotes"]
    assert "get" in spec["paths"]["/api/v1/quotes/price"]
    responses = spec["paths"]["/api/v1/quotes"]["post"]["responses"]
    assert {"201", "413", "422", "429"} <= set(responses)
