"""Staff order pages: list, detail, refund and mark shipped."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from storefront.errors import DomainError, ValidationError
from storefront.extensions import db
from storefront.money import format_money
from storefront.orders.service import check_restock
from storefront.orders.states import REFUNDABLE, OrderStatus
from storefront.payments.gateway import PaymentRejected, PaymentsUnavailable
from storefront.staff import audit as auditlog
from storefront.staff import orders as svc
from storefront.staff.policy import can
from storefront.staff.views import bp
from storefront.staff.views.auth import client_ip, staff_required
from storefront.staff.words import status_label


def load_order(order_id: str, **_):
    """The order named in the URL, or None."""
    return svc.get_order(db.session, order_id)


def _render(order, *, status=200, message=None, errors=None, form=None):
    me = current_user._get_current_object()
    from storefront.orders import refund_lines

    return render_template(
        "staff/order.html", order=order, money=format_money, message=message,
        errors=errors or {}, form=form or {},
        units_left=refund_lines.refundable_units(order),
        shipping_left=(0 if refund_lines.shipping_refunded(order)
                       else refund_lines.shipping_charged(order)),
        may_refresh=can(me, "orders.refund", order) and bool(order.payment_intent_id),
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
    refund = "pending" if request.args.get("refund") == "pending" else ""
    attention = "1" if request.args.get("attention") == "1" else ""
    rows, total = svc.list_orders(db.session, status=status, q=q, refund_pending=bool(refund),
                                  attention=bool(attention), page=page)
    args = {k: v for k, v in {"q": q, "status": status, "refund": refund,
                              "attention": attention}.items() if v}
    return render_template("staff/orders.html", orders=rows, total=total, page=page, per_page=50,
                           status=status, q=q, refund=refund, attention=attention, args=args,
                           statuses=list(OrderStatus), money=format_money)


@bp.get("/orders/<order_id>")
@staff_required("orders.view", order=load_order)
def order_detail(order_id: str, order):
    """One order: lines, payment, refunds, history and the refund form."""
    return _render(order)


def _refund_form() -> dict:
    """The refund form's fields as sent (echoed back on errors and the confirmation)."""
    return {k: v for k, v in request.form.items()
            if k in ("amount", "reason", "shipping", "expected")
            or k.startswith(("qty-", "restock-"))}


@bp.post("/orders/<order_id>/refund/review")
@staff_required("orders.refund", order=load_order)
def order_refund_review(order_id: str, order):
    """Price the chosen refund on the server and ask for confirmation; nothing is sent yet."""
    form = _refund_form()
    try:
        plan = svc.plan_refund(order, request.form)
        putback = svc.parse_restock(request.form, order)
        check_restock(order, putback)
    except ValidationError as err:
        return _render(order, status=422, message=err.message, errors=err.errors, form=form)
    return render_template("staff/order_refund_confirm.html", order=order, plan=plan, form=form,
                           putback=putback, lines={ln.id: ln for ln in order.lines},
                           money=format_money)


@bp.post("/orders/<order_id>/refund")
@staff_required("orders.refund", order=load_order)
def order_refund(order_id: str, order):
    """Refund all or part of a paid order through Stripe (the amount is priced here again)."""
    from storefront.payments import gateway_for

    form = _refund_form()
    me = current_user._get_current_object()
    try:
        plan = svc.plan_refund(order, request.form)
        expected = (request.form.get("expected") or "").strip()
        if expected and expected != str(plan.amount):
            # Something changed since the confirmation was shown (another refund landed).
            raise ValidationError(
                f"The refund now comes to {format_money(plan.amount, order.currency)}, not what "
                "you confirmed; check it and confirm again.", errors={"amount": ["Changed."]})
        putback = svc.parse_restock(request.form, order)
        check_restock(order, putback)  # before the refund goes to Stripe
        refund = svc.refund(db.session, gateway_for(current_app), me, order, amount=plan.amount,
                            reason=form.get("reason", "")[:300], lines=plan.lines, ip=client_ip())
        db.session.commit()
        if putback:  # the refund is committed; the stock goes back in its own transaction
            order = load_order(order_id)
            units = svc.restock(db.session, me, order, putback, ip=client_ip())
            db.session.commit()
            flash(f"Put {units} unit{'' if units == 1 else 's'} back in stock.", "success")
    except ValidationError as err:
        db.session.rollback()
        return _render(load_order(order_id), status=422, message=err.message,
                       errors=err.errors, form=form)
    except DomainError as err:
        db.session.rollback()
        order = load_order(order_id)
        if (isinstance(err, (PaymentRejected, PaymentsUnavailable)) and order.refunds
                and order.refunds[-1].status.value in ("failed", "requested")):
            # The refund row was committed by the refund service before Stripe answered.
            svc.record_refund_failure(db.session, me, order, err.message, ip=client_ip())
            db.session.commit()
        return _render(order, status=err.status if err.status < 500 else 502,
                       message=err.message, form=form)
    if refund.status.value == "failed":
        flash(f"Stripe refused the refund of {format_money(refund.amount, refund.currency)}.", "error")
    else:
        flash(f"Refund of {format_money(refund.amount, refund.currency)} sent to Stripe. The order "
              "changes when Stripe confirms it; use Refresh from Stripe if no confirmation "
              "arrives.", "success")
    return redirect(url_for("staff.order_detail", order_id=order_id), code=303)


@bp.post("/orders/<order_id>/refund/resume")
@staff_required("orders.refund", order=load_order)
def order_refund_resume(order_id: str, order):
    """Send again a refund that was recorded but never reached Stripe (same idempotency key)."""
    from storefront.payments import gateway_for

    try:
        refund = svc.resume(db.session, gateway_for(current_app), current_user._get_current_object(),
                            order, ip=client_ip())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _render(load_order(order_id), status=err.status if err.status < 500 else 502,
                       message=err.message)
    flash(f"Refund of {format_money(refund.amount, refund.currency)} sent to Stripe.", "success")
    return redirect(url_for("staff.order_detail", order_id=order_id), code=303)


@bp.post("/orders/<order_id>/refresh")
@staff_required("orders.refund", order=load_order)
def order_refresh(order_id: str, order):
    """Read the payment and refunds from Stripe and apply what it says."""
    from storefront.checkout.settings import CheckoutSettings
    from storefront.payments import gateway_for

    try:
        result = svc.refresh(db.session, gateway_for(current_app),
                             CheckoutSettings.from_config(current_app.config),
                             current_user._get_current_object(), order, ip=client_ip())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        return _render(load_order(order_id), status=err.status if err.status < 500 else 502,
                       message=f"Stripe could not be asked: {err.message}")
    order = load_order(order_id)
    parts = [f"Refreshed from Stripe: the order is {status_label('order', order.status).lower()}"]
    if result.confirmed:
        parts.append(f"{result.confirmed} refund{'' if result.confirmed == 1 else 's'} confirmed")
    if result.failed:
        parts.append(f"{result.failed} refund{'' if result.failed == 1 else 's'} failed")
    if result.waiting:
        parts.append(f"{result.waiting} still being processed")
    flash("; ".join(parts) + ".", "error" if result.failed else "success")
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
