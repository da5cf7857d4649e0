"""The audit log page and its CSV export."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, abort, render_template, request, stream_with_context, url_for

from storefront.extensions import db
from storefront.staff import audit as auditlog
from storefront.staff import words
from storefront.staff.views import bp
from storefront.staff.views.auth import staff_required


def _date(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        abort(400, description=f"{name}: use a date like 2026-01-31")
    # Dates typed into the filter are UTC unless they carry an offset.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _filter() -> auditlog.AuditFilter:
    args = request.args
    return auditlog.AuditFilter(
        actor=args.get("actor", "")[:320], action=args.get("action", "")[:64],
        object_type=args.get("object_type", "")[:64], object_id=args.get("object_id", "")[:64],
        since=_date("since"), until=_date("until"),
    )


@bp.get("/audit")
@staff_required("audit.view")
def audit():
    """List audit entries, newest first, with filters and keyset paging."""
    flt = _filter()
    before = request.args.get("before", "")
    before_id = int(before) if before.isascii() and before.isdigit() and len(before) <= 18 else None
    entries, next_before = auditlog.page(db.session, flt, before_id=before_id, limit=50)
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    next_url = url_for("staff.audit", before=next_before, **args) if next_before else None
    export_url = url_for("staff.audit_csv", **args)
    return render_template("staff/audit.html", entries=entries, flt=flt, next_url=next_url,
                           export_url=export_url, actions=sorted(words.ACTIONS.items()))


@bp.get("/audit.csv")
@staff_required("audit.view")
def audit_csv():
    """Export the (filtered) audit log as spreadsheet-safe CSV."""
    flt = _filter()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = auditlog.csv_lines(auditlog.iter_entries(db.session, flt))
    return Response(stream_with_context(lines), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
    })
