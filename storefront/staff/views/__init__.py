"""Staff pages under /staff/ (thin: parse, call a staff service, commit, render)."""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_login import current_user

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Endpoints reachable without a staff login.
PUBLIC_ENDPOINTS = {"staff.login"}


@bp.before_request
def _require_login():
    # Defence in depth: every staff route also carries @staff_required; this catches one
    # that forgot it.
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        from storefront.extensions import login_manager

        return login_manager.unauthorized()
    return None


@bp.after_request
def _no_store(response):
    # Staff pages hold customer data and one-time tokens: never cache them anywhere.
    response.headers["Cache-Control"] = "no-store"
    return response


NAV = [
    ("Products", "staff.products", "products.view"),
    ("Guides", "staff.guides", "guides.view"),
    ("Orders", "staff.orders", "orders.view"),
    ("Import", "staff.catalog_import", "catalog.import"),
    ("Attention", "staff.attention", "orders.view"),
    ("Quotes", "staff.quotes", "quotes.view"),
    ("Promotions", "staff.promotions", "promotions.view"),
    ("Shipping", "staff.shipping_zones", "promotions.view"),
    ("Audit log", "staff.audit", "audit.view"),
]


@bp.app_context_processor
def _nav():
    def staff_nav() -> list[tuple[str, str]]:
        from flask import current_app

        from storefront.staff.policy import can

        return [(label, ep) for label, ep, perm in NAV
                if ep in current_app.view_functions and can(current_user, perm)]

    return {"staff_nav": staff_nav}


@bp.app_template_filter("staff_json")
def _staff_json(value) -> str:
    # Plain text; Jinja's autoescape makes it safe inside the page.
    import json

    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)


def init_app(app: Flask) -> None:
    """Register the staff blueprint and its login machinery."""
    from storefront.staff.views import (  # noqa: F401
        attention,
        audit_log,
        auth,
        catalog_import,
        guides,
        orders,
        pages,
        product_editor,
        products,
        promotions,
        quotes,
    )

    auth.init_app(app)
    app.register_blueprint(bp)
