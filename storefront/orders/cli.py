"""``storefront orders …``: show an order, mark it shipped.

The commands of this group that talk to Stripe (expire, refund, sync, cancel) belong to
checkout, which adds them to this group: ``storefront.checkout.cli``.
"""

from __future__ import annotations

import getpass
import json

import click
from flask.cli import AppGroup

from storefront.errors import DomainError
from storefront.extensions import db

orders_cli = AppGroup("orders", help="Orders: expiry, refunds, Stripe reconciliation, shipping.")


def cli_actor() -> str:
    """Who runs a command, as recorded in order histories (``cli:<login>``)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def run_or_fail(fn):
    """Run ``fn``; a domain error rolls back and becomes a clean CLI error (exit 1)."""
    try:
        return fn()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.code}: {exc.message}") from None


@orders_cli.command("fulfil")
@click.argument("order_id")
def fulfil_command(order_id: str) -> None:
    """Mark a paid order as shipped."""
    from storefront.orders import service

    def run():
        order = service.get_order(db.session, order_id, lock=True)
        service.fulfil(db.session, order, actor=cli_actor())
        db.session.commit()
        return order

    order = run_or_fail(run)
    click.echo(f"{order.public_id} {order.status.value}")


@orders_cli.command("show")
@click.argument("order_id")
def show_command(order_id: str) -> None:
    """Print an order and its history as JSON."""
    from storefront.orders import service

    order = run_or_fail(lambda: service.get_order(db.session, order_id))
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
