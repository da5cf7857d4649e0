"""Catalogue page: cards, facets, bookmarkable filters, search, pagination, bad input."""

from __future__ import annotations

import re

from storefront.catalog.cache import clear_caches
from tests.factories import create_products, product_record


def text(resp) -> str:
    return resp.get_data(as_text=True)


def card_names(html: str) -> list[str]:
    return re.findall(r'class="card-title" id="card-\d+"><a href="[^"]+">([^<]+)</a>', html)


def test_home_and_products_list_published_products(client, shop):
    for path in ("/", "/products"):
        resp = client.get(path)
        assert resp.status_code == 200
        html = text(resp)
        assert card_names(html) == ["Aurora Belt", "Boreal Belt", "Cirrus Panel", "Draco Laser"]
        assert "Hidden Draft" not in html and "Old Archived" not in html
        assert '<link rel="canonical" href="http://localhost/products">' in html


def test_cards_show_price_stock_wavelengths_and_laser_label(client, shop):
    html = text(client.get("/products"))
    assert "$199.00" in html and "$12,900.00" in html
    assert "In stock" in html and "Only 3 left" in html and "Out of stock" in html
    assert "660 nm · 850 nm" in html
    laser_card = html[html.index("Draco Laser"):]
    laser_card = laser_card[:laser_card.index("</article>")]
    assert "US Class IV / IEC Class 4 laser product" in laser_card
    assert "Rx only" in laser_card


def test_facets_show_counts_and_bookmarkable_links(client, shop):
    html = text(client.get("/products?kind=belt"))
    assert card_names(html) == ["Aurora Belt", "Boreal Belt"]
    # The kind facet keeps offering other kinds with their counts; the chosen one unticks.
    assert re.search(r'href="/products\?kind=belt&amp;kind=panel"[^>]*>.*?Panels.*?>1<', html, re.S)
    assert re.search(r'class="facet-link is-selected" href="/products" rel="nofollow" aria-current="true"', html)
    assert '<link rel="canonical" href="http://localhost/products?kind=belt">' in html


def test_filters_combine_in_the_query_string(client, shop):
    html = text(client.get("/products?kind=belt&kind=panel&wavelength=630"))
    assert card_names(html) == ["Cirrus Panel"]
    html = text(client.get("/products?min_price=20000&max_price=70000"))
    assert card_names(html) == ["Boreal Belt", "Cirrus Panel"]
    html = text(client.get("/products?laser_class=IV"))
    assert card_names(html) == ["Draco Laser"]
    html = text(client.get("/products?sort=price_desc"))
    assert card_names(html)[0] == "Draco Laser"


def test_blank_form_fields_are_ignored(client, shop):
    resp = client.get("/products?q=&min_price=&max_price=&sort=name")
    assert resp.status_code == 200
    assert len(card_names(text(resp))) == 4


def test_bad_parameters_get_422_with_a_helpful_page(client, shop):
    resp = client.get("/products?page=-1&min_price=abc&kind=toaster&kind=belt")
    assert resp.status_code == 422
    html = text(resp)
    assert "could not be used" in html
    assert "page:" in html and "min_price: Not a valid integer." in html and "kind:" in html
    # The usable filters still apply... except kind, which had a bad value and was dropped.
    assert len(card_names(html)) == 4
    assert 'name="robots" content="noindex' in html


def test_page_past_the_end_is_404_with_links(client, shop):
    resp = client.get("/products?per_page=2&page=9")
    assert resp.status_code == 404
    assert "There is no page 9" in text(resp)


def test_pagination_links(client, shop):
    html = text(client.get("/products?per_page=2"))
    assert card_names(html) == ["Aurora Belt", "Boreal Belt"]
    assert 'href="/products?per_page=2&amp;page=2" rel="next"' in html
    html = text(client.get("/products?per_page=2&page=2"))
    assert card_names(html) == ["Cirrus Panel", "Draco Laser"]
    assert '<link rel="prev" href="/products?per_page=2">' in html


