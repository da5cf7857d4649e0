"""The ``storefront orders`` commands that talk to Stripe: expire, refund, sync, cancel.

They drive checkout's use cases (which own their transactions: Stripe is never called inside
one), so they live here rather than in ``orders``; ``create_app`` adds them to the ``orders``
group next to ``show`` and ``fulfil``.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from storefront.checkout.settings import CheckoutSettings
from storefront.extensions import db
from storefront.mail import send_after_commit
from storefront.orders.cli import cli_actor, run_or_fail
from storefront.payments import gateway_for


def _deps():
    return gateway_for(current_app), CheckoutSettings.from_config(current_app.config)


@click.command("expire")
@click.option("--limit", default=500, show_default=True, help="At most this many orders per run.")
@with_appcontext
def expire_command(limit: int) -> None:
    """Release the stock of unpaid orders whose reservation ran out (cancelling their payment)."""
    from storefront.checkout.flow import expire_due

    gateway, settings = _deps()
    report = run_or_fail(lambda: expire_due(db.session, gateway, settings, limit=limit))
    send_after_commit(current_app._get_current_object())
    counts = dict(sorted(report.counts.items()))
    click.echo(f"{counts.get('expired', 0)} expired" + (f" {json.dumps(counts)}" if counts else ""))


@click.command("refund")
@click.argument("order_id")
@click.option("--amount", type=click.IntRange(min=1), default=None,
              help="Minor units (cents); default: everything not yet refunded.")
@click.option("--reason", default="", help="Kept on the refund record.")
@click.option("--resume", is_flag=True, help="Send a refund that was recorded but never reached Stripe.")
@with_appcontext
def refund_command(order_id: str, amount: int | None, reason: str, resume: bool) -> None:
    """Refund a paid order through Stripe; the order changes when Stripe's webhook confirms it."""
    from storefront.checkout import refunds

    gateway, _ = _deps()
    if resume:
        refund = run_or_fail(lambda: refunds.resume_refund(db.session, gateway, order_id))
    else:
        refund = run_or_fail(lambda: refunds.request_refund(db.session, gateway, order_id, amount=amount,
                                                     actor=cli_actor(), reason=reason))
    click.echo(f"Refund {refund.stripe_refund_id or refund.id} of {refund.amount} "
               f"{refund.currency} {refund.status.value}; the order updates when Stripe confirms it "
               "(charge.refunded webhook, or `storefront orders sync`).")


@click.command("sync")
@click.argument("order_id")
@with_appcontext
def sync_command(order_id: str) -> None:
    """Reconcile an order with its PaymentIntent at Stripe (for missed webhooks)."""
    from storefront.checkout.flow import sync_order

    gateway, settings = _deps()
    outcome = run_or_fail(lambda: sync_order(db.session, gateway, settings, order_id, source=cli_actor()))
    send_after_commit(current_app._get_current_object())
    click.echo(outcome)


@click.command("cancel")
@click.argument("order_id")
@with_appcontext
def cancel_command(order_id: str) -> None:
    """Cancel an unpaid order: its PaymentIntent first, then release its stock."""
    from storefront.checkout.flow import cancel_order

    gateway, _ = _deps()
    status = run_or_fail(lambda: cancel_order(db.session, gateway, order_id, actor=cli_actor()))
    click.echo(f"{order_id} {status}")


@click.command("reconcile")
@click.option("--limit", default=500, show_default=True, help="At most this many orders per run.")
@with_appcontext
def reconcile_command(limit: int) -> None:
    """Ask Stripe about pending orders past the grace period, apply what it says, flag the rest."""
    from storefront.checkout.reconcile import reconcile

    gateway, settings = _deps()
    counts = run_or_fail(lambda: reconcile(db.session, gateway, settings, limit=limit))
    send_after_commit(current_app._get_current_object())
    click.echo(json.dumps(dict(sorted(counts.items()))))


ORDER_COMMANDS = (expire_command, refund_command, sync_command, cancel_command,
                  reconcile_command)
