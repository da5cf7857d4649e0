"""Load a products JSON file: validate everything and upsert by SKU in one transaction, all or nothing."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, selectinload

from storefront.catalog.models import PriceTier, Product, Status, WavelengthBand
from storefront.catalog.records import (
    band_rows,
    normalise_for_compare,
    product_to_record,
    record_to_row,
    tier_rows,
)
from storefront.catalog.schemas import ProductRecordSchema
from storefront.catalog.search_bulk import bulk_indexing, reindex
from storefront.db import utcnow
from storefront.sqlite import begin_writing


class SeedError(Exception):
    """The file was refused; ``errors`` lists every problem as ``path: message``."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s) in seed file")
        self.errors = errors


@dataclass
class LoadSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in ("created", "updated", "unchanged", "pruned")}


def parse_json(text: str) -> Any:
    """Parse JSON, turning syntax errors into a message with line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SeedError([f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from None


def flatten_errors(messages: Any, prefix: str = "") -> list[str]:
    """Turn marshmallow's nested error dict into ``a.b[3].c: message`` lines."""
    out: list[str] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                path = prefix
            elif isinstance(key, int):
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_errors(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out.extend(f"{prefix or '$'}: {m}" for m in messages)
    elif isinstance(messages, list):
        for m in messages:
            out.extend(flatten_errors(m, prefix))
    else:
        out.append(f"{prefix or '$'}: {messages}")
    return out


_schema = ProductRecordSchema()


# Files at least this large are validated in worker processes: each record is checked
# independently (schema + compliance gate), so the work splits cleanly across cores.
PARALLEL_THRESHOLD = 2000
CHUNK = 500
TAIL_PART = CHUNK // 4


def _validate_chunk(offset: int, items: list, gate: bool) -> tuple[list[tuple[int, dict]], list[str], list[str]]:
    # Two passes over the chunk, the schema's and then the gate's, rather than both per
    # product: each keeps its own code and data warm in the CPU caches (~5 % less time).
    loaded: list[tuple[int, dict | None, list[str]]] = []
    for i, item in enumerate(items, start=offset):
        path = f"products[{i}]"
        if not isinstance(item, dict):
            loaded.append((i, None, [f"{path}: must be an object"]))
            continue
        try:
            loaded.append((i, normalise_for_compare(_schema.load(item)), []))
        except ValidationError as exc:
            loaded.append((i, None, flatten_errors(exc.messages, path)))
    gated: dict[int, tuple[list[str], list[str]]] = {}
    if gate:
        # Grouped by kind and regulatory status (file order within a group): consecutive
        # products then share the claim rules' plan and much of their copy (~4 % less
        # time). The messages are still listed in file order below.
        valid = [(i, rec) for i, rec, _ in loaded if rec is not None]
        valid.sort(key=lambda pair: (pair[1]["kind"], pair[1]["regulatory"]["status"]))
        for i, rec in valid:
            gated[i] = gate_messages(rec, f"products[{i}]")
    records: list[tuple[int, dict]] = []
    errors: list[str] = []
    warnings: list[str] = []
    for i, rec, problems in loaded:
        if rec is None:
            errors.extend(problems)
            continue
        if gate:
            gate_errors, gate_warnings = gated[i]
            errors.extend(gate_errors)
            warnings.extend(gate_warnings)
        records.append((i, rec))
    return records, errors, warnings


def _chunks(items: list) -> list[tuple[int, list]]:
    return [(start, items[start:start + CHUNK]) for start in range(0, len(items), CHUNK)]


def _warm_worker() -> None:
    from storefront.compliance.claims import load_families, load_lexicon
    from storefront.compliance.model import active_model
    from storefront.compliance.rules import active_rules

    # Loaded and frozen in the fork server already (forkserver_warm): a no-op then. A
    # worker forked from the command loads them itself (while the command still parses
    # the file) and compiles, as it goes, only the rule regexes its copy reaches (a
    # catalogue reaches few of them).
    active_rules()
    active_model()
    load_lexicon()
    load_families()
    gc.freeze()


def _context():
    ctx = multiprocessing.get_context("forkserver")
    # "__main__": a console script (`storefront seed load`) is imported once in the fork
    # server, not again in every worker.
    ctx.set_forkserver_preload(["__main__", "storefront.seeding.forkserver_warm"])
    return ctx


# Workers started ahead by start_workers() in a process that runs no other thread (the
# seed command), with their number; taken by the next parallel validation.
_started: tuple[int, ProcessPoolExecutor] | None = None


def _worker_count(workers: int | None) -> int:
    return workers if workers is not None else (os.cpu_count() or 1)


def start_workers() -> None:
    """Start the validation workers now, so that they get ready while this process is still
    busy (reading and parsing a large file); idempotent.

    In a process that runs no other thread (the seed command) the workers are forked from
    it at once: its modules are imported already, so they only load the claim rules and
    the model, side by side. Otherwise the fork server starts (see _pool).
    """
    global _started
    if _started is not None:
        return
    workers = _worker_count(None)
    if workers > 1 and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        # Frozen before the fork: a collection in a child would otherwise touch, and so
        # copy, every inherited object (the command unfreezes when it ends).
        gc.freeze()
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_warm_worker)
        pool.submit(int)  # with fork every worker is started at the first submit
        _started = (workers, pool)
        return
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