def test_search_and_prefix_matching(client, shop):
    html = text(client.get("/products?q=auro"))
    assert card_names(html) == ["Aurora Belt"]
    assert "Results for “auro”" in html
    html = text(client.get("/products?q=infra&kind=panel"))
    assert card_names(html) == ["Cirrus Panel"]  # "near-infrared" in its copy
    html = text(client.get("/products?q=laser&kind=panel"))
    assert "0 products for “laser”" in html
    # The help offers the laser without the kind filter.
    assert "Products matching some of your words" in html and "Draco Laser" in html


def test_empty_search_helps(client, shop):
    resp = client.get("/products?q=aurora+unobtainium&kind=panel")
    html = text(resp)
    assert resp.status_code == 200
    assert "No products match" in html
    assert 'href="/products?q=aurora+unobtainium"' in html  # same words, no filters
    assert "Products matching some of your words" in html
    assert "Aurora Belt" in html


def test_header_cart_count_reads_the_session(client, shop):
    with client.session_transaction() as sess:
        sess["cart"] = {"W-BELT-1": 2, "W-BELT-2": 1}
    html = text(client.get("/products"))
    assert 'class="cart-count" data-count="3">3<' in html
    with client.session_transaction() as sess:
        sess["cart"] = "garbage"
    assert 'data-count="0"' in text(client.get("/products"))


def test_layout_is_accessible(client, shop):
    html = text(client.get("/products"))
    assert '<a class="skip-link" href="#main">' in html and '<main id="main"' in html
    assert '<nav class="main-nav" aria-label="Main">' in html
    for href in ('href="/oem/quote"', 'href="/cart"', 'href="/compare"'):
        assert href in html
    # Every input has a label.
    for input_id in re.findall(r'<input id="([^"]+)"', html):
        assert f'for="{input_id}"' in html, input_id
    assert "not intended to diagnose, treat, cure or prevent any disease" in html


def test_sql_statements_do_not_grow_with_page_size(app, client, query_counter, db_session):
    create_products(db_session, *[product_record(name=f"Bulk Belt {i:02d}") for i in range(60)])

    def selects(url):
        with query_counter() as statements:
            resp = client.get(url)
        assert resp.status_code == 200
        return len(card_names(text(resp))), len([s for s in statements
                                                  if s.lstrip().upper().startswith("SELECT")])

    base = "/products?q=belt&kind=belt&wavelength=660"
    counts = {}
    for per_page in (5, 50):
        clear_caches(app)
        counts["fresh", per_page] = selects(f"{base}&per_page={per_page}")
    for per_page in (5, 50):
        counts["new state", per_page] = selects(f"{base}&per_page={per_page}&sort=price_asc")
        counts["warm", per_page] = selects(f"{base}&per_page={per_page}&sort=price_asc")
    for key, (cards, _) in counts.items():
        assert cards == key[1], counts
    n = {k: v[1] for k, v in counts.items()}
    # A fresh process: version and stock, the facet index (rows, bands, four sort orders),
    # the ranked search, live stock of the page, its products and their bands.
    assert n["fresh", 5] == n["fresh", 50] <= 12, n  # 12: one query for the cards' pictures
    # A new filter state on a built index: version and stock, stock, products, bands, pictures.
    assert n["new state", 5] == n["new state", 50] <= 5, n
    # A state seen before: one statement (the version with the page's live stock).
    assert n["warm", 5] == n["warm", 50] == 1, n


def test_cards_show_live_stock_through_the_cache(client, shop, db_session):
    from sqlalchemy import update

    from storefront.catalog.models import Product

    assert "Only 3 left" in text(client.get("/products?kind=belt"))
    # Checkout moves stock without touching updated_at (the catalogue version).
    db_session.execute(update(Product).where(Product.sku == "W-BELT-2")
                       .values(stock=0, updated_at=Product.updated_at))
    html = text(client.get("/products?kind=belt"))
    assert "Only 3 left" not in html and "Out of stock" in html


def test_catalogue_edits_show_through_the_cache(client, shop, db_session):
    assert "Aurora Belt" in text(client.get("/products"))
    shop["W-BELT-1"].name = "Aurora Belt Mk II"
    db_session.commit()
    html = text(client.get("/products"))
    assert "Aurora Belt Mk II" in html
