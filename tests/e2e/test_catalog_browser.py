"""In real headless Chromium: filter, search, open a product, read precautions, add to cart."""

from __future__ import annotations

import re

import pytest

from tests.factories import laser_record, product_record

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def shop(live_server):
    live_server.seed(
        product_record(sku="E2E-BELT-1", name="Aurora Belt", price=19_900, stock=8),
        product_record(sku="E2E-BELT-2", name="Boreal Belt", price=24_900, stock=8),
        product_record(sku="E2E-PANEL-1", name="Cirrus Panel", kind="panel", price=59_900, stock=5,
                       wavelengths=[{"nm": 630, "share_pct": 50}, {"nm": 660, "share_pct": 50}],
                       copy={"headline": "A tall panel", "summary": "630 and 660 nm.",
                             "body": "Stand 15 cm away."}),
        laser_record(sku="E2E-LASER-1", name="Draco Laser"),
    )
    return live_server


def card_titles(page):
    return page.locator("ul.cards .card-title").all_inner_texts()


def test_filter_by_kind_and_clear(page, shop):
    page.goto(shop.url + "/")
    assert card_titles(page) == ["Aurora Belt", "Boreal Belt", "Cirrus Panel", "Draco Laser"]
    page.locator(".facets").get_by_role("link", name=re.compile(r"^Panels")).click()
    page.wait_for_url(re.compile(r"kind=panel"))
    assert card_titles(page) == ["Cirrus Panel"]
    assert page.get_by_role("heading", name=re.compile(r"^1 product")).is_visible()
    # Facets combine and the address stays bookmarkable.
    page.locator(".facets").get_by_role("link", name=re.compile(r"^Belts and wraps")).click()
    page.wait_for_url(re.compile(r"kind=belt&kind=panel"))
    assert card_titles(page) == ["Aurora Belt", "Boreal Belt", "Cirrus Panel"]
    page.get_by_role("link", name="Clear all filters").click()
    page.wait_for_url(shop.url + "/products")
    assert len(card_titles(page)) == 4


def test_search_with_prefix_and_sort(page, shop):
    page.goto(shop.url + "/")
    page.get_by_role("searchbox", name="Search products").fill("auro")
    page.get_by_role("searchbox", name="Search products").press("Enter")
    page.wait_for_url(re.compile(r"q=auro"))
    assert card_titles(page) == ["Aurora Belt"]
    box = page.locator("#q")
    box.fill("belt")
    page.get_by_label("Sort by").select_option("price_desc")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"sort=price_desc"))
    assert card_titles(page) == ["Boreal Belt", "Aurora Belt"]


def test_empty_search_offers_a_way_out(page, shop):
    page.goto(shop.url + "/products?q=unobtainium")
    assert page.get_by_text("No products match").is_visible()
    page.get_by_role("link", name="Show every product without the search words").click()
    assert len(card_titles(page)) == 4


def test_open_a_product_and_read_its_precautions(page, shop):
    page.goto(shop.url + "/products")
    page.get_by_role("link", name="Cirrus Panel").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Cirrus Panel"
    precautions = page.locator("#precautions")
    assert precautions.get_by_role("heading", name=re.compile("Precautions")).is_visible()
    assert precautions.locator("li").count() >= 10
    # The chart is an image with a text alternative; the spec table has units.
    assert page.get_by_role("img", name="Emission wavelengths").is_visible()
    assert page.locator(".spec-table").get_by_text("630 nm (50%), 660 nm (50%)").is_visible()
    # The pointer in the buy box jumps to the precautions.
    page.locator(".buy-box").get_by_role("link", name="precautions").click()
    assert page.url.endswith("#precautions")
    assert precautions.is_visible()


def test_add_to_cart(page, shop):
    page.goto(shop.url + "/products")
    page.get_by_role("link", name="Aurora Belt").click()
    page.get_by_label("Quantity").fill("2")
    has_cart = any(r.rule == "/cart/items" for r in shop.app.url_map.iter_rules())
    if not has_cart:
        assert page.locator("form.add-to-cart").count() == 1
        return
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart$"))
    assert page.locator(".cart-count").inner_text() == "2"
    assert page.get_by_role("link", name="Aurora Belt").is_visible()


def test_each_visitor_gets_their_own_csrf_token(browser, page, shop):
    """Product pages are shared between anonymous visitors, so their cart form carries no
    token; on submit it fetches the visitor's own, bound to that visitor's session."""
    url = shop.url + "/products/aurora-belt"
    tokens = []
    other = browser.new_context()
    try:
        for pg in (page, other.new_page()):
            pg.goto(url)
            field = pg.locator("form.add-to-cart input[name=csrf_token]")
            assert field.get_attribute("value") == ""  # nothing shared in the page
            with pg.expect_request(lambda r: r.method == "POST" and r.url.endswith("/cart/items")
                                   ) as posted:
                pg.get_by_role("button", name="Add to cart").click()
            tokens.append(dict(x.split("=", 1) for x in posted.value.post_data.split("&"))
                          ["csrf_token"])
            pg.wait_for_url(re.compile(r"/cart$"))
            assert pg.locator(".cart-count").inner_text() == "1"
    finally:
        other.close()
    assert all(t and len(t) > 20 for t in tokens)
    assert tokens[0] != tokens[1]  # two visitors, two sessions


def test_rx_only_laser_has_no_cart_button(page, shop):
    page.goto(shop.url + "/products?kind=laser")
    card = page.locator(".card", has_text="Draco Laser")
    assert card.get_by_text("US Class IV / IEC Class 4 laser product").is_visible()
    card.get_by_role("link", name="Draco Laser").click()
    assert page.get_by_role("button", name="Add to cart").count() == 0
    quote = page.get_by_role("link", name="Request a practitioner quote")
    assert quote.get_attribute("href") == "/oem/quote?sku=E2E-LASER-1"
    assert page.get_by_role("note").filter(has_text="Rx only").is_visible()


def test_compare_two_products(page, shop):
    page.goto(shop.url + "/products")
    page.get_by_role("checkbox", name="Compare").nth(0).check()
    page.get_by_role("checkbox", name="Compare").nth(2).check()
    page.get_by_role("button", name="compare them side by side").click()
    page.wait_for_url(re.compile(r"/compare\?"))
    headers = page.locator(".compare-table thead th").all_inner_texts()
    assert any("Aurora Belt" in h for h in headers) and any("Cirrus Panel" in h for h in headers)


def test_keyboard_skip_link_and_no_script_errors(page, shop):
    console_errors = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.goto(shop.url + "/products")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    # the fragment navigation lands a moment after the key press (it once raced on a busy VM)
    page.wait_for_function("location.hash === '#main'", timeout=5000)
    assert page.url.endswith("#main")
    assert page.js_errors == []
    assert console_errors == []  # no CSP violations, no missing assets
