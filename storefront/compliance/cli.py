"""``storefront compliance ...`` commands (the app registers ``compliance_cli``)."""

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
            items.append((entry["id"], dict(
                text=text, kind=kind, regulatory=status, markdown=markdown,
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
              help='Batch: each line {"id","text","kind","regulatory"}; one result line each.')
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
                markdown=args["markdown"] and not plain)
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
