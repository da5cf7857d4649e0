"""``storefront orders …``: expire reservations, refund, reconcile with Stripe, ship, cancel."""

from __future__ import annotations

import getpass
import json

import click
from flask import current_app
from flask.cli import AppGroup

from storefront.errors import DomainError
from storefront.extensions import db
from storefront.mail import send_after_commit

orders_cli = AppGroup("orders", help="Orders: expiry, refunds, Stripe reconciliation, shipping.")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _deps():
    from storefront.checkout.settings import CheckoutSettings
    from storefront.payments import gateway_for

    return gateway_for(current_app), CheckoutSettings.from_config(current_app.config)


def _run(fn):
    try:
        return fn()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code}: {exc.message}") from None


@orders_cli.command("expire")
@click.option("--limit", default=500, show_default=True, help="At most this many orders per run.")
def expire_command(limit: int) -> None:
    """Release the stock of unpaid orders whose reservation ran out (cancelling their payment)."""
    from storefront.checkout.flow import expire_due

    gateway, settings = _deps()
    report = _run(lambda: expire_due(db.session, gateway, settings, limit=limit))
    send_after_commit(current_app._get_current_object())
    counts = dict(sorted(report.counts.items()))
    click.echo(f"{counts.get('expired', 0)} expired" + (f" {json.dumps(counts)}" if counts else ""))


@orders_cli.command("refund")
@click.argument("order_id")
@click.option("--amount", type=click.IntRange(min=1), default=None,
              help="Minor units (cents); default: everything not yet refunded.")
@click.option("--reason", default="", help="Kept on the refund record.")
@click.option("--resume", is_flag=True, help="Send a refund that was recorded but never reached Stripe.")
def refund_command(order_id: str, amount: int | None, reason: str, resume: bool) -> None:
    """Refund a paid order through Stripe; the order changes when Stripe's webhook confirms it."""
    from storefront.checkout import refunds

    gateway, _ = _deps()
    if resume:
        refund = _run(lambda: refunds.resume_refund(db.session, gateway, order_id))
    else:
        refund = _run(lambda: refunds.request_refund(db.session, gateway, order_id, amount=amount,
                                                     actor=_actor(), reason=reason))
    click.echo(f"Refund {refund.stripe_refund_id or refund.id} of {refund.amount} "
               f"{refund.currency} {refund.status.value}; the order updates when Stripe confirms it "
               "(charge.refunded webhook, or `storefront orders sync`).")


@orders_cli.command("sync")
@click.argument("order_id")
def sync_command(order_id: str) -> None:
    """Reconcile an order with its PaymentIntent at Stripe (for missed webhooks)."""
    from storefront.checkout.flow import sync_order

    gateway, settings = _deps()
    outcome = _run(lambda: sync_order(db.session, gateway, settings, order_id, source=_actor()))
    send_after_commit(current_app._get_current_object())
    click.echo(outcome)


@orders_cli.command("fulfil")
@click.argument("order_id")
def fulfil_command(order_id: str) -> None:
    """Mark a paid order as shipped."""
    from storefront.orders import service

    def run():
        order = service.get_order(db.session, order_id, lock=True)
        service.fulfil(db.session, order, actor=_actor())
        db.session.commit()
        return order

    order = _run(run)
    click.echo(f"{order.public_id} {order.status.value}")


@orders_cli.command("cancel")
@click.argument("order_id")
def cancel_command(order_id: str) -> None:
    """Cancel an unpaid order: its PaymentIntent first, then release its stock."""
    from storefront.checkout.flow import cancel_order

    gateway, _ = _deps()
    status = _run(lambda: cancel_order(db.session, gateway, order_id, actor=_actor()))
    click.echo(f"{order_id} {status}")


@orders_cli.command("show")
@click.argument("order_id")
def show_command(order_id: str) -> None:
    """Print an order and its history as JSON."""
    from storefront.orders import service

    order = _run(lambda: service.get_order(db.session, order_id))
    click.echo(json.dumps({
        "order_id": order.public_id, "status": order.status.value, "email": order.email,
        "amount": order.total_amount, "currency": order.currency, "amount_paid": order.amount_paid,
        "amount_refunded": order.amount_refunded, "payment_intent": order.payment_intent_id,
        "attention": order.attention,
        "lines": [{"sku": ln.sku, "name": ln.name, "quantity": ln.quantity,
                   "unit_price": ln.unit_price} for ln in order.lines],
        "refunds": [{"amount": r.amount, "status": r.status.value, "stripe_id": r.stripe_refund_id}
                    for r in order.refunds],
        "history": [{"at": e.created_at.isoformat(), "from": e.from_status, "to": e.to_status,
                     "reason": e.reason, "source": e.source} for e in order.events],
    }, indent=2))
