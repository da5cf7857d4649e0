"""Catalogue import in the browser: upload, dry-run preview, apply as a job, export.

The upload (a JSON file, or a .zip holding the JSON and its images) is kept in
``catalog_imports`` so the preview and the apply can run as background jobs on any
instance. Both use the seed loader (``storefront.seeding``), the same code as
``storefront seed load``: the apply is one transaction, all or nothing, and lands in the
audit log.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload

from storefront.catalog.models import Product, Status
from storefront.catalog.records import prune_empty
from storefront.db import Base, JSONType, UTCDateTime, utcnow
from storefront.jobs import report_progress
from storefront.media import service as media
from storefront.media.storage import Storage
from storefront.seeding import loader
from storefront.seeding.images import check_images, export_images, open_bundle, same_images
from storefront.staff.audit import record
from storefront.staff.models import StaffUser

STATES = {
    "uploaded": "uploaded, not checked yet",
    "checking": "checking (dry run)",
    "checked": "checked",
    "applying": "applying",
    "applied": "applied",
    "failed": "refused",
}


class CatalogImport(Base):
    """One uploaded catalogue file and what the dry run and the apply made of it."""

    __tablename__ = "catalog_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    prune: Mapped[bool] = mapped_column(Boolean, default=False)
    # uploaded -> checking -> checked -> applying -> applied | failed
    state: Mapped[str] = mapped_column(String(16), default="uploaded")
    job_id: Mapped[str | None] = mapped_column(String(64))
    preview: Mapped[dict | None] = mapped_column(JSONType)
    result: Mapped[dict | None] = mapped_column(JSONType)
    product_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportRefused(Exception):
    """The upload cannot even be read (not JSON, damaged zip)."""


def create(session: Session, actor: StaffUser, filename: str, data: bytes, *,
           prune: bool = False) -> CatalogImport:
    """Keep an upload; refuses bytes that are not a readable JSON file or .zip bundle."""
    if not data.strip():
        raise ImportRefused("The file is empty.")
    try:
        text, _ = open_bundle(data)
        doc = loader.parse_json(text)
    except loader.SeedError as exc:
        raise ImportRefused(exc.errors[0]) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ImportRefused(f"Not a catalogue file: {exc}") from None
    items = doc.get("products") if isinstance(doc, dict) else None
    imp = CatalogImport(token=secrets.token_hex(16), filename=(filename or "catalogue.json")[:255],
                        payload=data, prune=prune, created_by_id=actor.id,
                        product_count=len(items) if isinstance(items, list) else 0)
    session.add(imp)
    session.flush()
    return imp


def by_token(session: Session, token: str) -> CatalogImport | None:
    return session.scalar(select(CatalogImport).where(CatalogImport.token == token))


def recent(session: Session, limit: int = 10) -> list[CatalogImport]:
    stmt = select(CatalogImport).order_by(CatalogImport.id.desc()).limit(limit)
    return list(session.scalars(stmt))


# ---- the dry run ---------------------------------------------------------------------------

def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else k))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = {}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def field_diff(before: dict, after: dict) -> list[dict[str, Any]]:
    """Field-level changes between two records: [{field, before, after}]."""
    a, b = _flatten(before), _flatten(after)
    out = []
    for key in list(a) + [k for k in b if k not in a]:
        old, new = a.get(key), b.get(key)
        if isinstance(old, float) and isinstance(new, int | float) and old == new:
            continue
        if old != new:
            out.append({"field": key, "before": old, "after": new})
    return out


def _split(line: str) -> dict[str, str]:
    path, _, message = line.partition(": ")
    return {"path": path, "message": message}


def policy_errors(records: list[dict], positions: dict[str, int],
                  actor: StaffUser | None) -> list[str]:
    """Publishing a prescription device (laser, rx_only) is an admin's call, in a file too."""
    from types import SimpleNamespace

    from storefront.staff.policy import can

    if actor is None:
        return []
    out = []
    for rec in records:
        if rec["status"] != Status.PUBLISHED.value:
            continue
        facts = SimpleNamespace(kind=rec["kind"], regulatory=rec["regulatory"]["status"],
                                status=rec["status"])
        if not can(actor, "products.publish", facts):
            out.append(f"products[{positions.get(rec['sku'], 0)}].status: only an admin may "
                       "publish a prescription device (laser or rx_only); set it to draft")
    return out


