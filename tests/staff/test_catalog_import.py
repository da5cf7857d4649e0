"""Catalogue import in the browser: dry run by JSON path, apply all or nothing, export."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.media.models import ProductImage
from storefront.seeding.loader import validate_document
from storefront.staff.models import AuditLog, Role
from tests.factories import create_products, laser_record, product_record
from tests.media.images import make_image
from tests.staff.conftest import add_staff, login


def _upload(client, doc=None, *, raw: bytes | None = None, name="catalogue.json", prune=False):
    data = raw if raw is not None else json.dumps(doc).encode()
    form = {"file": (io.BytesIO(data), name)}
    if prune:
        form["prune"] = "1"
    resp = client.post("/staff/catalog/import", data=form, content_type="multipart/form-data")
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    return resp.headers["Location"]


def _apply(client, url):
    resp = client.post(url + "/apply")
    assert resp.status_code == 303
    return client.get(url)


def test_dry_run_lists_every_error_by_path_and_writes_nothing(admin_client, db_session):
    bad = product_record(price=-5)
    bad2 = product_record(wavelengths=[{"nm": 5000}])
    url = _upload(admin_client, {"products": [bad, bad2]})
    page = admin_client.get(url).get_data(as_text=True)
    assert "products[0].price" in page
    assert "products[1].wavelengths[0].nm" in page and "must be between 200 and 1500" in page
    assert "Apply: load these products" not in page
    assert db_session.scalar(select(Product).where(Product.sku == bad["sku"])) is None


def test_preview_diff_then_apply_is_audited(admin_client, db_session):
    (existing,) = create_products(db_session, product_record(price=10000, status="draft"))
    db_session.commit()
    rec_existing = product_record(sku=existing.sku, name=existing.name, slug=existing.slug,
                                  price=12900, status="draft")
    new = product_record(status="draft")
    url = _upload(admin_client, {"products": [rec_existing, new]})
    page = admin_client.get(url).get_data(as_text=True)
    assert f'data-sku="{new["sku"]}"' in page
    assert ">new<" in page and ">updated<" in page
    assert "<th scope=\"row\">price</th>" in page and "$100.00" in page and "$129.00" in page
    assert "Apply: load these products" in page
    page = _apply(admin_client, url).get_data(as_text=True)
    assert "Applied" in page and "1 created, 1 updated" in page
    db_session.expire_all()
    assert db_session.scalar(select(Product.price_amount).where(Product.sku == existing.sku)) == 12900
    assert db_session.scalar(select(Product).where(Product.sku == new["sku"])) is not None
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "catalog.import"))
    assert entry.after["created"] == 1 and entry.after["updated"] == 1
    assert new["sku"] in entry.after["created_skus"]


def test_compliance_findings_shown_and_published_block_refuses_apply(admin_client, db_session):
    rec = product_record(status="published", copy={
        "headline": "Cures fibromyalgia with no side effects", "summary": "x", "body": "y"})
    url = _upload(admin_client, {"products": [rec]})
    page = admin_client.get(url).get_data(as_text=True)
    assert "Compliance findings" in page and "products[0].copy.headline" in page
    assert "blocks publishing" in page
    assert "Apply: load these products" not in page
    resp = admin_client.post(url + "/apply")
    assert resp.status_code == 303
    assert db_session.scalar(select(Product).where(Product.sku == rec["sku"])) is None


def test_invalid_json_is_refused_with_line(admin_client):
    resp = admin_client.post("/staff/catalog/import", data={"json": '{"products": [}'})
    assert resp.status_code == 422
    assert "line 1" in resp.get_data(as_text=True)


def test_paste_json(admin_client, db_session):
    rec = product_record(status="draft")
    resp = admin_client.post("/staff/catalog/import", data={"json": json.dumps({"products": [rec]})})
    assert resp.status_code == 303
    page = _apply(admin_client, resp.headers["Location"]).get_data(as_text=True)
    assert "1 created" in page


def _zip(doc, files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("catalogue/products.json", json.dumps(doc))
        for path, data in files.items():
            zf.writestr("catalogue/" + path, data)
    return buf.getvalue()


def test_zip_with_images_then_export_round_trip(admin_client, db_session, app):
    rec = product_record(status="draft", images=[
        {"path": "images/front.png", "alt": "The wrap laid flat"},
        {"path": "images/side.jpg", "alt": "The wrap from the side"}])
    bundle = _zip({"products": [rec]}, {"images/front.png": make_image("PNG", (900, 600)),
                                         "images/side.jpg": make_image("JPEG", (700, 700))})
    url = _upload(admin_client, raw=bundle, name="catalogue.zip")
    page = _apply(admin_client, url).get_data(as_text=True)
    assert "1 created" in page, page
    product = db_session.scalar(select(Product).where(Product.sku == rec["sku"]))
    images = db_session.scalars(select(ProductImage).where(ProductImage.product_id == product.id)
                                .order_by(ProductImage.position)).all()
    assert [i.alt for i in images] == ["The wrap laid flat", "The wrap from the side"]
    assert [v["width"] for v in images[0].variants] == [320, 640, 900]
    # The variants are served with long cache headers.
    resp = admin_client.get("/media/" + images[0].variants[0]["webp"])
    assert resp.status_code == 200 and resp.mimetype == "image/webp"
    assert "immutable" in resp.headers["Cache-Control"]

    exported = admin_client.get("/staff/catalog/export?format=zip")
    assert exported.status_code == 200
    zf = zipfile.ZipFile(io.BytesIO(exported.data))
    doc = json.loads(zf.read("products.json"))
    mine = next(p for p in doc["products"] if p["sku"] == rec["sku"])
    assert [i["alt"] for i in mine["images"]] == ["The wrap laid flat", "The wrap from the side"]
    assert all(i["path"] in zf.namelist() for i in mine["images"])
    # Loading the export again changes nothing.
    url = _upload(admin_client, raw=exported.data, name="export.zip")
    page = admin_client.get(url).get_data(as_text=True)
    row = page.split(f'data-sku="{rec["sku"]}"')[1].split("</tr>")[0]
    assert ">unchanged<" in row, row


def test_images_in_plain_json_are_an_error_by_path(admin_client):
    rec = product_record(status="draft", images=[{"path": "images/front.png", "alt": "x"}])
    url = _upload(admin_client, {"products": [rec]})
    page = admin_client.get(url).get_data(as_text=True)
    assert "products[0].images[0].path" in page and "upload a .zip" in page


def test_image_alt_required(admin_client):
    rec = product_record(status="draft", images=[{"path": "images/front.png", "alt": " "}])
    page = admin_client.get(_upload(admin_client, {"products": [rec]})).get_data(as_text=True)
    assert "products[0].images[0].alt" in page


def test_export_json_loads_cleanly(admin_client, db_session):
    create_products(db_session, product_record(), laser_record())
    db_session.commit()
    resp = admin_client.get("/staff/catalog/export")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    records, errors, _ = validate_document(json.loads(resp.data))
    assert errors == [] and len(records) >= 2


def test_sales_cannot_import(client, db_session):
    user = add_staff(db_session, Role.SALES)
    login(client, user)
    assert client.get("/staff/catalog/import").status_code == 403


def test_editor_cannot_publish_a_laser_by_import(client, db_session):
    user = add_staff(db_session, Role.CATALOG_EDITOR)
    login(client, user)
    url = _upload(client, {"products": [laser_record(status="published")]})
    page = client.get(url).get_data(as_text=True)
    assert "only an admin may publish a prescription device" in page


def test_status_endpoint_reports_job(admin_client):
    url = _upload(admin_client, {"products": [product_record(status="draft")]})
    body = admin_client.get(url + "/status").get_json()
    assert body["state"] == "checked"


def test_preview_diff_reads_in_words_not_json(admin_client, db_session):
    from tests.factories import create_products

    rec = product_record(status="draft")
    create_products(db_session, rec)
    db_session.commit()
    changed = {**rec, "price": 24950,
               "wavelengths": [{"nm": 630, "share_pct": 50}, {"nm": 850, "share_pct": 50}]}
    url = _upload(admin_client, {"products": [changed]})
    page = admin_client.get(url).get_data(as_text=True)
    row = page.split(f'data-sku="{rec["sku"]}"', 1)[1].split("</table>", 1)[0]
    assert "$199.00" in row and "$249.50" in row
    assert ">660 nm<" in row and ">630 nm<" in row
    assert '"nm"' not in row and "&#34;nm&#34;" not in row and "24950" not in row
