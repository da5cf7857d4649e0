"""Catalogue import in the browser (/staff/catalog/import) and the catalogue export."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from storefront.extensions import db
from storefront.jobs import enqueue, job_status
from storefront.media.service import storage_for
from storefront.staff import imports as svc
from storefront.staff.views import bp
from storefront.staff.views.auth import client_ip, staff_required

PREVIEW_JOB = "storefront.staff.imports.preview_job"
APPLY_JOB = "storefront.staff.imports.apply_job"


def _upload() -> tuple[str, bytes]:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return upload.filename, upload.read()
    pasted = request.form.get("json", "")
    return "pasted.json", pasted.encode("utf-8")


@bp.get("/catalog/import")
@staff_required("catalog.import")
def catalog_import():
    """Upload or paste a catalogue; recent imports; export links."""
    return render_template("staff/import.html", recent=svc.recent(db.session), states=svc.STATES)


@bp.post("/catalog/import")
@staff_required("catalog.import")
def catalog_import_upload():
    """Keep the upload and run its dry run (as a job when the file is large)."""
    filename, data = _upload()
    try:
        imp = svc.create(db.session, current_user._get_current_object(), filename, data,
                         prune=request.form.get("prune") == "1")
    except svc.ImportRefused as exc:
        db.session.rollback()
        return render_template("staff/import.html", recent=svc.recent(db.session),
                               states=svc.STATES, error=str(exc),
                               pasted=request.form.get("json", "")), 422
    imp.state = "checking"
    db.session.commit()
    if imp.product_count >= current_app.config["IMPORT_JOB_THRESHOLD"]:
        imp.job_id = enqueue(PREVIEW_JOB, imp.id, job_timeout=1800)
        db.session.commit()
    else:
        svc.preview_job(imp.id)
    return redirect(url_for("staff.catalog_import_show", token=imp.token), code=303)


def _get(token: str) -> svc.CatalogImport:
    imp = svc.by_token(db.session, token)
    if imp is None:
        abort(404)
    return imp


@bp.get("/catalog/import/<token>")
@staff_required("catalog.import")
def catalog_import_show(token: str):
    """The dry-run preview (or the job's progress), and the apply button."""
    imp = _get(token)
    return render_template("staff/import_preview.html", imp=imp, preview=imp.preview or {},
                           result=imp.result or {}, states=svc.STATES)


@bp.get("/catalog/import/<token>/status")
@staff_required("catalog.import")
def catalog_import_status(token: str):
    """JSON for the page's progress bar: the import's state and its job's status."""
    imp = _get(token)
    job = job_status(imp.job_id) if imp.job_id else None
    return jsonify({"state": imp.state, "label": svc.STATES.get(imp.state, imp.state),
                    "job": job})


@bp.post("/catalog/import/<token>/apply")
@staff_required("catalog.import")
def catalog_import_apply(token: str):
    """Apply a checked upload, all or nothing, as a background job."""
    imp = _get(token)
    if imp.state != "checked" or not (imp.preview or {}).get("ok"):
        flash("Only a checked file without errors can be applied.", "error")
        return redirect(url_for("staff.catalog_import_show", token=token), code=303)
    imp.state = "applying"
    db.session.commit()
    imp.job_id = enqueue(APPLY_JOB, imp.id, current_user.id, client_ip(), job_timeout=3600)
    db.session.commit()
    imp = _get(token)
    if imp.state == "applied":
        c = (imp.result or {}).get("counts", {})
        flash(f"Imported: {c.get('created', 0)} created, {c.get('updated', 0)} updated, "
              f"{c.get('unchanged', 0)} unchanged, {c.get('pruned', 0)} archived.", "success")
    return redirect(url_for("staff.catalog_import_show", token=token), code=303)


@bp.get("/catalog/export")
@staff_required("products.view")
def catalog_export():
    """Download the catalogue as JSON that the import and ``seed load`` accept."""
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    if request.args.get("format") == "zip":
        body = svc.export_zip(db.session, storage_for(current_app))
        return Response(body, mimetype="application/zip", headers={
            "Content-Disposition": f'attachment; filename="catalogue-{stamp}.zip"'})
    return Response(svc.export_json(db.session), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="catalogue-{stamp}.json"'})
