"""What needs a person: orders flagged for attention and mail the outbox gave up on."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select

from storefront.extensions import db
from storefront.mail import dead_letters, resend
from storefront.money import format_money
from storefront.orders.models import Order
from storefront.staff.views import bp
from storefront.staff.views.auth import staff_required


@bp.get("/attention")
@staff_required("orders.view")
def attention():
    """Orders flagged for staff (unknown PaymentIntents, charges past a reservation, ...) and dead mail."""
    orders = list(db.session.scalars(select(Order).where(Order.attention.is_not(None))
                                     .order_by(Order.updated_at.desc()).limit(200)))
    return render_template("staff/attention.html", orders=orders, mails=dead_letters(db.session),
                           money=format_money)


@bp.post("/mail/<int:email_id>/resend")
@staff_required("orders.refund")
def mail_resend(email_id: int):
    """Queue a dead-lettered email again with fresh attempts."""
    if resend(db.session, email_id):
        db.session.commit()
        flash("Queued again; the worker sends it on its next round.", "info")
    else:
        flash("That email is not in the dead-letter list.", "error")
    return redirect(url_for("staff.attention"), code=303)