def _pool(workers: int, gate: bool) -> ProcessPoolExecutor:
    global _started
    started, _started = _started, None
    if started is not None:
        if started[0] == workers:
            return started[1]
        started[1].shutdown(wait=False)
    # Not plain fork here: this process may run threads (a web server, the test suite's
    # localstripe) and forking a threaded process can deadlock the child. A fork server
    # starts clean, imports the schemas and loads the claim rules and the model once
    # (forkserver_warm), and forks the workers from there.
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                               initializer=_warm_worker if gate else None)


def _validate_items(items: list, gate: bool, progress: Callable[[int], None] | None,
                    workers: int | None):
    """Validated chunks in file order, each as (result, closes): ``closes`` is False for a
    part of a chunk that more parts follow (see _Checked.take)."""
    workers = _worker_count(workers)
    if len(items) < PARALLEL_THRESHOLD or workers <= 1:
        for offset, chunk in _chunks(items):
            yield _validate_chunk(offset, chunk, gate), True
            if progress:
                progress(len(chunk))
        return
    # Children only compute, never touch the DB.
    pool = _pool(workers, gate)
    finished = False
    try:
        chunks = _chunks(items)
        # The last chunk of each worker goes in parts: what is left to write once the
        # workers are done is then one part, not a whole chunk per worker.
        parts = []
        for n, (offset, chunk) in enumerate(chunks):
            if n < len(chunks) - workers:
                parts.append((offset, chunk, True))
                continue
            for a in range(0, len(chunk), TAIL_PART):
                parts.append((offset + a, chunk[a:a + TAIL_PART], a + TAIL_PART >= len(chunk)))
        futures = [pool.submit(_validate_chunk, offset, part, gate) for offset, part, _ in parts]
        for fut, (_, part, closes) in zip(futures, parts, strict=True):
            yield fut.result(), closes
            if progress:
                progress(len(part))
        finished = True
    finally:
        # A consumer that stops early (an exception while writing) does not wait for the
        # chunks nobody will read.
        pool.shutdown(wait=True, cancel_futures=not finished)


def _top_level(doc: Any) -> tuple[list | None, list[str]]:
    """The products list of a seed document (None when there is none) and top-level errors."""
    if not isinstance(doc, dict):
        return None, ["$: the file must hold an object with a \"products\" list"]
    errors = [f"{k}: Unknown field." for k in sorted(set(doc) - {"products", "$schema"})]
    items = doc.get("products")
    if not isinstance(items, list):
        errors.append("products: Missing data for required field." if items is None
                      else "products: must be a list")
        return None, errors
    return items, errors


class _Checked:
    """Validated chunks folded together in file order: records, errors, warnings and the
    file-wide SKU / slug uniqueness checks."""

    def __init__(self, errors: list[str]) -> None:
        self.records: list[dict] = []
        self.errors = errors
        self.warnings: list[str] = []
        self._sku: dict[str, int] = {}
        self._slug: dict[str, int] = {}
        self._open: list[str] = []  # the errors of a chunk whose last part is still to come
        self._open_duplicates: list[str] = []

    @property
    def failed(self) -> bool:
        """Any error so far, in a chunk still open too."""
        return bool(self.errors or self._open or self._open_duplicates)

    def take(self, chunk: tuple[list[tuple[int, dict]], list[str], list[str]],
             closes: bool = True) -> list[tuple[int, dict]]:
        """Fold in one chunk, or one part of a chunk; return its records whose SKU and slug
        are new to the file. A chunk's errors are listed when its last part (``closes``) is
        in: its products' own, then its duplicates, whether it came in parts or whole."""
        chunk_records, chunk_errors, chunk_warnings = chunk
        self._open.extend(chunk_errors)
        self.warnings.extend(chunk_warnings)
        fresh = []
        for i, rec in chunk_records:
            path = f"products[{i}]"
            unique = True
            if rec["sku"] in self._sku:
                self._open_duplicates.append(f"{path}.sku: duplicate SKU {rec['sku']!r} "
                                             f"(first at products[{self._sku[rec['sku']]}])")
                unique = False
            else:
                self._sku[rec["sku"]] = i
            if rec["slug"] in self._slug:
                self._open_duplicates.append(f"{path}.slug: duplicate slug {rec['slug']!r} "
                                             f"(first at products[{self._slug[rec['slug']]}])")
                unique = False
            else:
                self._slug[rec["slug"]] = i
            self.records.append(rec)
            if unique:
                fresh.append((i, rec))
        if closes:
            self.errors += self._open + self._open_duplicates
            self._open, self._open_duplicates = [], []
        return fresh


