"""The product editor: every field through the seed schema, gate-only publishing, stock with reasons, images."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from storefront.catalog.models import Product
from storefront.catalog.records import product_to_record
from storefront.media.models import ProductImage
from storefront.staff import editor
from storefront.staff.models import AuditLog
from tests.factories import create_products, laser_record, product_record
from tests.media.images import make_image


def _form(rec):
    return {k: v for k, v in editor.form_values(rec).items()}


def test_form_round_trips_every_field_of_a_record():
    for rec in (product_record(), laser_record()):
        loaded = editor.validate(rec)
        raw, errors = editor.form_to_record(editor.form_values(loaded))
        assert errors == {}
        assert editor.validate(raw) == loaded


def test_create_product_then_edit_audited(admin_client, db_session):
    rec = product_record(status="draft")
    form = _form(editor.validate(rec))
    resp = admin_client.post("/staff/products/new", data=form)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:2000]
    product = db_session.scalar(select(Product).where(Product.sku == rec["sku"]))
    assert product.status == "draft" and product.price_amount == rec["price"]
    form["price"] = "249.50"
    form["wavelengths[2].nm"] = "940"
    form["wavelengths[0].share_pct"] = form["wavelengths[1].share_pct"] = ""
    form["oem.tiers[0].unit_price"] = "abc"
    resp = admin_client.post(f"/staff/products/{product.id}/edit", data=form)
    assert resp.status_code == 422
    assert "Enter a positive amount" in resp.get_data(as_text=True)
    form["oem.tiers[0].unit_price"] = "139.00"
    resp = admin_client.post(f"/staff/products/{product.id}/edit", data=form)
    assert resp.status_code == 303, re.findall(r'field-error[^>]*>([^<]+)', resp.get_data(as_text=True))
    db_session.expire_all()
    rec2 = product_to_record(db_session.get(Product, product.id))
    assert rec2["price"] == 24950 and [b["nm"] for b in rec2["wavelengths"]][-1] == 940
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "product.edit"))
    assert entry.before["price"] == rec["price"] and entry.after["price"] == 24950, (entry.before, entry.after)


def test_schema_errors_shown_by_field(admin_client):
    rec = editor.validate(product_record(status="draft"))
    form = _form(rec)
    form["wavelengths[0].nm"] = "5000"
    form["regulatory.k_number"] = "K1"
    resp = admin_client.post("/staff/products/new", data=form)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "must be between 200 and 1500" in page


def test_editor_cannot_publish_past_the_gate(admin_client, db_session):
    (p,) = create_products(db_session, product_record(status="draft"))
    db_session.commit()
    form = _form(product_to_record(p))
    form["status"] = "published"
    resp = admin_client.post(f"/staff/products/{p.id}/edit", data=form)
    assert resp.status_code == 422
    assert "publish through the gate" in resp.get_data(as_text=True)


def test_published_product_edit_must_pass_gate(admin_client, db_session):
    (p,) = create_products(db_session, product_record(status="published"))
    db_session.commit()
    form = _form(product_to_record(p))
    form["copy.headline"] = "Cures fibromyalgia with no side effects"
    resp = admin_client.post(f"/staff/products/{p.id}/edit", data=form)
    assert resp.status_code == 422
    db_session.expire_all()
    assert "Cures" not in db_session.get(Product, p.id).headline


def test_stock_adjustment_needs_reason_and_is_audited(admin_client, db_session):
    (p,) = create_products(db_session, product_record(stock=10, status="draft"))
    db_session.commit()
    resp = admin_client.post(f"/staff/products/{p.id}/stock", data={"delta": "5", "reason": ""})
    assert resp.status_code == 422 and "Say why" in resp.get_data(as_text=True)
    resp = admin_client.post(f"/staff/products/{p.id}/stock", data={"delta": "-20", "reason": "count"})
    assert resp.status_code == 422 and "only 10 in stock" in resp.get_data(as_text=True)
    resp = admin_client.post(f"/staff/products/{p.id}/stock",
                             data={"delta": "-3", "reason": "Damaged in storage"})
    assert resp.status_code == 303
    db_session.expire_all()
    assert db_session.get(Product, p.id).stock == 7
    entry = db_session.scalar(select(AuditLog).where(AuditLog.action == "product.stock"))
    assert entry.after == {"stock": 7, "change": -3, "reason": "Damaged in storage"}


def test_upload_images_alt_required_order_and_primary(admin_client, db_session):
    (p,) = create_products(db_session, product_record(status="draft"))
    db_session.commit()
    url = f"/staff/products/{p.id}/images"
    resp = admin_client.post(url, data={"image": (io.BytesIO(make_image("PNG")), "a.png"), "alt": ""},
                             content_type="multipart/form-data")
    assert resp.status_code == 422 and "alt text is required" in resp.get_data(as_text=True)
    resp = admin_client.post(url, data={"image": (io.BytesIO(b"not an image"), "a.png"), "alt": "x"},
                             content_type="multipart/form-data")
    assert resp.status_code == 422 and "not a readable" in resp.get_data(as_text=True)
    for alt in ("First", "Second"):
        resp = admin_client.post(url, data={"image": (io.BytesIO(make_image("JPEG", exif=True)), "a.jpg"),
                                            "alt": alt}, content_type="multipart/form-data")
        assert resp.status_code == 303
    imgs = db_session.scalars(select(ProductImage).where(ProductImage.product_id == p.id)
                              .order_by(ProductImage.position)).all()
    assert [i.alt for i in imgs] == ["First", "Second"]
    resp = admin_client.post(f"{url}/{imgs[1].id}", data={"action": "primary"})
    assert resp.status_code == 303
    db_session.expire_all()
    imgs = db_session.scalars(select(ProductImage).where(ProductImage.product_id == p.id)
                              .order_by(ProductImage.position)).all()
    assert [i.alt for i in imgs] == ["Second", "First"]
    page = admin_client.get(f"/staff/products/{p.id}/edit").get_data(as_text=True)
    assert 'alt="Second"' in page and 'loading="lazy"' in page