def _read(imp: CatalogImport):
    text, source = open_bundle(imp.payload)
    return loader.parse_json(text), source


def _progress(total: int):
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        report_progress(done, total)

    return tick


def build_preview(session: Session, imp: CatalogImport,
                  actor: StaffUser | None = None) -> dict[str, Any]:
    """What applying the upload would do: per-product actions with diffs, errors, findings."""
    try:
        doc, source = _read(imp)
    except loader.SeedError as exc:
        return {"ok": False, "errors": [_split(e) for e in exc.errors], "findings": [],
                "products": [], "counts": {}}
    items = doc.get("products") if isinstance(doc, dict) else None
    total = len(items) if isinstance(items, list) else 0
    tick = _progress(total * 2)  # schema pass, then the compliance pass
    records, errors, _ = loader.validate_document(doc, gate=False, progress=tick)
    del doc
    findings: list[dict[str, Any]] = []
    gate_errors: list[str] = []
    # validate_document drops invalid records, so find each record's place by its SKU.
    positions = _positions(items)
    for rec in records:
        i = positions.get(rec["sku"], 0)
        block, warn = loader.gate_messages(rec, f"products[{i}]")
        gate_errors.extend(block)
        findings += [{**_split(x), "blocks": True} for x in block]
        findings += [{**_split(x), "blocks": False} for x in warn]
        tick(1)
    errors += policy_errors(records, positions, actor)
    files: dict[str, bytes] = {}
    if not errors:
        image_errors, files = check_images([(positions.get(r["sku"], 0), r) for r in records],
                                           source)
        errors += image_errors
    existing = {p.sku: p for p in session.scalars(
        select(Product).options(selectinload(Product.bands), selectinload(Product.tiers)))}
    slug_owner = {p.slug: p.sku for p in existing.values()}
    for rec in records:
        if slug_owner.get(rec["slug"], rec["sku"]) != rec["sku"]:
            errors.append(f"products[{positions.get(rec['sku'], 0)}].slug: slug {rec['slug']!r} "
                          f"already belongs to {slug_owner[rec['slug']]}")
    products = _actions(session, records, existing, files, prune=imp.prune)
    counts = {k: sum(1 for p in products if p["action"] == k)
              for k in ("created", "updated", "unchanged", "archived")}
    return {"ok": not errors and not gate_errors, "errors": [_split(e) for e in errors],
            "findings": findings, "products": products, "counts": counts}


def _positions(items: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get("sku"), str):
            out.setdefault(item["sku"], i)
    return out


def _actions(session: Session, records: list[dict], existing: dict[str, Product],
             files: dict[str, bytes], *, prune: bool) -> list[dict[str, Any]]:
    import hashlib

    from storefront.catalog.records import product_to_record

    wanted_ids = [existing[r["sku"]].id for r in records if r["sku"] in existing
                  and r.get("images") is not None]
    current_images = media.images_for(session, wanted_ids)
    out: list[dict[str, Any]] = []
    for rec in records:
        current = existing.get(rec["sku"])
        entry = {"sku": rec["sku"], "name": rec["name"], "status": rec["status"],
                 "currency": rec.get("currency") or "USD", "diff": []}
        if current is None:
            entry["action"] = "created"
            entry["images"] = len(rec.get("images") or [])
            out.append(entry)
            continue
        entry["product_id"] = current.id
        entry["diff"] = field_diff(product_to_record(current), loader.without_images(rec))
        if rec.get("images") is not None and all(r["path"] in files for r in rec["images"]):
            have = current_images.get(current.id, [])
            want = [(r["alt"], hashlib.sha256(files[r["path"]]).hexdigest()) for r in rec["images"]]
            if not same_images(have, want):
                entry["diff"].append({"field": "images",
                                      "before": f"{len(have)} picture(s)",
                                      "after": f"{len(want)} picture(s) from the file"})
        entry["action"] = "updated" if entry["diff"] else "unchanged"
        out.append(entry)
    if prune:
        in_file = {r["sku"] for r in records}
        for sku, p in sorted(existing.items()):
            if sku not in in_file and p.status != Status.ARCHIVED:
                out.append({"sku": sku, "name": p.name, "status": str(p.status),
                            "product_id": p.id, "action": "archived",
                            "diff": [{"field": "status", "before": str(p.status),
                                      "after": "archived"}]})
    return out