def validate_document(doc: Any, *, gate: bool = True, progress: Callable[[int], None] | None = None,
                      workers: int | None = None) -> tuple[list[dict], list[str], list[str]]:
    """Validate a whole seed document; returns (records, errors, warnings)."""
    items, errors = _top_level(doc)
    if items is None:
        return [], errors, []
    checked = _Checked(errors)
    for chunk, closes in _validate_items(items, gate, progress, workers):
        checked.take(chunk, closes)
    return checked.records, checked.errors, checked.warnings


# Where each gate fact lives in a seed record, for error paths.
_PROBLEM_PATHS = {
    "k_number": "regulatory.k_number", "indications": "regulatory.indications",
    "regulatory": "regulatory.status", "laser_class": "specs.laser_class",
    "optical_output_w": "specs.optical_output_w", "wavelengths_nm": "wavelengths", "kind": "kind",
}


def _finding_text(rec: dict, fld: str) -> str:
    if fld in ("headline", "summary", "body"):
        return rec["copy"][fld] or ""
    if fld.startswith("precautions["):
        return rec["precautions"][int(fld[len("precautions["):-1])]
    return ""


def gate_messages(rec: dict, path: str) -> tuple[list[str], list[str]]:
    """Publication-gate errors (for published records) and warnings, as path messages."""
    from storefront.catalog.gate import check_record

    report = check_record(rec)
    published = rec["status"] == Status.PUBLISHED.value
    errors, warnings = [], []
    for ff in report.findings:
        f = ff.finding
        where = ff.field if ff.field.startswith("precautions[") else f"copy.{ff.field}".removesuffix(".copy")
        quoted = _finding_text(rec, ff.field)[f.start:f.end]
        span = f' "{quoted}"' if quoted else ""
        line = f"{path}.{where}: [{f.rule}]{span} {f.message} (suggestion: {f.suggestion})"
        (errors if f.severity == "block" and published else warnings).append(line)
    for problem in report.problems:
        line = f"{path}.{_PROBLEM_PATHS.get(problem.field, problem.field)}: {problem.message}"
        (errors if published else warnings).append(line)
    return errors, warnings


def _existing(session: Session) -> dict[str, Product]:
    stmt = select(Product).options(selectinload(Product.bands), selectinload(Product.tiers))
    return {p.sku: p for p in session.scalars(stmt)}


