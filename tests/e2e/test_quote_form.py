"""The quote form in real Chromium: live indicative price, extra lines, submit, reference."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.factories import laser_record
from tests.quotes.conftest import panel_record

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def quote_server(live_server):
    live_server.seed(panel_record(), laser_record(sku="LASER-RX-20W"))
    return live_server


def test_fill_see_price_submit_get_reference(quote_server, page):
    console_errors: list[str] = []
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.goto(quote_server.url + "/oem/quote")
    page.fill("#company", "Brightwave GmbH")
    page.fill("#contact_name", "Ana Weber")
    page.fill("#email", "ana@example.com")
    page.select_option("#country", "DE")
    page.select_option("#buyer_type", "brand")

    price = page.locator('[data-line="0"] [data-role="price"]')
    page.fill("#lines-0-sku", "PANEL-5W-300")
    page.fill("#lines-0-quantity", "50")
    # Below the MOQ: the list price, with a warning.
    page.wait_for_function(
        "() => document.querySelector('[data-line=\"0\"] [data-role=\"price\"]').textContent.includes('$249.00')")
    assert "minimum order quantity of 100" in price.text_content()
    page.fill("#lines-0-quantity", "500")
    page.wait_for_function(
        "() => document.querySelector('[data-line=\"0\"] [data-role=\"price\"]').textContent.includes('$125.00')")
    assert "$62,500.00 total (500+ tier)" in price.text_content()
    assert "minimum order quantity" not in price.text_content()

    page.fill("#lines-0-sku", "NOPE-1")
    page.wait_for_function(
        "() => document.querySelector('[data-line=\"0\"] [data-role=\"price\"]').textContent.includes('unknown SKU')")
    page.fill("#lines-0-sku", "PANEL-5W-300")

    # A fourth line through the script, then a custom device on it.
    page.click("[data-add-line]")
    assert page.locator("[data-line]").count() == 4
    page.select_option("#lines-3-kind", "belt")
    page.fill("#lines-3-quantity", "1000")
    page.fill("#lines-3-description", "custom 8-zone wrap")
    page.click("#quote-form details summary >> nth=0")
    page.check("input[name='lines-0-private_label']")
    page.fill("#lines-0-wavelengths", "630, 660, 850")
    page.fill("#notes", "Please quote EXW.")

    page.click("#quote-submit")
    page.wait_for_url(re.compile(r".*/oem/quote/sent$"))
    ref = page.locator("#quote-reference").text_content()
    assert re.fullmatch(r"Q-\d{4}-\d{6}", ref)

    def stored():
        from storefront.extensions import db
        from storefront.quotes.models import Quote

        q = db.session.scalar(select(Quote).where(Quote.reference == ref))
        return (q.company, q.source, [(ln.sku, ln.kind.value, ln.quantity, ln.customisations) for ln in q.lines])

    company, source, lines = quote_server.run(stored)
    assert (company, source) == ("Brightwave GmbH", "web")
    assert lines == [("PANEL-5W-300", "panel", 500, {"private_label": True, "wavelengths_nm": [630, 660, 850]}),
                     (None, "belt", 1000, {})]
    assert page.js_errors == []
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_server_side_errors_show_next_to_fields(quote_server, page):
    page.goto(quote_server.url + "/oem/quote")
    page.fill("#company", "Clinic Nord")
    page.fill("#contact_name", "Dr Lund")
    page.fill("#email", "lund@example")
    page.select_option("#country", "SE")
    page.select_option("#buyer_type", "clinic")
    page.fill("#lines-0-sku", "LASER-RX-20W")
    page.fill("#lines-0-quantity", "2")
    page.click("#quote-submit")
    assert page.locator("#err-email").is_visible()
    assert "required for prescription" in page.locator("#err-practitioner-licence_number").text_content()
    assert page.input_value("#company") == "Clinic Nord"
    page.fill("#email", "lund@example.com")
    page.fill("#licence_number", "SE-998877")
    page.fill("#practice_name", "Clinic Nord Physio")
    page.click("#quote-submit")
    page.wait_for_url(re.compile(r".*/oem/quote/sent$"))
    assert re.fullmatch(r"Q-\d{4}-\d{6}", page.locator("#quote-reference").text_content())
