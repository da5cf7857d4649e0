"""``storefront compliance report``: the publication gate over the whole catalogue."""

from __future__ import annotations

import json

import click
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from storefront.catalog.gate import check
from storefront.catalog.models import Product, Status
from storefront.compliance.cli import compliance_cli
from storefront.extensions import db


@compliance_cli.command("report")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report per product.")
@click.option("--all", "include_archived", is_flag=True, help="Include archived products.")
@click.option("--sku", multiple=True, help="Only these SKUs (repeatable).")
def report_command(as_json: bool, include_archived: bool, sku: tuple[str, ...]) -> None:
    """Check every product's copy and regulatory data; exit 1 if a published product is blocked."""
    stmt = select(Product).options(selectinload(Product.bands), selectinload(Product.tiers)).order_by(Product.sku)
    if not include_archived:
        stmt = stmt.where(Product.status != Status.ARCHIVED)
    if sku:
        stmt = stmt.where(Product.sku.in_(sku))
    totals = {"products": 0, "blocked": 0, "published_blocked": 0, "warnings": 0}
    for product in db.session.scalars(stmt):
        report = check(product)
        totals["products"] += 1
        totals["warnings"] += len(report.warnings)
        if report.blocking:
            totals["blocked"] += 1
            if product.status == Status.PUBLISHED:
                totals["published_blocked"] += 1
        if as_json:
            click.echo(json.dumps({"status": str(product.status), **report.to_dict()}))
            continue
        if not report.findings and not report.problems:
            continue
        mark = "BLOCKED" if report.blocking else "warn"
        click.echo(f"{product.sku} ({product.status}) {mark}")
        for p in report.problems:
            click.echo(f"  problem  {p.field}: {p.message}")
        for ff in report.findings:
            f = ff.finding
            click.echo(f"  {f.severity:<8} {ff.field} [{f.rule}] {f.start}-{f.end}: {f.message}")
    summary = (f"{totals['products']} products checked: {totals['blocked']} blocked "
               f"({totals['published_blocked']} of them published), {totals['warnings']} warning(s).")
    click.echo(summary, err=as_json)
    if totals["published_blocked"]:
        raise SystemExit(1)
