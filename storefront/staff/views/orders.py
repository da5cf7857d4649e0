"""Staff order pages: list, detail, refund and mark shipped."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from storefront.errors import DomainError, ValidationError
from storefront.extensions import db
from storefront.money import format_money
from storefront.orders.service import check_restock
from storefront.orders.states import REFUNDABLE, OrderStatus
from storefront.staff import audit as auditlog
from storefront.staff import orders as svc
from storefront.staff.policy import can
from storefront.staff.views import bp
from storefront.staff.views.auth import client_ip, staff_required


def load_order(order_id: str, **_):
    """The order named in the URL, or None."""
    return svc.get_order(db.session, order_id)


def _render(order, *, status=200, message=None, errors=None, form=None):
    me = current_user._get_current_object()
    return render_template(
        "staff/order.html", order=order, money=format_money, message=message,
        errors=errors or {}, form=form or {},
        history=auditlog.for_object(db.session, "order", order.public_id),
        may_refund=can(me, "orders.refund", order) and order.status in REFUNDABLE
        and order.refundable_amount > 0,
        may_fulfil=can(me, "orders.fulfil", order) and order.status == OrderStatus.PAID,
    ), status


@bp.get("/orders")
@staff_required("orders.view")
def orders():
    """List orders, newest first; filter by status, search by email / order id / quote."""
    status = request.args.get("status", "")
    status = status if status in {s.value for s in OrderStatus} else ""
    q = request.args.get("q", "")[:320]
    page = request.args.get("page", "1")
    # ASCII digits only ("²" is a digit to str.isdigit) and a bounded page: an offset past
    # bigint must be a short page, not a database error.
    page = min(max(int(page), 1), 100_000) if page.isascii() and page.isdigit() and len(page) <= 9 else 1
    rows, total = svc.list_orders(db.session, status=status, q=q, page=page)
    return render_template("staff/orders.html", orders=rows, total=total, page=page, per_page=50,
                           status=status, q=q, statuses=list(OrderStatus), money=format_money)


@bp.get("/orders/<order_id>")
@staff_required("orders.view", order=load_order)
def order_detail(order_id: str, order):
    """One order: lines, payment, refunds, history and the refund form."""
    return _render(order)


@bp.post("/orders/<order_id>/refund")
@staff_required("orders.refund", order=load_order)
def order_refund(order_id: str, order):
    """Refund all or part of a paid order through Stripe."""
    from storefront.payments import gateway_for

    form = {"amount": request.form.get("amount", ""), "reason": request.form.get("reason", "")}
    me = current_user._get_current_object()
    try:
        amount = svc.parse_amount(form["amount"], order.currency)
        putback = svc.parse_restock(request.form, order)
        check_restock(order, putback)  # before the refund goes to Stripe
        refund = svc.refund(db.session, gateway_for(current_app), me, order, amount=amount,
                            reason=form["reason"][:300], ip=client_ip())
        db.session.commit()
        if putback:  # the refund is committed; the stock goes back in its own transaction
            order = load_order(order_id)
            units = svc.restock(db.session, me, order, putback, ip=client_ip())
            db.session.commit()
            flash(f"Put {units} unit(s) back in stock.", "success")
    except ValidationError as err:
        db.session.rollback()
        return _render(load_order(order_id), status=422, message=err.message,
                       errors=err.errors, form=form)
    except DomainError as err:
        db.session.rollback()
        order = load_order(order_id)
        if order.refunds and order.refunds[-1].status.value in ("failed", "requested"):
            # The refund row was committed by the refund service before Stripe answered.
            svc.record_refund_failure(db.session, me, order, err.message, ip=client_ip())
            db.session.commit()
        return _render(order, status=err.status if err.status < 500 else 502,
                       message=err.message, form=form)
    flash(f"Refund of {format_money(refund.amount, refund.currency)} {refund.status.value}; "
          "the order updates when Stripe confirms it.", "success")
    return redirect(url_for("staff.order_detail", order_id=order_id), code=303)


@bp.post("/orders/<order_id>/fulfil")
@staff_required("orders.fulfil", order=load_order)
def order_fulfil(order_id: str, order):
    """Mark a paid order as shipped."""
    try:
        svc.fulfil(db.session, current_user._get_current_object(), order, ip=client_ip())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _render(load_order(order_id), status=err.status, message=err.message)
    flash("Marked as shipped.", "success")
    return redirect(url_for("staff.order_detail", order_id=order_id), code=303)
