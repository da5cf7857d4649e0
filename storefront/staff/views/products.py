"""Staff product pages: findings in the copy, live check, edit, publish / unpublish."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from storefront.catalog import gate
from storefront.catalog.cache import catalogue_changed
from storefront.catalog.display import LOW_STOCK
from storefront.catalog.models import Kind, Status
from storefront.errors import Conflict, ValidationError
from storefront.extensions import db
from storefront.staff import audit as auditlog
from storefront.staff import products as svc
from storefront.staff.dashboard import refresh_verdicts
from storefront.staff.policy import can
from storefront.staff.views import bp
from storefront.staff.views.auth import client_ip, staff_required
from storefront.staff.views.highlight import highlight, quoted


def load_product(product_id: int, **_):
    """The product named in the URL, or None."""
    return svc.get_product(db.session, product_id)


def lock_product(product_id: int, **_):
    """The product named in the URL, row-locked for a change, or None."""
    return svc.get_product(db.session, product_id, lock=True)


def _me():
    return current_user._get_current_object()


@bp.get("/products")
@staff_required("products.view")
def products():
    """List products with their gate verdict and the findings marked in the headline."""
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    status = status if status in {s.value for s in Status} else ""
    kind = kind if kind in {k.value for k in Kind} else ""
    q = request.args.get("q", "")[:100]
    page = request.args.get("page", "1")
    # ASCII digits only ("²" is a digit to str.isdigit) and a bounded page: an offset past
    # bigint must be a short page, not a database error.
    page = min(max(int(page), 1), 100_000) if page.isascii() and page.isdigit() and len(page) <= 9 else 1
    gate_filter = request.args.get("gate", "")
    gate_filter = gate_filter if gate_filter in ("blocked", "ok") else ""
    stock = "low" if request.args.get("stock") == "low" else ""
    unchecked = 0
    if gate_filter:
        unchecked = refresh_verdicts(db.session)
        db.session.commit()  # the verdicts are a cache: keep what was worked out
    rows, total = svc.list_products(db.session, status=status, kind=kind, q=q, page=page,
                                    gate=gate_filter, max_stock=LOW_STOCK if stock else None)
    items = [(p, svc.review(p)) for p in rows]
    args = {k: v for k, v in {"q": q, "status": status, "kind": kind, "gate": gate_filter,
                              "stock": stock}.items() if v}
    return render_template("staff/products.html", items=items, total=total, page=page,
                           per_page=50, status=status, kind=kind, q=q, gate=gate_filter,
                           stock=stock, args=args, low_stock=LOW_STOCK, unchecked=unchecked,
                           statuses=list(Status),
                           kinds=list(Kind), highlight=highlight)


def _render_product(product, review=None, draft=None, errors=None, status=200, message=None):
    draft = draft or svc.copy_of(product)
    review = review or svc.review(product, draft)
    stored_review = svc.review(product) if draft != svc.copy_of(product) else review
    try:
        precautions = gate.precautions_for(product)
    except Exception:  # noqa: BLE001 - a broken preview must not hide the editor
        precautions = None
    me = _me()
    return render_template(
        "staff/product.html", product=product, review=review, stored_review=stored_review,
        draft=draft, errors=errors or {}, message=message, precautions=precautions,
        history=auditlog.for_object(db.session, "product", product.id),
        token=svc.copy_token(product), highlight=highlight, quoted=quoted,
        may_edit=can(me, "products.edit", product), may_publish=can(me, "products.publish", product),
    ), status


@bp.get("/products/<int:product_id>")
@staff_required("products.view", product=load_product)
def product_detail(product_id: int, product):
    """One product: copy with findings marked, editor, precautions preview, history."""
    return _render_product(product)


@bp.post("/products/<int:product_id>/copy")
@staff_required("products.edit", product=lock_product)
def product_copy(product_id: int, product):
    """Save edited copy (kept off a published product if the gate would block it)."""
    data = {f: request.form.get(f) for f in svc.COPY_FIELDS}
    try:
        svc.update_copy(db.session, _me(), product, data,
                        expected_token=request.form.get("token"), ip=client_ip())
    except svc.GateRefused as err:
        db.session.rollback()
        return _render_product(product, review=err.review, draft=data, status=422,
                               message=err.message)
    except ValidationError as err:
        db.session.rollback()
        draft = {f: v if isinstance(v, str) else "" for f, v in data.items()}
        return _render_product(product, draft=draft, errors=err.errors, status=422,
                               message="Please correct the marked fields.")
    except Conflict as err:
        db.session.rollback()
        return _render_product(product, status=409, message=err.message)
    db.session.commit()
    flash("Copy saved.", "success")
    return redirect(url_for("staff.product_detail", product_id=product.id), code=303)


@bp.post("/products/<int:product_id>/check")
@staff_required("products.edit", product=load_product)
def product_check(product_id: int, product):
    """Check draft copy without saving it (JSON for the editor's live check)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"code": "bad_request", "status": 400, "message": "Send a JSON object.",
                        "errors": {}}), 400
    try:
        draft = svc.clean_copy(data)
    except ValidationError as err:
        return jsonify(err.to_dict()), 422
    verdict = svc.review(product, draft)
    body = verdict.to_dict()
    # "checked" is the text the findings' start/end count in (after the CRLF and headline
    # clean-up), so the editor can apply a rewrite to exactly the span that was checked.
    body["fields"] = {
        fld: {"checked": draft[fld],
              "html": str(highlight(draft[fld], verdict.findings[fld])),
              "findings": [f.to_dict() | {"text": quoted(draft[fld], f)}
                           for f in verdict.findings[fld]]}
        for fld in svc.COPY_FIELDS
    }
    return jsonify(body)


@bp.post("/products/<int:product_id>/publish")
@staff_required("products.publish", product=lock_product)
def product_publish(product_id: int, product):
    """Publish the stored copy if the gate lets it through."""
    try:
        svc.publish(db.session, _me(), product, expected_token=request.form.get("token"),
                    ip=client_ip())
    except svc.GateRefused as err:
        db.session.rollback()
        return _render_product(product, review=err.review, status=422, message=err.message)
    except Conflict as err:
        db.session.rollback()
        return _render_product(product, status=409, message=err.message)
    db.session.commit()
    catalogue_changed(current_app)  # a worker pre-renders the shared pages
    flash("Published.", "success")
    return redirect(url_for("staff.product_detail", product_id=product.id), code=303)


@bp.post("/products/<int:product_id>/unpublish")
@staff_required("products.publish", product=lock_product)
def product_unpublish(product_id: int, product):
    """Take the product off the shop."""
    svc.unpublish(db.session, _me(), product, ip=client_ip())
    db.session.commit()
    flash("Unpublished; the product is a draft again.", "success")
    return redirect(url_for("staff.product_detail", product_id=product.id), code=303)
