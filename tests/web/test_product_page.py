"""Product page: specs with units, chart, dose, sanitised copy, precautions, buying route."""

from __future__ import annotations

import json
import re

from storefront.catalog.dose import dose_table, fluence_j_cm2
from tests.factories import create_products, product_record


def text(resp) -> str:
    return resp.get_data(as_text=True)


def section(html: str, css_class: str) -> str:
    start = html.index(f'<section class="{css_class}"')
    return html[start:html.index("</section>", start)]


def test_unlisted_products_are_404(client, shop):
    for sku in ("W-DRAFT-1", "W-ARCH-1"):
        resp = client.get(f"/products/{shop[sku].slug}")
        assert resp.status_code == 404
        assert "We could not find" in text(resp)
    assert client.get("/products/no-such-thing").status_code == 404


def test_spec_table_has_units(client, shop):
    html = text(client.get(f"/products/{shop['W-BELT-1'].slug}"))
    specs = section(html, "specs")
    for label, value in [("Wavelengths", "660 nm (50%), 850 nm (50%)"), ("LED count", "120"),
                         ("Treatment area", "600 cm²"), ("Electrical power draw", "36 W"),
                         ("Timer settings", "10, 15, 20 min"), ("Weight", "650 g"),
                         ("Dimensions (L × W × H)", "1,000 × 200 × 12 mm"),
                         ("Regulatory status", "General wellness device (not FDA-cleared)")]:
        assert f'<th scope="row">{label}</th><td>{value}</td>' in specs, label
    assert "40 mW/cm² at 0 cm (thermopile sensor at the pad surface)" in specs


def test_wavelength_chart_is_an_accessible_svg(client, shop):
    html = text(client.get(f"/products/{shop['W-BELT-1'].slug}"))
    svg = html[html.index("<svg"):html.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg
    assert "660 nm (50%, visible red), 850 nm (50%, near-infrared, invisible)" in svg
    assert svg.count("<polygon") == 2
    assert ">660 nm<" in svg and ">850 nm<" in svg


def test_dose_table_from_irradiance():
    assert fluence_j_cm2(40, 600) == 24.0
    table = dose_table(40, 0, None, [10, 20, 10])
    assert [(r.minutes, r.seconds, r.fluence_j_cm2) for r in table.rows] == [(10, 600, 24.0), (20, 1200, 48.0)]
    assert [r.minutes for r in dose_table(10).rows] == [5, 10, 15, 20]
    assert dose_table(None) is None and dose_table(0) is None


def test_dose_table_on_the_page(client, shop):
    dose = section(text(client.get(f"/products/{shop['W-BELT-1'].slug}")), "dose")
    assert "<strong>40 mW/cm²</strong> measured at <strong>0 cm</strong>" in dose
    assert '<th scope="row">10 min</th><td>600 s</td><td>24.0 J/cm²</td>' in dose
    assert '<th scope="row">20 min</th><td>1200 s</td><td>48.0 J/cm²</td>' in dose
    laser = section(text(client.get(f"/products/{shop['W-LASER-1'].slug}")), "dose")
    assert "No irradiance is stated" in laser


def test_copy_is_rendered_from_markdown_and_sanitised(client, shop):
    copy = section(text(client.get(f"/products/{shop['W-BELT-1'].slug}")), "copy")
    assert "<h4>Care</h4>" in copy  # "## Care": headings shift two levels below the page h2
    assert "<script>" not in copy and "&lt;script&gt;" in copy
    assert "javascript:" not in copy.replace("[More](javascript:alert(1))", "")
    assert '<a href="https://example.com/specs" rel="nofollow noopener">specs</a>' in copy
    assert "120 LEDs at 660 nm and 850 nm." in copy


def test_precautions_block_is_complete(client, shop):
    from storefront.catalog.gate import precautions_for

    html = text(client.get(f"/products/{shop['W-LASER-1'].slug}"))
    block = html[html.index('id="precautions"'):html.index("</section>\n\n    <section class=\"copy\"")]
    expected = precautions_for(shop["W-LASER-1"])
    assert expected.mandatory_lines
    for line in expected.lines:
        assert f'data-precaution="{line.id}"' in block, line.id
    for sec in expected.sections:
        assert sec.title in block
    if expected.eyewear:
        assert "Required laser eyewear" in block
    # The block comes before the marketing copy.
    assert html.index('id="precautions"') < html.index('id="about-heading"')


def test_wellness_product_can_be_added_to_cart(client, shop):
    html = text(client.get(f"/products/{shop['W-BELT-1'].slug}"))
    form = html[html.index('<form class="add-to-cart"'):]
    form = form[:form.index("</form>")]
    assert 'method="post" action="/cart/items"' in form
    assert 'name="csrf_token"' in form
    assert 'name="sku" value="W-BELT-1"' in form
    assert re.search(r'<label for="quantity">Quantity</label>\s*<input id="quantity" name="quantity"', form)
    assert "Rx only" not in html[:html.index('id="precautions"')]


def test_out_of_stock_has_no_cart_form(client, shop):
    html = text(client.get(f"/products/{shop['W-PANEL-1'].slug}"))
    assert 'class="add-to-cart"' not in html
    assert "Out of stock" in html


def test_rx_only_laser_points_to_the_quote_route(client, shop):
    html = text(client.get(f"/products/{shop['W-LASER-1'].slug}"))
    assert 'action="/cart/items"' not in html
    assert 'href="/oem/quote?sku=W-LASER-1"' in html
    assert "<strong>Rx only.</strong>" in html
    assert "US Class IV / IEC Class 4 laser product" in html
    assert "DANGER" in html
    # The block speaks to the practitioner, not a lay user.
    assert "For the practitioner: read all of these before operating" in html
    assert "If in doubt, ask your doctor" not in html


def test_consumer_devices_tell_the_user_to_ask_a_doctor(client, shop):
    html = text(client.get(f"/products/{shop['W-BELT-1'].slug}"))
    assert "If in doubt, ask your doctor" in html
    assert "For the practitioner" not in html


def test_oem_options_and_tiers(client, shop):
    oem = section(text(client.get(f"/products/{shop['W-BELT-1'].slug}")), "oem")
    assert "<dt>Minimum order</dt><dd>100 units</dd>" in oem
    assert "<td>100+</td><td>$90.00</td>" in oem and "<td>500+</td><td>$80.00</td>" in oem
    assert 'href="/oem/quote?sku=W-BELT-1"' in oem


def test_seo_metadata(client, shop):
    p = shop["W-BELT-1"]
    html = text(client.get(f"/products/{p.slug}"))
    assert f'<link rel="canonical" href="http://localhost/products/{p.slug}">' in html
    assert '<meta name="description" content="120 LEDs at 660 nm and 850 nm.">' in html
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "Product" and data["sku"] == "W-BELT-1" and data["name"] == "Aurora Belt"
    assert data["offers"] == {"@type": "Offer", "price": "199.00", "priceCurrency": "USD",
                              "availability": "https://schema.org/InStock",
                              "url": f"http://localhost/products/{p.slug}"}
    assert {"@type": "PropertyValue", "name": "Wavelength", "value": 660, "unitText": "nm"} in data["additionalProperty"]
    laser = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>',
                                 text(client.get(f"/products/{shop['W-LASER-1'].slug}")), re.S).group(1))
    assert "offers" not in laser  # prescription devices are not offered online


