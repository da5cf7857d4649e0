"""The staff workspace in Chromium (issue 12's "Done when").

Import a catalogue with errors, read them by path, fix, apply, and see the products with
their pictures in the shop; create a product with a picture in the editor and publish it
through the gate; send a quote and follow its accept link from the development mail page.
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.extensions import db
from storefront.media.models import ProductImage
from storefront.quotes.models import Quote
from storefront.staff.models import AuditLog, Role
from tests.factories import product_record
from tests.media.images import make_image
from tests.quotes.conftest import make_quote, panel_record
from tests.staff.conftest import PASSWORD, add_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def shop(live_server_factory):
    live = live_server_factory(DEV_MAIL_PAGE=True)
    yield live
    live.stop()


def _login(page, shop, role: Role) -> str:
    email = shop.run(lambda: add_staff(db.session, role).email)
    page.goto(f"{shop.url}/staff/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    return email


def _bundle(doc: dict, files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("catalogue.json", json.dumps(doc))
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _image_loaded(locator) -> bool:
    return locator.evaluate("img => img.complete && img.naturalWidth > 0")


def test_import_with_errors_fix_apply_and_see_the_products_with_pictures(shop, page):
    good = [product_record(sku=f"IMP-WRAP-{i}", name=f"Imported Wrap {i}", images=[
        {"path": f"images/wrap-{i}.png", "alt": f"Imported wrap {i} laid flat"}]) for i in (1, 2)]
    broken = copy.deepcopy(good)
    broken[0]["wavelengths"][0]["nm"] = 5000
    broken[1]["price"] = -5
    files = {f"images/wrap-{i}.png": make_image("PNG", (900, 600), color=(190, 20 * i, 30))
             for i in (1, 2)}
    _login(page, shop, Role.CATALOG_EDITOR)
    page.get_by_role("link", name="Import").first.click()

    page.get_by_label("Catalogue file (.json or .zip)").set_input_files(
        {"name": "catalogue.zip", "mimeType": "application/zip", "buffer": _bundle({"products": broken}, files)})
    page.get_by_role("button", name="Check file (dry run)").click()
    errors = page.locator("#errors")
    expect(errors).to_contain_text("products[0].wavelengths[0].nm")
    expect(errors).to_contain_text("products[1].price")
    expect(page.get_by_role("button", name=re.compile("^Apply"))).to_have_count(0)
    assert shop.run(lambda: db.session.scalar(select(Product).where(Product.sku == "IMP-WRAP-1"))) is None

    # The fixed file: the same two products, now clean.
    page.get_by_role("link", name="Import").first.click()
    page.get_by_label("Catalogue file (.json or .zip)").set_input_files(
        {"name": "catalogue.zip", "mimeType": "application/zip", "buffer": _bundle({"products": good}, files)})
    page.get_by_role("button", name="Check file (dry run)").click()
    expect(page.locator("#errors")).to_have_count(0)
    expect(page.locator('tr[data-sku="IMP-WRAP-1"]')).to_contain_text("new")
    page.get_by_role("button", name=re.compile("^Apply")).click()
    expect(page.locator("#import-state")).to_have_text(re.compile("Applied", re.I))

    # In the shop, with their pictures, served and decoded by the browser.
    page.goto(f"{shop.url}/products?q=Imported+Wrap")
    cards = page.locator(".card-image img")
    expect(cards).to_have_count(2)
    cards.first.scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.card-image img')].every(i => i.complete && i.naturalWidth > 0)")
    page.get_by_role("link", name="Imported Wrap 1").first.click()
    hero = page.locator(".gallery-item img").first
    expect(hero).to_have_attribute("alt", "Imported wrap 1 laid flat")
    page.wait_for_function("() => { const i = document.querySelector('.gallery-item img'); return i.complete && i.naturalWidth > 0 }")
    assert _image_loaded(hero)
    assert shop.run(lambda: db.session.scalar(select(AuditLog.action).where(
        AuditLog.action == "catalog.import"))) == "catalog.import"
    assert page.js_errors == []


def test_create_a_product_with_a_picture_and_publish_it_through_the_gate(shop, page):
    _login(page, shop, Role.CATALOG_EDITOR)
    page.get_by_role("link", name="Products").first.click()
    page.get_by_role("link", name="New product").click()
    page.get_by_label("SKU").fill("ED-WRAP-1")
    page.get_by_label("Name", exact=True).fill("Editor Wrap")
    page.get_by_label("Kind").select_option("belt")
    page.get_by_label("Price", exact=True).fill("229.00")
    page.get_by_label("Currency").fill("USD")
    page.get_by_label("Regulatory status").select_option("wellness")
    page.get_by_label("band 1 nm").fill("660")
    page.get_by_label("band 1 share_pct").fill("50")
    page.get_by_label("band 2 nm").fill("850")
    page.get_by_label("band 2 share_pct").fill("50")
    page.get_by_label("LED count").fill("120")
    page.get_by_label("mode 1 type").select_option("cw")
    page.get_by_label("Timer settings (minutes)").fill("10, 20")
    page.get_by_label("Headline").fill("Cures back pain in a week")
    page.get_by_label("Summary").fill("120 LEDs at 660 nm and 850 nm with a 10 or 20 minute timer.")
    page.get_by_label("Body (Markdown)").fill("Wrap it around your waist and relax. Use only as directed.")
    page.get_by_label("Opening stock").fill("12")
    page.get_by_role("button", name="Create draft").click()
    expect(page.locator(".flash")).to_contain_text("Created ED-WRAP-1 as a draft")

    page.get_by_label("Image (JPEG, PNG or WebP)").set_input_files(
        {"name": "wrap.jpg", "mimeType": "image/jpeg", "buffer": make_image("JPEG", (1400, 900))})
    page.get_by_label("Alt text (required)").fill("The editor wrap around a waist")
    page.get_by_role("button", name="Upload picture").click()
    item = page.locator(".image-item img").first
    expect(item).to_have_attribute("alt", "The editor wrap around a waist")

    # The gate refuses the disease claim; fixing the headline lets it through.
    page.get_by_role("link", name="Compliance review and Publish").click()
    expect(page.locator("#gate-verdict")).to_contain_text("Blocked")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#message")).to_contain_text("blocks publishing")
    page.get_by_label("Headline").fill("A red light wrap for your evening routine")
    expect(page.locator("#copy-form")).to_have_attribute("data-checked", "ok")
    page.get_by_role("button", name="Save copy").click()
    expect(page.locator("#gate-verdict")).to_contain_text("lets this copy through")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#product-status")).to_have_text("On sale")

    page.get_by_role("link", name="View in the shop").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Editor Wrap")
    hero = page.locator(".gallery-item img").first
    expect(hero).to_have_attribute("alt", "The editor wrap around a waist")
    page.wait_for_function("() => { const i = document.querySelector('.gallery-item img'); return i.complete && i.naturalWidth > 0 }")

    def stored():
        db.session.expire_all()
        p = db.session.scalar(select(Product).where(Product.sku == "ED-WRAP-1"))
        n = db.session.scalar(select(db.func.count(ProductImage.id)).where(ProductImage.product_id == p.id))
        return p.status.value, p.stock, p.price_amount, n
    assert shop.run(stored) == ("published", 12, 22900, 1)
    assert page.js_errors == []


def test_send_a_quote_then_follow_the_accept_link_from_the_development_mail_page(shop, page):
    def setup():
        if db.session.scalar(select(Product).where(Product.sku == "PANEL-5W-300")) is None:
            from tests.factories import create_products
            create_products(db.session, panel_record())
            db.session.commit()
        return make_quote(db.session).reference
    ref = shop.run(setup)
    _login(page, shop, Role.SALES)
    page.locator("#tile-quotes").click()
    page.get_by_role("link", name=ref).click()
    expect(page.locator("#quote-status")).to_have_text("New")

    # Line 2 left unpriced: the error sits under line 2, and the summary links to it.
    page.get_by_label("Unit price of line 1").fill("90.00")
    page.get_by_role("button", name="Send quote").click()
    expect(page.locator("#err-line-2")).to_contain_text("Enter a unit price for this line.")
    expect(page.locator("#err-line-1")).to_have_count(0)
    expect(page.locator("#line-error-summary")).to_contain_text("Line 2")
    expect(page.get_by_label("Unit price of line 1")).to_have_value("90.00")
    page.get_by_label("Unit price of line 2").fill("40.00")
    page.get_by_role("button", name="Send quote").click()
    expect(page.locator("#quote-status")).to_have_text("Sent to buyer")
    expect(page.locator("#quoted-total")).to_have_text("$85,000.00")

    page.get_by_role("link", name="Mail (dev)").click()
    page.get_by_role("link", name=f"Your quote {ref} is ready").click()
    expect(page.locator("#mail-to")).to_have_text("ana@example.com")
    expect(page.locator("#mail-text")).to_contain_text("Total: $85,000.00")
    link = page.locator("#mail-text a").filter(has_text="/oem/quotes/")
    expect(link).to_have_count(1)
    link.click()
    expect(page).to_have_url(re.compile(r"/oem/quotes/[A-Za-z0-9_-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Quote {ref}")
    expect(page.locator("#quote-total")).to_have_text("$85,000.00")
    assert shop.run(lambda: db.session.scalar(select(Quote.status).where(Quote.reference == ref))) == "quoted"
    assert page.js_errors == []
