"""Staff promotion codes: list with uses, create (banner checked like product copy), pause, review."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from storefront.errors import DomainError
from storefront.extensions import db
from storefront.money import format_money, parse_major
from storefront.promotions import service
from storefront.promotions.models import PromotionStatus
from storefront.staff.audit import record
from storefront.staff.views import bp
from storefront.staff.views.auth import client_ip, staff_required

FIELDS = ("code", "percent", "amount", "min_subtotal", "starts", "ends", "limit", "per_email",
          "kinds", "skus", "banner")


def _int(text: str, name: str, errors: dict) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdigit():
        errors[name] = ["A whole number."]
        return None
    return int(text)


def _money(text: str, name: str, errors: dict) -> int | None:
    if not (text or "").strip():
        return None
    try:
        return parse_major(text, "USD")
    except ValueError as exc:
        errors[name] = [str(exc)]
        return None


def _date(text: str, name: str, errors: dict) -> datetime | None:
    if not (text or "").strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        errors[name] = ["A date such as 2026-12-01 or 2026-12-01T09:00."]
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _list_page(form=None, errors=None, status=200):
    return render_template("staff/promotions.html", promotions=service.list_all(db.session),
                           form=form or {}, errors=errors or {}, money=format_money), status


@bp.get("/promotions")
@staff_required("promotions.view")
def promotions():
    """Promotion codes with their uses, and the form to create one."""
    return _list_page()


@bp.post("/promotions")
@staff_required("promotions.manage")
def promotion_create():
    """Create a promotion code (amounts typed in dollars; banner checked like product copy)."""
    form = {k: request.form.get(k, "") for k in FIELDS}
    errors: dict[str, list[str]] = {}
    kw = dict(percent=_int(form["percent"], "percent", errors),
              amount=_money(form["amount"], "amount", errors),
              min_subtotal=_money(form["min_subtotal"], "min_subtotal", errors) or 0,
              starts_at=_date(form["starts"], "starts", errors),
              ends_at=_date(form["ends"], "ends", errors),
              usage_limit=_int(form["limit"], "limit", errors),
              per_email_limit=_int(form["per_email"], "per_email", errors),
              kinds=[k.strip() for k in form["kinds"].split(",") if k.strip()],
              skus=[k.strip() for k in form["skus"].split(",") if k.strip()],
              banner=form["banner"][:500])
    if errors:
        return _list_page(form, errors, 422)
    me = current_user._get_current_object()
    try:
        promo = service.create(db.session, form["code"], actor=f"staff:{me.email}", **kw)
        record(db.session, me, "promotion.create", "promotion", promo.code,
               after={"percent": promo.percent, "amount": promo.amount_off,
                      "limit": promo.usage_limit}, ip=client_ip())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _list_page(form, err.errors or {"code": [err.message]}, err.status)
    flash(f"Promotion {promo.code} created.", "success")
    return redirect(url_for("staff.promotion_detail", code=promo.code), 303)


@bp.get("/promotions/<code>")
@staff_required("promotions.view")
def promotion_detail(code: str):
    """One code: its rules, uses and every redemption with its order."""
    from sqlalchemy import select

    from storefront.orders.models import Order

    promo = service.get(db.session, code)
    ids = [r.order_id for r in promo.redemptions]
    orders = {o.id: o for o in db.session.scalars(select(Order).where(Order.id.in_(ids)))} if ids else {}
    return render_template("staff/promotion.html", promo=promo, orders=orders, money=format_money)


@bp.post("/promotions/<code>/status")
@staff_required("promotions.manage")
def promotion_status(code: str):
    """Pause or resume a code."""
    target = PromotionStatus.PAUSED if request.form.get("status") == "paused" else PromotionStatus.ACTIVE
    me = current_user._get_current_object()
    promo = service.set_status(db.session, code, target)
    record(db.session, me, f"promotion.{target.value}", "promotion", promo.code, ip=client_ip())
    db.session.commit()
    flash(f"{promo.code} is {promo.status.value}.", "success")
    return redirect(url_for("staff.promotion_detail", code=promo.code), 303)


@bp.get("/shipping")
@staff_required("promotions.view")
def shipping_zones():
    """The shipping zones, methods and exclusions in force (edited in the data file)."""
    from flask import current_app

    from storefront.checkout.settings import CheckoutSettings
    from storefront.shipping import DEFAULT_FILE

    settings = CheckoutSettings.from_config(current_app.config)
    return render_template("staff/shipping.html", table=settings.shipping_table(),
                           path=settings.shipping_file or str(DEFAULT_FILE), money=format_money)
