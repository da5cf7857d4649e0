"""Public guide pages, feed, sitemap, product page and the JSON API."""

import json
import re

from storefront.guides import services
from storefront.guides.schemas import GuideRecordSchema
from tests.guides.conftest import guide_record

schema = GuideRecordSchema()


def _guide(db_session, **kw):
    g, _ = services.save(db_session, schema.load(guide_record(**kw)))
    db_session.commit()
    return g


def test_article_page(client, db_session, products):
    body = ("Intro text [1].\n\n## Dose\n\nDose is irradiance times time.\n\n"
            "{{ product: clinic-belt }}\nThe Clinic Belt has 120 LEDs.\n")
    g = _guide(db_session, body=body, tags=["dose"])
    other = _guide(db_session, tags=["dose"])
    html = client.get(f"/guides/{g.slug}").get_data(as_text=True)
    assert 'href="#dose"' in html and "min read" in html
    assert "Reviewed by <strong>A Reviewer</strong>, PhD" in html and 'datetime="2026-11-01"' in html
    assert 'id="ref-1"' in html and "https://doi.org/10.1155/2006/876920" in html
    card = html[html.index('data-product="clinic-belt"'):]
    assert "$199.00" in card and "In stock" in card and "FDA-cleared (K123456)" in card
    assert f'href="/guides/{other.slug}"' in html  # related guide
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1])
    assert ld["@type"] == "Article" and ld["lastReviewed"] == "2026-11-01"


def test_list_tags_feed_sitemap_and_product_page(client, db_session, products):
    g = _guide(db_session, tags=["lasers"], body="Text.\n\n{{ product: glow-belt }}\n")
    draft = _guide(db_session, status="draft")
    listing = client.get("/guides?tag=lasers").get_data(as_text=True)
    assert g.title in listing and draft.title not in listing
    assert client.get("/guides?tag=nothing").get_data(as_text=True).count("guide-teaser") == 0
    feed = client.get("/guides/feed.xml")
    assert feed.mimetype == "application/atom+xml"
    assert f"/guides/{g.slug}</id>" in feed.get_data(as_text=True)
    assert draft.slug not in feed.get_data(as_text=True)
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"/guides/{g.slug}</loc>" in sitemap and draft.slug not in sitemap
    page = client.get("/products/glow-belt").get_data(as_text=True)
    assert "Guides that feature this product" in page and f"/guides/{g.slug}" in page
    assert client.get(f"/guides/{draft.slug}").status_code == 404


def test_api_list_and_detail(client, db_session, products):
    g = _guide(db_session, tags=["dose"], body="Text [1].\n\n{{ product: clinic-belt }}\n")
    body = client.get("/api/v1/guides?tag=dose").get_json()
    assert body["total"] == 1 and body["items"][0]["slug"] == g.slug
    assert {"tag": "dose", "count": 1} in body["tags"]
    detail = client.get(f"/api/v1/guides/{g.slug}").get_json()
    assert detail["references"][0]["url"] == "https://doi.org/10.1155/2006/876920"
    assert detail["products"][0]["slug"] == "clinic-belt" and detail["products"][0]["card"]
    assert detail["products"][0]["price"]["amount"] == 19900
    assert 'data-product-card="clinic-belt"' in detail["body_html"]
    missing = client.get("/api/v1/guides/nope")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    assert client.get("/api/v1/guides?page=0").status_code == 422
    assert "/api/v1/guides" in client.get("/api/openapi.json").get_json()["paths"]
