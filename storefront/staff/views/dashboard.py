"""The staff dashboard: orders to ship, refunds waiting, new quotes, blocked and low products."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from storefront.catalog.display import LOW_STOCK
from storefront.extensions import db
from storefront.staff import dashboard as svc
from storefront.staff.policy import can
from storefront.staff.views import bp
from storefront.staff.views.auth import staff_required


@bp.get("/")
@staff_required()
def home():
    """What needs doing, for the areas this account may work in."""
    me = current_user._get_current_object()
    unchecked = svc.refresh_verdicts(db.session)
    db.session.commit()  # new gate verdicts are a cache worth keeping (before the panels load)
    board = svc.build(db.session, unchecked=unchecked)
    return render_template("staff/home.html", board=board, low_stock=LOW_STOCK,
                           see_orders=can(me, "orders.view"), see_quotes=can(me, "quotes.view"),
                           see_products=can(me, "products.view"))
