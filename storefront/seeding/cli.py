"""``storefront seed load``, ``storefront seed export`` and ``storefront seed schema``."""

from __future__ import annotations

import atexit
import functools
import gc
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from storefront.catalog.records import prune_empty
from storefront.extensions import db
from storefront.media.service import storage_for
from storefront.seeding.images import DirectorySource, NoFiles, export_images
from storefront.seeding.json_schema import schema_command
from storefront.seeding.loader import (
    SeedError,
    export_records,
    load_document,
    parse_json,
    start_workers,
)

seed_cli = AppGroup("seed", help="Load and export the product catalogue as JSON.")
seed_cli.add_command(schema_command)  # needs no app context: it only reads the schemas

PROGRESS_THRESHOLD = 500
# About the size of loader.PARALLEL_THRESHOLD products: big enough to be validated in workers.
PRESTART_BYTES = 2_000_000


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise click.ClickException(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


@functools.cache
def _freeze_at_exit() -> None:
    atexit.register(gc.freeze)


def _fail(errors: list[str]) -> None:
    click.echo(f"Refused: {len(errors)} error(s); nothing was written.", err=True)
    for line in errors:
        click.echo(f"  {line}", err=True)
    sys.exit(1)


@seed_cli.command("load")
@click.argument("path")
@click.option("--dry-run", is_flag=True, help="Validate and report what would change; write nothing.")
@click.option("--prune", is_flag=True, help="Archive products that are not in the file.")
def load_command(path: str, dry_run: bool, prune: bool) -> None:
    """Validate PATH and upsert its products by SKU, all or nothing."""
    if path != "-" and Path(path).is_file() and Path(path).stat().st_size >= PRESTART_BYTES:
        start_workers()  # the validation workers get ready while the file is read and parsed
    try:
        doc = parse_json(_read(path))
    except SeedError as exc:
        _fail([f"{path}: {e}" for e in exc.errors])
    items = doc.get("products") if isinstance(doc, dict) else None
    large = isinstance(items, list) and len(items) >= PROGRESS_THRESHOLD
    if large:
        # The parsed file lives until the command ends: keep its objects out of the cyclic
        # collector's scans while chunks are written (they go back at the end).
        gc.freeze()
        # When the process ends, its heap is frozen again first: the interpreter's last full
        # collection over every object left (~0.3 s after a large load) reclaims nothing
        # the exit does not. (In a process that goes on, e.g. tests, this runs at its exit.)
        _freeze_at_exit()
    try:
        source = NoFiles() if path == "-" else DirectorySource(Path(path).resolve().parent)
        storage = storage_for(current_app)
        # Validation and writes overlap (chunks are written as they pass); a refused file is
        # rolled back, so nothing is written either way.
        if large:
            with click.progressbar(length=len(items), label="Loading", file=sys.stderr) as bar:
                result = load_document(db.session, doc, prune=prune, storage=storage,
                                       image_source=source, progress=bar.update)
        else:
            result = load_document(db.session, doc, prune=prune, storage=storage, image_source=source)
        del doc, items
        if result.errors:
            _fail(result.errors)
        for w in result.warnings:
            click.echo(f"warning: {w}", err=True)
        if result.write_errors:
            _fail(result.write_errors)
        summary = result.summary
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
            from storefront.catalog.cache import catalogue_changed

            catalogue_changed(current_app)  # a worker warms the page cache, if there is one
        c = summary.counts()
        prefix = "Dry run (nothing written): would have " if dry_run else ""
        click.echo(f"{prefix}{result.records} products: {c['created']} created, {c['updated']} updated, "
                   f"{c['unchanged']} unchanged, {c['pruned']} pruned; {len(result.warnings)} warning(s).")
    finally:
        if large:
            gc.unfreeze()


@seed_cli.command("export")
@click.argument("path")
def export_command(path: str) -> None:
    """Write the whole catalogue (stock included) to PATH as a loadable JSON file.

    Product pictures are written beside it under images/ (not when PATH is -).
    """
    records = [prune_empty(r) for r in export_records(db.session)]
    files = {} if path == "-" else export_images(db.session, storage_for(current_app), records)
    text = json.dumps({"products": records}, indent=2, ensure_ascii=False) + "\n"
    if path == "-":
        sys.stdout.write(text)
    else:
        base = Path(path).resolve().parent
        for rel, data in files.items():
            (base / rel).parent.mkdir(parents=True, exist_ok=True)
            (base / rel).write_bytes(data)
        Path(path).write_text(text, encoding="utf-8")
        extra = f" and {len(files)} image(s) under {base / 'images'}" if files else ""
        click.echo(f"Exported {len(records)} products to {path}{extra}.")
