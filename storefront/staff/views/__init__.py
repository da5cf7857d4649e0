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


# (label, endpoint, permission, endpoint prefixes that belong to the section)
NAV = [
    ("Dashboard", "staff.home", "staff", ("staff.home",)),
    ("Orders", "staff.orders", "orders.view", ("staff.order",)),
    ("Quotes", "staff.quotes", "quotes.view", ("staff.quote",)),
    ("Products", "staff.products", "products.view", ("staff.product",)),
    ("Import", "staff.catalog_import", "catalog.import", ("staff.catalog_",)),
    ("Guides", "staff.guides", "guides.view", ("staff.guide",)),
    ("Promotions", "staff.promotions", "promotions.view", ("staff.promotion",)),
    ("Shipping", "staff.shipping_zones", "promotions.view", ("staff.shipping",)),
    ("Attention", "staff.attention", "orders.view", ("staff.attention", "staff.mail_resend")),
    ("Audit log", "staff.audit", "audit.view", ("staff.audit",)),
    ("Mail (dev)", "staff.dev_mail", "staff", ("staff.dev_mail",)),
]


@bp.app_context_processor
def _nav():
    def staff_nav() -> list[tuple[str, str, bool]]:
        """(label, endpoint, current) for the sections this account may open."""
        from flask import current_app

        from storefront.staff.policy import can

        here = request.endpoint or ""
        return [(label, ep, here.startswith(prefixes))
                for label, ep, perm, prefixes in NAV
                if ep in current_app.view_functions and can(current_user, perm)
                and (ep != "staff.dev_mail" or current_app.config.get("DEV_MAIL_PAGE"))]

    from storefront.money import format_money
    from storefront.staff import words

    return {"staff_nav": staff_nav, "status_label": words.status_label,
            "action_label": words.action_label, "diff_rows": words.diff_rows,
            "show_value": words.show_value,
            "fmt_money": format_money, "object_url": object_url}


def object_url(object_type: str, object_id: str) -> str | None:
    """The staff page of an audited object, when it has one."""
    from flask import url_for

    target = {"order": ("staff.order_detail", "order_id", str),
              "quote": ("staff.quote_detail", "reference", str),
              "product": ("staff.product_detail", "product_id", int),
              "promotion": ("staff.promotion_detail", "code", str),
              "catalog_import": None, "guide": ("staff.guide_detail", "guide_id", int)}.get(object_type)
    if not target:
        return None
    endpoint, arg, kind = target
    try:
        return url_for(endpoint, **{arg: kind(object_id)})
    except (ValueError, LookupError):
        return None


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
        dashboard,
        dev_mail,
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
