"""`storefront promotions ...`: create, list, show (with redemptions), pause and resume codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from storefront.errors import DomainError
from storefront.extensions import db
from storefront.money import format_money
from storefront.promotions import service
from storefront.promotions.models import Promotion, PromotionStatus

promotions_cli = AppGroup("promotions", help="Manage promotion codes.")


def _fail(err: DomainError) -> click.ClickException:
    details = "; ".join(f"{k}: {', '.join(v)}" for k, v in (err.errors or {}).items())
    return click.ClickException(err.message + (f" ({details})" if details else ""))


def _when(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("an ISO date or date-time, e.g. 2026-12-01 or 2026-12-01T09:00",
                                 param_hint=name) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def describe(p: Promotion) -> dict:
    """A promotion as JSON for the command line."""
    return {"code": p.code, "status": p.status.value, "kind": p.kind.value, "percent": p.percent,
            "amount": p.amount_off, "currency": p.currency, "min_subtotal": p.min_subtotal,
            "starts": p.starts_at.isoformat() if p.starts_at else None,
            "ends": p.ends_at.isoformat() if p.ends_at else None, "limit": p.usage_limit,
            "per_email": p.per_email_limit, "kinds": p.kinds, "skus": p.skus, "banner": p.banner,
            "held": p.held, "redeemed": p.redeemed}


@promotions_cli.command("create")
@click.argument("code")
@click.option("--percent", type=int, help="Percentage off each eligible line (1-100).")
@click.option("--amount", type=int, help="Fixed amount off, in minor units (1500 = $15.00).")
@click.option("--currency", default="USD", show_default=True, help="Currency of --amount.")
@click.option("--min-subtotal", type=int, default=0, help="Minimum order subtotal, minor units.")
@click.option("--starts", help="Valid from (ISO date or date-time, UTC unless given).")
@click.option("--ends", help="Valid until, exclusive (ISO date or date-time).")
@click.option("--limit", type=int, help="Total number of uses.")
@click.option("--per-email", type=int, help="Uses per buyer email.")
@click.option("--kinds", help="Only these kinds, comma-separated (belt,handheld,panel,laser).")
@click.option("--skus", help="Only these SKUs, comma-separated.")
@click.option("--banner", default="", help="Banner text for the shop (checked like product copy).")
def create(code, percent, amount, currency, min_subtotal, starts, ends, limit, per_email, kinds,
           skus, banner):
    """Create a promotion code (exactly one of --percent or --amount)."""
    try:
        promo = service.create(
            db.session, code, percent=percent, amount=amount, currency=currency,
            min_subtotal=min_subtotal, starts_at=_when(starts, "--starts"),
            ends_at=_when(ends, "--ends"), usage_limit=limit, per_email_limit=per_email,
            kinds=_csv(kinds), skus=_csv(skus), banner=banner, actor="cli")
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise _fail(err) from None
    off = f"{promo.percent} %" if promo.percent else format_money(promo.amount_off, promo.currency)
    click.echo(f"created promotion {promo.code}: {off} off")


@promotions_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_(as_json):
    """List promotion codes with their uses (held by pending orders, redeemed when paid)."""
    for p in service.list_all(db.session):
        if as_json:
            click.echo(json.dumps(describe(p)))
            continue
        off = f"{p.percent}%" if p.percent else format_money(p.amount_off, p.currency)
        limit = f"/{p.usage_limit}" if p.usage_limit is not None else ""
        click.echo(f"{p.code:<20} {p.status.value:<7} {off:>10} off  redeemed {p.redeemed}{limit}"
                   f"  held {p.held}")


@promotions_cli.command("show")
@click.argument("code")
def show(code):
    """Show a promotion and its redemptions as JSON."""
    try:
        p = service.get(db.session, code)
    except DomainError as err:
        raise _fail(err) from None
    out = describe(p)
    out["redemptions"] = [{"order_id": r.order_id, "email": r.email, "amount": r.amount,
                           "status": r.status.value, "created_at": r.created_at.isoformat(),
                           "redeemed_at": r.redeemed_at.isoformat() if r.redeemed_at else None}
                          for r in p.redemptions]
    click.echo(json.dumps(out, indent=2))


def _set(code: str, status: PromotionStatus) -> None:
    try:
        p = service.set_status(db.session, code, status)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise _fail(err) from None
    click.echo(f"{p.code} is {p.status.value}")


@promotions_cli.command("pause")
@click.argument("code")
def pause(code):
    """Pause a code: no new orders can use it (pending orders keep their discount)."""
    _set(code, PromotionStatus.PAUSED)


@promotions_cli.command("resume")
@click.argument("code")
def resume(code):
    """Make a paused code usable again."""
    _set(code, PromotionStatus.ACTIVE)