class _Writer:
    """Upserts validated records by SKU, a batch at a time, in the session's transaction.

    Nothing is committed here. Once a record's slug clashes with another product's, no
    further batch is written (the clashes are still collected); :meth:`finish` then raises
    SeedError listing them all, and the caller rolls back what was written before.
    """

    def __init__(self, session: Session, *, prune: bool = False,
                 progress: Callable[[int], None] | None = None) -> None:
        self.session = session
        self.prune = prune
        self.progress = progress
        self.summary = LoadSummary()
        begin_writing(session)  # read the catalogue and write it in one SQLite write lock
        self.existing = _existing(session)
        self.slug_owner = {p.slug: p.sku for p in self.existing.values()}
        self.clashes: list[str] = []
        self.in_file: set[str] = set()
        self._indexing: ExitStack | None = None

    def add(self, records: list[tuple[int, dict]]) -> None:
        """Write a batch of (file index, record) pairs."""
        self.in_file.update(rec["sku"] for _, rec in records)
        self.clashes += [
            f"products[{i}].slug: slug {rec['slug']!r} already belongs to {self.slug_owner[rec['slug']]}"
            for i, rec in records
            if self.slug_owner.get(rec["slug"], rec["sku"]) != rec["sku"]
        ]
        if self.clashes:
            return
        summary, existing = self.summary, self.existing
        new_records: list[dict] = []
        to_update: list[tuple[Product, dict]] = []
        for _, rec in records:
            current = existing.get(rec["sku"])
            if current is None:
                new_records.append(rec)
                summary.created.append(rec["sku"])
            elif product_to_record(current) == without_images(rec):
                summary.unchanged.append(rec["sku"])
            else:
                to_update.append((current, rec))
                summary.updated.append(rec["sku"])
            if self.progress:
                self.progress(1)
        if to_update or new_records:
            if self._indexing is None:
                # The search triggers stay paused until finish(); each batch is indexed in
                # one pass once its products, bands and tiers are written (a product is in
                # one batch only), so indexing too overlaps the validation of later chunks.
                self._indexing = ExitStack()
                self._indexing.enter_context(bulk_indexing(self.session))
            touched = set()
            for product, rec in to_update:
                touched.add(product.id)
                _update(self.session, product, rec)
            touched.update(_bulk_insert(self.session, new_records))
            reindex(self.session, touched)

    def finish(self) -> LoadSummary:
        """Index what was written, archive what the file left out (``prune``), flush."""
        if self.clashes:
            raise SeedError(self.clashes)
        if self._indexing is not None:
            self._indexing.close()
        if self.prune:
            stale = [p for sku, p in self.existing.items()
                     if sku not in self.in_file and p.status != Status.ARCHIVED]
            for p in stale:
                p.status = Status.ARCHIVED
                self.summary.pruned.append(p.sku)
        self.session.flush()
        return self.summary


def apply_records(session: Session, records: list[dict], *, prune: bool = False,
                  progress: Callable[[int], None] | None = None) -> LoadSummary:
    """Upsert validated records by SKU; flushes but does not commit."""
    writer = _Writer(session, prune=prune, progress=progress)
    writer.add(list(enumerate(records)))
    return writer.finish()


def without_images(rec: dict) -> dict:
    """The record as ``product_to_record`` shapes it (pictures are compared separately)."""
    return {k: v for k, v in rec.items() if k != "images"}


def load_records(session: Session, records: list[dict], *, prune: bool = False,
                 storage=None, files: dict[str, bytes] | None = None,
                 progress: Callable[[int], None] | None = None) -> LoadSummary:
    """Upsert records and their pictures; a product whose pictures changed counts as updated."""
    summary = apply_records(session, records, prune=prune, progress=progress)
    _sync_pictures(session, storage, records, files or {}, summary)
    return summary


def _sync_pictures(session: Session, storage, records: list[dict], files: dict[str, bytes],
                   summary: LoadSummary) -> None:
    """Store the pictures records name; a product whose pictures changed counts as updated."""
    from storefront.seeding.images import sync_images

    if storage is None or not any(r.get("images") is not None for r in records):
        return
    for sku in sync_images(session, storage, records, files):
        if sku in summary.unchanged:
            summary.unchanged.remove(sku)
            summary.updated.append(sku)


@dataclass
class LoadResult:
    """What :func:`load_document` did. ``errors``: the file was refused (validation,
    duplicates, pictures); ``write_errors``: it was valid but clashes with the catalogue.
    Either way the session was rolled back and ``summary`` is None."""

    records: int = 0
    errors: list[str] = field(default_factory=list)
    write_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    summary: LoadSummary | None = None


def load_document(session: Session, doc: Any, *, prune: bool = False, gate: bool = True,
                  storage=None, image_source=None,
                  progress: Callable[[int], None] | None = None,
                  workers: int | None = None) -> LoadResult:
    """Validate a seed document and upsert its products, all or nothing; flushes, no commit.

    While worker processes validate the later chunks of a large file, this process writes
    the chunks already validated, in the session's transaction. From the first error
    anywhere on, nothing more is written, validation runs to the end so that every problem
    is listed, and the session is rolled back: a refused file leaves the database as it
    was. ``image_source`` reads the pictures records name (see seeding.images).
    """
    from storefront.seeding.images import check_images

    items, errors = _top_level(doc)
    result = LoadResult(errors=errors)
    if items is None:
        return result
    checked = _Checked(errors)
    writer: _Writer | None = None
    try:
        for chunk, closes in _validate_items(items, gate, progress, workers):
            fresh = checked.take(chunk, closes)
            if checked.failed:
                continue
            if writer is None:
                writer = _Writer(session, prune=prune)
            writer.add(fresh)
        result.records, result.warnings = len(checked.records), checked.warnings
        files: dict[str, bytes] = {}
        if not checked.errors and image_source is not None and any(
                r.get("images") is not None for r in checked.records):
            result.errors, files = check_images(list(enumerate(checked.records)), image_source)
        if result.errors:
            session.rollback()
            return result
        if writer is None:
            writer = _Writer(session, prune=prune)
        try:
            summary = writer.finish()
        except SeedError as exc:
            session.rollback()
            result.write_errors = exc.errors
            return result
        _sync_pictures(session, storage, checked.records, files, summary)
        result.summary = summary
        return result
    except BaseException:
        session.rollback()
        raise


