"""Product editor pages: create, edit every field, adjust stock, manage images."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from storefront.catalog.models import Kind, Regulatory, Status
from storefront.catalog.records import product_to_record
from storefront.errors import ValidationError
from storefront.extensions import db
from storefront.media import service as media
from storefront.media.models import ProductImage
from storefront.staff import audit as auditlog
from storefront.staff import editor
from storefront.staff.views import bp
from storefront.staff.views.auth import client_ip, staff_required
from storefront.staff.views.products import load_product, lock_product


def _me():
    return current_user._get_current_object()


def _render(product=None, values=None, errors=None, message=None, status=200):
    rec = product_to_record(product) if product is not None else None
    images = media.images_of(db.session, product.id) if product is not None else []
    return render_template(
        "staff/product_edit.html", product=product, values=values or editor.form_values(rec),
        errors=errors or {}, message=message, sections=editor.SECTIONS, kinds=list(Kind),
        regulatory=list(Regulatory), statuses=[Status.DRAFT, Status.PUBLISHED, Status.ARCHIVED],
        band_rows=editor.BAND_ROWS, mode_rows=editor.MODE_ROWS, tier_rows=editor.TIER_ROWS,
        images=images,
        history=auditlog.for_object(db.session, "product", product.id) if product else [],
    ), status


@bp.get("/products/new")
@staff_required("products.edit")
def product_new():
    """An empty product form."""
    return _render()


@bp.post("/products/new")
@staff_required("products.edit")
def product_create():
    """Create a product (always a draft; publishing goes through the gate)."""
    form = request.form.to_dict()
    raw, errors = editor.form_to_record(form)
    raw["_form_errors"] = errors
    try:
        product = editor.save(db.session, _me(), raw, ip=client_ip())
    except editor.EditRefused as err:
        db.session.rollback()
        return _render(values=form, errors=err.errors, message=err.message, status=422)
    db.session.commit()
    flash(f"Created {product.sku} as a draft. Add pictures, then publish through the gate.",
          "success")
    return redirect(url_for("staff.product_edit", product_id=product.id), code=303)


@bp.get("/products/<int:product_id>/edit")
@staff_required("products.edit", product=load_product)
def product_edit(product_id: int, product):
    """Every field of one product, its pictures and stock."""
    return _render(product)


@bp.post("/products/<int:product_id>/edit")
@staff_required("products.edit", product=lock_product)
def product_save(product_id: int, product):
    """Save the form through the seed schema; a published product must still pass the gate."""
    form = request.form.to_dict()
    raw, errors = editor.form_to_record(form)
    raw["_form_errors"] = errors
    try:
        editor.save(db.session, _me(), raw, product=product, ip=client_ip())
    except editor.EditRefused as err:
        db.session.rollback()
        return _render(product, values={**form, "stock": str(product.stock)}, errors=err.errors,
                       message=err.message, status=422)
    db.session.commit()
    flash("Saved.", "success")
    return redirect(url_for("staff.product_edit", product_id=product.id), code=303)


@bp.post("/products/<int:product_id>/stock")
@staff_required("products.edit", product=lock_product)
def product_stock(product_id: int, product):
    """Adjust stock by a signed amount, with a reason for the audit log."""
    try:
        level = editor.adjust_stock(db.session, _me(), product, request.form.get("delta"),
                                    request.form.get("reason"), ip=client_ip())
    except ValidationError as err:
        db.session.rollback()
        return _render(product, errors={f"stock.{k}": v for k, v in err.errors.items()},
                       message=err.message, status=422)
    db.session.commit()
    flash(f"Stock is now {level}.", "success")
    return redirect(url_for("staff.product_edit", product_id=product.id) + "#stock", code=303)


def _image(product, image_id: int) -> ProductImage:
    img = db.session.get(ProductImage, image_id)
    if img is None or img.product_id != product.id:
        abort(404)
    return img


@bp.post("/products/<int:product_id>/images")
@staff_required("products.edit", product=lock_product)
def product_image_add(product_id: int, product):
    """Upload a picture: validated, re-encoded, variants made; alt text required."""
    upload = request.files.get("image")
    data = upload.read() if upload is not None and upload.filename else b""
    try:
        if not data:
            raise ValidationError("Choose an image file.", errors={"file": ["choose a JPEG, PNG or WebP file"]})
        img = media.add_image(db.session, media.storage_for(current_app), product.id, data,
                              request.form.get("alt"),
                              max_pixels=current_app.config["MEDIA_MAX_PIXELS"])
    except ValidationError as err:
        db.session.rollback()
        return _render(product, errors={f"image.{k}": v for k, v in err.errors.items()},
                       message=err.message, status=422)
    auditlog.record(db.session, _me(), "product.image_add", "product", product.id,
                    after=media.snapshot(img), ip=client_ip(), note=product.sku)
    db.session.commit()
    flash("Picture added.", "success")
    return redirect(url_for("staff.product_edit", product_id=product.id) + "#images", code=303)


@bp.post("/products/<int:product_id>/images/<int:image_id>")
@staff_required("products.edit", product=lock_product)
def product_image_change(product_id: int, product, image_id: int):
    """Move a picture, make it the primary one, change its alt text, or remove it."""
    img = _image(product, image_id)
    action = request.form.get("action", "")
    before = media.snapshot(img)
    if action == "up":
        media.move(db.session, img, -1)
    elif action == "down":
        media.move(db.session, img, +1)
    elif action == "primary":
        media.make_primary(db.session, img)
    elif action == "alt":
        try:
            img.alt = media.clean_alt(request.form.get("alt"))
        except ValidationError as err:
            db.session.rollback()
            return _render(product, errors={f"image.{image_id}.alt": err.errors["alt"]},
                           message=err.message, status=422)
    elif action == "remove":
        media.remove(db.session, img)
        auditlog.record(db.session, _me(), "product.image_remove", "product", product.id,
                        before=before, ip=client_ip(), note=product.sku)
        db.session.commit()
        flash("Picture removed.", "success")
        return redirect(url_for("staff.product_edit", product_id=product.id) + "#images", code=303)
    else:
        abort(400)
    auditlog.record(db.session, _me(), f"product.image_{action}", "product", product.id,
                    before=before, after=media.snapshot(img), ip=client_ip(), note=product.sku)
    db.session.commit()
    return redirect(url_for("staff.product_edit", product_id=product.id) + "#images", code=303)
