"""``/api/v1/products``: filters, facets, pagination with total, details, errors, OpenAPI."""

from __future__ import annotations

import pytest

from storefront.catalog.cache import clear_caches
from tests.factories import create_products, product_record


def skus(body):
    return [item["sku"] for item in body["items"]]


def test_list_paginates_with_total(client, shop):
    resp = client.get("/api/v1/products?per_page=3")
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["total"], body["page"], body["per_page"], body["pages"]) == (4, 1, 3, 2)
    assert skus(body) == ["W-BELT-1", "W-BELT-2", "W-PANEL-1"]
    assert skus(client.get("/api/v1/products?per_page=3&page=2").get_json()) == ["W-LASER-1"]
    assert client.get("/api/v1/products?per_page=3&page=3").get_json()["items"] == []


def test_list_item_shape(client, shop):
    items = {i["sku"]: i for i in client.get("/api/v1/products").get_json()["items"]}
    belt = items["W-BELT-1"]
    assert belt["price"] == {"amount": 19900, "currency": "USD", "display": "$199.00"}
    assert belt["availability"] == "in_stock" and belt["stock"] == 12
    assert belt["wavelengths_nm"] == [660, 850] and belt["laser_class"] is None
    assert belt["url"] == f"/products/{shop['W-BELT-1'].slug}"
    assert belt["api_url"] == f"/api/v1/products/{shop['W-BELT-1'].slug}"
    laser = items["W-LASER-1"]
    assert laser["rx_only"] is True and laser["regulatory"] == "rx_only"
    assert laser["laser_class"] == {"us": "IV", "iec": "4", "label": "US Class IV / IEC Class 4 laser product"}
    assert items["W-PANEL-1"]["availability"] == "out_of_stock"


def test_same_filters_as_the_pages(client, shop):
    get = lambda qs: skus(client.get("/api/v1/products?" + qs).get_json())  # noqa: E731
    assert get("kind=belt&kind=panel&wavelength=630") == ["W-PANEL-1"]
    assert get("min_price=20000&max_price=70000") == ["W-BELT-2", "W-PANEL-1"]
    assert get("laser_class=IV") == ["W-LASER-1"]
    assert get("q=auro") == ["W-BELT-1"]
    assert get("sort=price_desc")[0] == "W-LASER-1"
    assert get("coverage=500-2000&kind=belt") == ["W-BELT-1", "W-BELT-2"]


def test_facets_in_the_list(client, shop):
    body = client.get("/api/v1/products?kind=belt").get_json()
    kind = next(f for f in body["facets"] if f["name"] == "kind")
    assert {v["value"]: (v["count"], v["selected"]) for v in kind["values"]} == {
        "belt": (2, True), "handheld": (0, False), "panel": (1, False), "laser": (1, False)}
    price = next(f for f in body["facets"] if f["name"] == "price")
    assert price["values"][0] == {"value": "-9999", "label": "", "count": 0, "selected": False,
                                  "min": None, "max": 9999}


@pytest.mark.parametrize("qs, fields", [
    ("kind=toaster", {"kind[0]"}),  # kind is a list: the path names the bad value
    ("page=-1", {"page"}),
    ("page=0", {"page"}),
    ("min_price=abc", {"min_price"}),
    ("min_price=-5", {"min_price"}),
    ("per_page=500", {"per_page"}),
    ("sort=random", {"sort"}),
    ("wavelength=abc", {"wavelength[0]"}),
    ("coverage=huge", {"coverage[0]"}),
    ("laser_class=V", {"laser_class[0]"}),
    ("kind=", {"kind[0]"}),  # the API takes no blank values (the page's form does)
    ("q=" + "x" * 201, {"q"}),
    ("page=-1&min_price=abc&kind=x", {"page", "min_price", "kind[0]"}),
])
def test_bad_parameters_are_422_with_field_errors(client, shop, qs, fields):
    resp = client.get("/api/v1/products?" + qs)
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["status"] == 422 and isinstance(body["code"], str) and body["message"]
    assert set(body["errors"]) == fields