def _update(session: Session, product: Product, rec: dict) -> None:
    row = record_to_row(rec)
    session.execute(update(Product).where(Product.id == product.id).values(**row))
    session.execute(delete(WavelengthBand).where(WavelengthBand.product_id == product.id))
    session.execute(delete(PriceTier).where(PriceTier.product_id == product.id))
    bands = [{**b, "product_id": product.id} for b in band_rows(rec)]
    tiers = [{**t, "product_id": product.id} for t in tier_rows(rec)]
    if bands:
        session.execute(insert(WavelengthBand), bands)
    if tiers:
        session.execute(insert(PriceTier), tiers)
    session.expire(product)


INSERT_BATCH = 2000


def _bulk_insert(session: Session, records: list[dict]) -> list[int]:
    # Batches bound the memory of row dicts; each batch is one executemany (COPY on
    # PostgreSQL) without RETURNING (SQLAlchemy splices RETURNING batches in quadratic
    # time), then one SELECT to learn the new ids.
    now = utcnow()
    new_ids: list[int] = []
    for start in range(0, len(records), INSERT_BATCH):
        batch = records[start:start + INSERT_BATCH]
        _insert_rows(session, Product.__table__,
                     [{**record_to_row(r), "created_at": now, "updated_at": now} for r in batch])
        ids = dict(session.execute(select(Product.sku, Product.id)
                                   .where(Product.sku.in_([r["sku"] for r in batch]))).all())
        bands = [{**b, "product_id": ids[r["sku"]]} for r in batch for b in band_rows(r)]
        tiers = [{**t, "product_id": ids[r["sku"]]} for r in batch for t in tier_rows(r)]
        _insert_rows(session, WavelengthBand.__table__, bands)
        _insert_rows(session, PriceTier.__table__, tiers)
        new_ids.extend(ids.values())
    return new_ids


def _insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in the session's transaction.

    On PostgreSQL through psycopg this is one ``COPY ... FROM STDIN``: an executemany sends
    one INSERT per row (pipelined, but each is parsed, bound and executed on its own), and
    for a 10,000-product file that per-row work, in this process and in the server, was a
    large part of what the writes cost. COPY fires the same row triggers and checks the
    same constraints; values go through the columns' own bind processors, so what is
    stored is what the INSERT would have stored. Anything else (SQLite; rows that leave a
    column with a Python-side default out) takes the executemany.
    """
    if not rows:
        return
    columns = [table.c[name] for name in rows[0]]
    bind = session.connection()
    dialect = bind.dialect
    missing_defaults = any(c.default is not None and c.name not in rows[0] for c in table.c)
    if dialect.name != "postgresql" or dialect.driver != "psycopg" or missing_defaults:
        session.execute(insert(table), rows)
        return
    processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
    table_name = dialect.identifier_preparer.format_table(table)
    raw = bind.connection.driver_connection
    sql = f"COPY {table_name} ({names}) FROM STDIN"
    keys = [c.name for c in columns]
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row([v if p is None else p(v)
                                for v, p in zip((row[k] for k in keys), processors, strict=True)])
    except dialect.loaded_dbapi.Error as exc:
        # What SQLAlchemy does for its own statements: its exception classes (the callers
        # and error handlers know those), and a lost connection is not returned to the pool.
        lost = dialect.is_disconnect(exc, raw, None)
        if lost:
            bind.invalidate(exc)
        raise DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=dialect) from exc


def export_records(session: Session) -> list[dict]:
    """Every product as a normalised record, ordered by SKU."""
    stmt = (select(Product).options(selectinload(Product.bands), selectinload(Product.tiers))
            .order_by(Product.sku))
    return [product_to_record(p) for p in session.scalars(stmt)]
