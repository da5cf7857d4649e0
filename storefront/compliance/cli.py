"""``storefront compliance ...`` commands (the app registers ``compliance_cli``).

``check`` needs only text; ``report`` runs the publication gate over the stored catalogue.
"""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from storefront.compliance.checker import check_copy
from storefront.compliance.rules import KINDS, REGULATORY_STATUSES, RulesError, active_rules

compliance_cli = AppGroup("compliance", help="Check product copy against the claim rules.")

MAX_ERRORS_SHOWN = 20


class InputError(click.ClickException):
    """Bad input data (as opposed to copy that fails the rules): exit status 2."""

    exit_code = 2


def _opt_str(entry: dict, key: str, lineno: int) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"line {lineno}: {key!r} must be a string")
    return value


def _parse_jsonl(stream) -> list[tuple[object, dict]]:
    """Read and validate every line first, so a bad line costs no partial output."""
    items: list[tuple[object, dict]] = []
    errors: list[str] = []
    for lineno, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
            if not isinstance(entry, dict):
                raise ValueError(f"line {lineno}: expected a JSON object")
            for key in ("id", "text"):
                if key not in entry:
                    raise ValueError(f"line {lineno}: missing {key!r}")
            text = _opt_str(entry, "text", lineno)
            if text is None:
                raise ValueError(f"line {lineno}: 'text' must be a string")
            kind = _opt_str(entry, "kind", lineno)
            status = _opt_str(entry, "regulatory", lineno)
            if kind is not None and kind not in KINDS:
                raise ValueError(f"line {lineno}: unknown kind {kind!r} "
                                 f"(expected {', '.join(KINDS)})")
            if status is not None and status not in REGULATORY_STATUSES:
                raise ValueError(f"line {lineno}: unknown regulatory status {status!r} "
                                 f"(expected {', '.join(REGULATORY_STATUSES)})")
            markdown = entry.get("markdown", True)
            if not isinstance(markdown, bool):
                raise ValueError(f"line {lineno}: 'markdown' must be true or false")
            scope = entry.get("scope", "document")
            if scope not in ("document", "sentence"):
                raise ValueError(f"line {lineno}: 'scope' must be 'document' or 'sentence'")
            items.append((entry["id"], dict(
                text=text, kind=kind, regulatory=status, markdown=markdown,
                whole_copy=scope == "document",
                k_number=_opt_str(entry, "k_number", lineno),
                indications=_opt_str(entry, "indications", lineno))))
        except json.JSONDecodeError as e:
            errors.append(f"line {lineno}: not valid JSON ({e.msg} at column {e.colno})")
        except ValueError as e:
            errors.append(str(e))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = len(errors) - len(shown)
        raise InputError("invalid input:\n  " + "\n  ".join(shown)
                         + (f"\n  ... and {more} more" if more > 0 else ""))
    return items


@compliance_cli.command("check")
@click.option("--kind", type=click.Choice(KINDS), help="Product kind (laser rules need 'laser').")
@click.option("--regulatory", type=click.Choice(REGULATORY_STATUSES),
              help="Regulatory status; without it the copy is held to 'wellness'.")
@click.option("--k-number", default=None, help="The product's 510(k) number, e.g. K123456.")
@click.option("--indications", default=None, help="The product's cleared indications for use.")
@click.option("--jsonl", is_flag=True,
              help='Batch: each line {"id","text","kind","regulatory"} (optional "k_number", '
                   '"indications", "scope": "sentence" to skip whole-copy requirements); '
                   'one result line each.')
@click.option("--plain", is_flag=True, help="Treat the text as plain text, not Markdown.")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
def check(kind, regulatory, k_number, indications, jsonl, plain, file):
    """Check copy from FILE (default: stdin); print findings as JSON.

    Exits 1 when any finding is 'block', 2 on invalid input, 0 otherwise.
    """
    try:
        active_rules()
    except RulesError as e:
        raise click.ClickException(f"rules: {e}") from None
    blocked = False
    if jsonl:
        # Options on the command line are defaults for lines that leave a field out.
        for item_id, args in _parse_jsonl(file):
            findings = check_copy(
                args["text"], args["kind"] or kind, args["regulatory"] or regulatory,
                k_number=args["k_number"] or k_number,
                indications=args["indications"] or indications,
                markdown=args["markdown"] and not plain, whole_copy=args["whole_copy"])
            blocked = blocked or any(f.severity == "block" for f in findings)
            click.echo(json.dumps({"id": item_id, "findings": [f.to_dict() for f in findings]},
                                  ensure_ascii=False))
    else:
        text = file.read()
        findings = check_copy(text, kind, regulatory, k_number=k_number,
                              indications=indications, markdown=not plain)
        blocked = any(f.severity == "block" for f in findings)
        click.echo(json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False))
    if blocked:
        click.get_current_context().exit(1)


@compliance_cli.command("report")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON report per product.")
@click.option("--all", "include_archived", is_flag=True, help="Include archived products.")
@click.option("--sku", multiple=True, help="Only these SKUs (repeatable).")
def report_command(as_json: bool, include_archived: bool, sku: tuple[str, ...]) -> None:
    """Check every product's copy and regulatory data; exit 1 if a published product is blocked."""
    # The one place compliance meets the database: this adapter reads the stored catalogue
    # and hands each product to the catalogue's gate, which asks the pure engine.
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from storefront.catalog.gate import check as check_stored
    from storefront.catalog.models import Product, Status
    from storefront.extensions import db

    stmt = select(Product).options(selectinload(Product.bands), selectinload(Product.tiers)).order_by(Product.sku)
    if not include_archived:
        stmt = stmt.where(Product.status != Status.ARCHIVED)
    if sku:
        stmt = stmt.where(Product.sku.in_(sku))
    totals = {"products": 0, "blocked": 0, "published_blocked": 0, "warnings": 0}
    for product in db.session.scalars(stmt):
        report = check_stored(product)
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