def test_json_ld_cannot_break_out_of_its_script(client, db_session):
    (p,) = create_products(db_session, product_record(
        sku="W-EVIL-1", name="Evil </script><script>alert(1)</script> Belt", slug="evil-belt"))
    html = text(client.get("/products/evil-belt"))
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert json.loads(raw)["name"] == p.name
    assert "<script>alert(1)" not in html


def test_product_page_queries_are_bounded(app, client, shop, query_counter):
    from storefront.catalog.cache import clear_caches

    url = f"/products/{shop['W-BELT-1'].slug}"
    clear_caches(app)
    counts = []
    for _ in range(2):
        with query_counter() as statements:
            assert client.get(url).status_code == 200
        counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    # Cold: live head, then the product with its bands and tiers (one join), its pictures,
    # the guides featuring it. Warm: the live head only.
    assert counts == [4, 1], counts


def test_product_page_is_current_through_the_cache(client, shop, db_session):
    from sqlalchemy import insert, update

    from storefront.catalog.models import Product, WavelengthBand

    p = shop["W-BELT-2"]
    url = f"/products/{p.slug}"
    assert "Only 3 left" in text(client.get(url))
    # Stock moves without touching updated_at (as checkout does): the buy box is live.
    db_session.execute(update(Product).where(Product.id == p.id).values(stock=0, updated_at=Product.updated_at))
    html = text(client.get(url))
    assert "Out of stock" in html and 'class="add-to-cart"' not in html
    # A band added without touching the product row still shows (and so do its precautions).
    db_session.execute(insert(WavelengthBand).values(product_id=p.id, position=9, nm=1064))
    db_session.expire_all()  # requests here share the test's session; a real one starts fresh
    html = text(client.get(url))
    assert ">1064 nm<" in html


def test_shared_product_page_carries_no_csrf_token(client, shop):
    import re

    # Anonymous visitors share the page (and the page cache keeps it): the add-to-cart form
    # asks /cart/token for the visitor's own token on submit (tests/web/test_page_cache.py).
    url = f"/products/{shop['W-BELT-1'].slug}"
    for _ in range(2):
        resp = client.get(url)
        assert "Set-Cookie" not in resp.headers
        form = re.search(r'<form class="add-to-cart".*?</form>', text(resp), re.S).group(0)
        assert 'name="csrf_token" value=""' in form and 'data-csrf-url="/cart/token"' in form
    # A visitor with a session gets a page with their own token in the form.
    with client.session_transaction() as sess:
        sess["cart"] = {"W-BELT-2": 1}
    html = text(client.get(url))
    assert re.search(r'name="csrf_token" value="[\w.-]{20,}"', html)
    assert "data-csrf-url" not in html


def test_visitors_with_a_cart_get_their_own_header(client, shop):
    url = f"/products/{shop['W-BELT-1'].slug}"
    assert 'data-count="0"' in text(client.get(url))
    with client.session_transaction() as sess:
        sess["cart"] = {"W-BELT-2": 3}
    assert 'data-count="3"' in text(client.get(url))
    assert 'data-count="3"' in text(client.get("/products"))
