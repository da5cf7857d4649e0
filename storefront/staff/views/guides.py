"""Staff guide pages: list, write, live check, preview, publish / unpublish, history."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from storefront.catalog.cache import clear_caches
from storefront.errors import ValidationError
from storefront.extensions import db
from storefront.guides import presentation, services
from storefront.guides.models import Guide
from storefront.staff import audit as auditlog
from storefront.staff import guides as svc
from storefront.staff.policy import can
from storefront.staff.views import bp
from storefront.staff.views.auth import client_ip, staff_required
from storefront.staff.views.highlight import highlight, quoted


def load_guide(guide_id: int, **_):
    """The guide named in the URL, or None."""
    return db.session.get(Guide, guide_id)


def _me():
    return current_user._get_current_object()


@bp.get("/guides")
@staff_required("guides.view")
def guides():
    """Every guide with its status and gate verdict."""
    items = [(g, services.review(db.session, services.guide_to_record(g)))
             for g in services.list_all(db.session)]
    return render_template("staff/guides.html", items=items)


def _render(guide, form, *, errors=None, status=200, message=None):
    rec, report = svc.check_draft(db.session, form)
    findings = {f: report.for_field(f) for f in svc.CHECKED_FIELDS}
    paths = {id(f.finding): f.path for f in report.findings}
    me = _me()
    return render_template(
        "staff/guide.html", guide=guide, form=form, report=report, findings=findings,
        paths=paths, errors=errors or {}, message=message, highlight=highlight, quoted=quoted,
        history=auditlog.for_object(db.session, "guide", guide.id) if guide else [],
        may_edit=can(me, "guides.edit"), may_publish=can(me, "guides.publish"),
    ), status


@bp.route("/guides/new", methods=["GET", "POST"])
@staff_required("guides.edit")
def guide_new():
    """Write a new guide (saved as a draft)."""
    if request.method == "GET":
        return _render(None, svc.form_of(None))
    form = {f: request.form.get(f, "") for f in svc.FORM_FIELDS}
    try:
        guide = svc.save(db.session, _me(), None, form, ip=client_ip())
    except ValidationError as err:
        db.session.rollback()
        return _render(None, form, errors=err.errors, status=422, message=err.message)
    db.session.commit()
    flash("Draft saved.", "success")
    return redirect(url_for("staff.guide_detail", guide_id=guide.id), code=303)


@bp.get("/guides/<int:guide_id>")
@staff_required("guides.view", guide=load_guide)
def guide_detail(guide_id: int, guide):
    """One guide: editor with findings marked, gate verdict, history."""
    return _render(guide, svc.form_of(guide))


@bp.post("/guides/<int:guide_id>")
@staff_required("guides.edit", guide=load_guide)
def guide_save(guide_id: int, guide):
    """Save the guide (a published guide stays live only if the gate lets it through)."""
    form = {f: request.form.get(f, "") for f in svc.FORM_FIELDS}
    try:
        svc.save(db.session, _me(), guide, form, ip=client_ip())
    except services.GuideRefused as err:
        db.session.rollback()
        return _render(guide, form, errors=err.errors, status=422, message=err.message)
    except ValidationError as err:
        db.session.rollback()
        return _render(guide, form, errors=err.errors, status=422, message=err.message)
    db.session.commit()
    flash("Guide saved.", "success")
    return redirect(url_for("staff.guide_detail", guide_id=guide.id), code=303)


@bp.post("/guides/check")
@staff_required("guides.edit")
def guide_check():
    """Check a draft without saving it (JSON for the editor's live check)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify({"code": "bad_request", "status": 400, "message": "Send a JSON object.",
                        "errors": {}}), 400
    rec, report = svc.check_draft(db.session, data)
    body = report.to_dict()
    body["fields"] = {}
    for fld in svc.CHECKED_FIELDS:
        items = [f for f in report.findings if f.field == fld]
        body["fields"][fld] = {
            "checked": rec[fld],
            "html": str(highlight(rec[fld], [f.finding for f in items])),
            "findings": [f.finding.to_dict() | {"path": f.path, "held_to": f.scope,
                                                "text": quoted(rec[fld], f.finding)}
                         for f in items],
        }
    return jsonify(body)


@bp.get("/guides/<int:guide_id>/preview")
@staff_required("guides.view", guide=load_guide)
def guide_preview(guide_id: int, guide):
    """The guide as shoppers would see it, whatever its status."""
    ctx = presentation.article_context(db.session, guide, url_for("staff.guide_preview",
                                                                   guide_id=guide.id))
    return render_template("guides/article.html", preview=True, **ctx)


@bp.post("/guides/<int:guide_id>/publish")
@staff_required("guides.publish", guide=load_guide)
def guide_publish(guide_id: int, guide):
    """Publish the stored guide if the gate lets it through."""
    try:
        svc.publish(db.session, _me(), guide, ip=client_ip())
    except services.GuideRefused as err:
        db.session.rollback()
        return _render(guide, svc.form_of(guide), errors=err.errors, status=422,
                       message=err.message)
    db.session.commit()
    clear_caches(current_app)  # product pages list the guides featuring them
    flash("Published.", "success")
    return redirect(url_for("staff.guide_detail", guide_id=guide.id), code=303)


@bp.post("/guides/<int:guide_id>/unpublish")
@staff_required("guides.publish", guide=load_guide)
def guide_unpublish(guide_id: int, guide):
    """Take the guide off the shop."""
    svc.unpublish(db.session, _me(), guide, ip=client_ip())
    db.session.commit()
    clear_caches(current_app)
    flash("Unpublished; the guide is a draft again.", "success")
    return redirect(url_for("staff.guide_detail", guide_id=guide.id), code=303)
