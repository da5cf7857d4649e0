"""Comparison page, sitemap.xml, robots.txt and the error page."""

from __future__ import annotations

import xml.etree.ElementTree as ET


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_compare_up_to_three(client, shop):
    slugs = [shop[s].slug for s in ("W-BELT-1", "W-PANEL-1", "W-LASER-1")]
    resp = client.get("/compare?" + "&".join(f"p={s}" for s in slugs))
    assert resp.status_code == 200
    html = text(resp)
    for name in ("Aurora Belt", "Cirrus Panel", "Draco Laser"):
        assert name in html
    assert html.count('class="wavelength-chart"') == 3
    assert '<th scope="row">Laser class</th><td>—</td><td>—</td><td>US Class IV / IEC Class 4 laser product</td>' in html
    assert '<th scope="row">Dose per 10 min</th><td>24.0 J/cm²</td>' in html


def test_compare_more_than_three_is_422_and_shows_three(client, shop):
    slugs = [shop[s].slug for s in ("W-BELT-1", "W-BELT-2", "W-PANEL-1", "W-LASER-1")]
    resp = client.get("/compare?" + "&".join(f"p={s}" for s in slugs))
    assert resp.status_code == 422
    html = text(resp)
    assert "up to 3" in html
    assert html.count('class="wavelength-chart"') == 3


def test_compare_unknown_or_unlisted(client, shop):
    resp = client.get(f"/compare?p={shop['W-DRAFT-1'].slug}&p={shop['W-BELT-1'].slug}")
    assert resp.status_code == 422
    assert "Not found: " in text(resp) and "Hidden Draft" not in text(resp)
    resp = client.get("/compare")
    assert resp.status_code == 200 and "Choose up to 3 products" in text(resp)


def test_sitemap_lists_published_products(client, shop):
    resp = client.get("/sitemap.xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.fromstring(resp.data).findall("s:url/s:loc", ns)]
    assert "http://localhost/products" in locs
    for sku in ("W-BELT-1", "W-LASER-1"):
        assert f"http://localhost/products/{shop[sku].slug}" in locs
    for sku in ("W-DRAFT-1", "W-ARCH-1"):
        assert f"http://localhost/products/{shop[sku].slug}" not in locs


def test_robots_txt(client):
    resp = client.get("/robots.txt")
    assert resp.mimetype == "text/plain"
    body = text(resp)
    assert "Disallow: /cart" in body and "Disallow: /staff/" in body
    assert "Sitemap: http://localhost/sitemap.xml" in body


def test_error_page_is_friendly(client):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    html = text(resp)
    assert "We could not find that page" in html
    assert '<a class="skip-link"' in html and 'href="/products"' in html
    assert '<meta name="robots" content="noindex">' in html