def test_detail(client, shop):
    p = shop["W-BELT-1"]
    resp = client.get(f"/api/v1/products/{p.slug}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["sku"] == "W-BELT-1"
    assert body["copy"]["body_markdown"].startswith("## Care")
    assert "<h4>Care</h4>" in body["copy"]["body_html"] and "<script>" not in body["copy"]["body_html"]
    assert body["specs"]["irradiance"] == {"mw_cm2": 40.0, "distance_cm": 0.0,
                                           "method": "thermopile sensor at the pad surface"}
    assert body["wavelengths"] == [{"nm": 660, "share_pct": 50.0, "power_w": None},
                                   {"nm": 850, "share_pct": 50.0, "power_w": None}]
    assert body["dose"]["rows"][0] == {"minutes": 10, "seconds": 600, "fluence_j_cm2": 24.0}
    assert body["purchase"] == {"method": "cart", "cart_url": "/cart/items", "quote_url": "/oem/quote?sku=W-BELT-1"}
    assert body["oem"]["tiers"] == [{"min_qty": 100, "unit_price": 9000}, {"min_qty": 500, "unit_price": 8000}]


def test_detail_precautions_are_structured(client, shop):
    from storefront.catalog.gate import precautions_for

    body = client.get(f"/api/v1/products/{shop['W-LASER-1'].slug}").get_json()
    assert body["precautions"] == precautions_for(shop["W-LASER-1"]).to_dict()
    sections = body["precautions"]["sections"]
    assert sections and all(s["title"] and s["lines"] for s in sections)
    assert body["purchase"]["method"] == "quote" and body["purchase"]["cart_url"] is None
    assert body["dose"] is None


def test_unlisted_and_unknown_are_404_json(client, shop):
    for slug in (shop["W-DRAFT-1"].slug, shop["W-ARCH-1"].slug, "nope"):
        resp = client.get(f"/api/v1/products/{slug}")
        assert resp.status_code == 404
        assert resp.get_json()["code"] == "not_found" and resp.get_json()["status"] == 404


def test_list_statements_do_not_grow_with_page_size(app, client, db_session, query_counter):
    create_products(db_session, *[product_record(name=f"Api Belt {i:02d}") for i in range(40)])
    counts = []
    for per_page in (2, 40):
        for warm in (False, True):
            if not warm:
                clear_caches(app)
            with query_counter() as statements:
                body = client.get(f"/api/v1/products?per_page={per_page}&kind=belt").get_json()
            assert len(body["items"]) == per_page
            counts.append(len([s for s in statements if s.lstrip().upper().startswith("SELECT")]))
    cold_small, warm_small, cold_large, warm_large = counts
    # Cold: version and stock, the facet index (rows, bands, four sort orders), stock,
    # products, bands, images (one statement for the page). Warm: one statement.
    assert cold_small == cold_large <= 11, counts
    assert warm_small == warm_large == 1, counts


def test_list_shows_live_stock_through_the_cache(client, shop, db_session):
    from sqlalchemy import update

    from storefront.catalog.models import Product

    def belt():
        items = client.get("/api/v1/products?kind=belt").get_json()["items"]
        return next(i for i in items if i["sku"] == "W-BELT-1")

    assert belt()["stock"] == 12
    # Checkout moves stock without touching updated_at (the catalogue version).
    db_session.execute(update(Product).where(Product.sku == "W-BELT-1")
                       .values(stock=0, updated_at=Product.updated_at))
    assert (belt()["stock"], belt()["availability"]) == (0, "out_of_stock")


def test_openapi_documents_the_real_error_body(client):
    spec = client.get("/api/openapi.json").get_json()
    error = spec["components"]["schemas"]["Error"]
    assert error["properties"]["code"]["type"] == "string"
    assert error["properties"]["status"]["type"] == "integer"
    assert set(error["required"]) == {"code", "status", "message", "errors"}
    list_op = spec["paths"]["/api/v1/products"]["get"]
    params = {p["name"] for p in list_op["parameters"]}
    assert {"kind", "wavelength", "min_price", "max_price", "q", "sort", "page", "per_page"} <= params
    assert "422" in list_op["responses"]
    assert "404" in spec["paths"]["/api/v1/products/{slug}"]["get"]["responses"]


def test_inverted_price_range_is_valid_and_empty(client, shop):
    body = client.get("/api/v1/products?min_price=50000&max_price=100").get_json()
    assert (body["total"], body["items"]) == (0, [])


def test_products_carry_their_images_primary_first(client, db_session, tmp_path):
    """CONTRACT: the products API answers images: [{url, alt, width, height}]."""
    from io import BytesIO

    from flask import current_app
    from PIL import Image

    from storefront.media.service import add_image, storage_for

    product, other = create_products(db_session, product_record(name="Pictured Belt"),
                                     product_record(name="Plain Belt"))
    storage = storage_for(current_app)
    for colour, alt in (("red", "The belt, front"), ("blue", "The belt, back")):
        buf = BytesIO()
        Image.new("RGB", (800, 600), colour).save(buf, "PNG")
        add_image(db_session, storage, product.id, buf.getvalue(), alt)
    db_session.commit()
    listed = {i["sku"]: i for i in client.get("/api/v1/products?per_page=50").get_json()["items"]}
    detail = client.get(f"/api/v1/products/{product.slug}").get_json()
    for images in (listed[product.sku]["images"], detail["images"]):
        assert [i["alt"] for i in images] == ["The belt, front", "The belt, back"]
        assert all(i["width"] == 800 and i["height"] == 600 for i in images)
        assert client.get(images[0]["url"]).status_code == 200
    assert listed[other.sku]["images"] == []