def preview_job(import_id: int) -> dict[str, Any]:
    """Job: run the dry run of an upload and store the preview on it."""
    from storefront.extensions import db

    session = db.session
    imp = session.get(CatalogImport, import_id)
    actor = session.get(StaffUser, imp.created_by_id) if imp.created_by_id else None
    try:
        preview = build_preview(session, imp, actor)
    except Exception:
        session.rollback()
        imp = session.get(CatalogImport, import_id)
        imp.state = "failed"
        imp.result = {"errors": [{"path": "$", "message": "the dry run failed unexpectedly"}]}
        session.commit()
        raise
    session.rollback()  # the dry run writes nothing; drop anything a check touched
    imp = session.get(CatalogImport, import_id)
    imp.preview = preview
    imp.state = "checked"
    session.commit()
    return preview["counts"]


# ---- apply ---------------------------------------------------------------------------------

def apply_import(session: Session, storage: Storage, imp: CatalogImport,
                 actor: StaffUser | None, *, ip: str | None = None) -> dict[str, Any]:
    """Validate again and load, all or nothing; returns {ok, counts | errors}. Flushes only."""
    doc, source = _read(imp)
    items = doc.get("products") if isinstance(doc, dict) else None
    total = len(items) if isinstance(items, list) else 0
    tick = _progress(total * 2)
    records, errors, warnings = loader.validate_document(doc, progress=tick)
    del doc
    errors += policy_errors(records, {r["sku"]: i for i, r in enumerate(records)}, actor)
    files: dict[str, bytes] = {}
    if not errors:
        errors, files = check_images(list(enumerate(records)), source)
    if errors:
        return {"ok": False, "errors": [_split(e) for e in errors]}
    try:
        summary = loader.load_records(session, records, prune=imp.prune, storage=storage,
                                      files=files, progress=tick)
    except loader.SeedError as exc:
        return {"ok": False, "errors": [_split(e) for e in exc.errors]}
    counts = summary.counts()
    record(session, actor, "catalog.import", "catalog_import", imp.id,
           after={"file": imp.filename, **counts,
                  "created_skus": summary.created[:50], "updated_skus": summary.updated[:50],
                  "archived_skus": summary.pruned[:50]},
           ip=ip, note=imp.filename)
    return {"ok": True, "counts": counts, "warnings": len(warnings)}


def apply_job(import_id: int, actor_id: int | None, ip: str | None = None) -> dict[str, Any]:
    """Job: apply an upload in one transaction and record the outcome on it."""
    from flask import current_app

    from storefront.extensions import db

    session = db.session
    imp = session.get(CatalogImport, import_id)
    actor = session.get(StaffUser, actor_id) if actor_id else None
    try:
        outcome = apply_import(session, media.storage_for(current_app), imp, actor, ip=ip)
    except Exception:
        session.rollback()
        _finish(session, import_id, "failed", {"ok": False, "errors": [
            {"path": "$", "message": "the import failed unexpectedly; nothing was written"}]})
        raise
    if not outcome["ok"]:
        session.rollback()  # all or nothing
        _finish(session, import_id, "failed", outcome)
        return outcome
    imp.state, imp.result, imp.applied_at = "applied", outcome, utcnow()
    session.commit()
    from storefront.catalog.cache import catalogue_changed

    catalogue_changed(current_app)  # a worker pre-renders the shared pages
    return outcome


def _finish(session: Session, import_id: int, state: str, result: dict) -> None:
    imp = session.get(CatalogImport, import_id)
    imp.state, imp.result = state, result
    session.commit()


# ---- export --------------------------------------------------------------------------------

def export_json(session: Session) -> str:
    """The catalogue as loadable JSON (no pictures)."""
    records = [prune_empty(r) for r in loader.export_records(session)]
    return json.dumps({"products": records}, indent=2, ensure_ascii=False) + "\n"


def export_zip(session: Session, storage: Storage) -> bytes:
    """products.json plus images/, loadable by the import page or ``seed load``."""
    records = [prune_empty(r) for r in loader.export_records(session)]
    files = export_images(session, storage, records)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("products.json", json.dumps({"products": records}, indent=2,
                                                ensure_ascii=False) + "\n")
        for path, data in files.items():
            zf.writestr(path, data, compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()
