"""Liveness and database check."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from storefront.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report liveness and whether the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
        ok = True
    except Exception:  # noqa: BLE001 - any DB failure means "not ready"
        db.session.rollback()
        ok = False
    body = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unavailable"}
    return jsonify(body), 200 if ok else 503
