"""``storefront seed articles PATH [--dry-run]`` and ``storefront seed export-articles DIR``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from storefront.extensions import db
from storefront.guides.seed import ArticleSeedError, apply, export, read_dir, validate_files


def _fail(errors: list[str]) -> None:
    click.echo(f"Refused: {len(errors)} error(s); nothing was written.", err=True)
    for line in errors:
        click.echo(f"  {line}", err=True)
    sys.exit(1)


@click.command("articles")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
def articles_command(path: Path, dry_run: bool) -> None:
    """Validate the guides in PATH (a directory of .md files, or one file) and upsert by slug."""
    try:
        files = read_dir(path)
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text ({exc.reason})") from None
    records, errors, warnings = validate_files(db.session, files)
    if errors:
        db.session.rollback()
        _fail(errors)
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    try:
        summary = apply(db.session, records)
    except ArticleSeedError as exc:
        db.session.rollback()
        _fail(exc.errors)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    prefix = "Dry run (nothing written): would have " if dry_run else ""
    click.echo(f"{prefix}{len(records)} guides: {len(summary.created)} created, "
               f"{len(summary.updated)} updated, {len(summary.unchanged)} unchanged; "
               f"{len(warnings)} warning(s).")


@click.command("export-articles")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_articles_command(directory: Path) -> None:
    """Write every guide to DIRECTORY as front-matter Markdown that `seed articles` loads."""
    n = export(db.session, directory)
    click.echo(f"Exported {n} guides to {directory}.")


COMMANDS = (articles_command, export_articles_command)
