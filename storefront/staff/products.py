"""Staff catalogue work: review copy against the gate, edit it, publish and unpublish.

Every change goes through the publication gate and lands in the audit log with the
product's state before and after.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storefront.catalog import gate
from storefront.catalog.models import Product, Status
from storefront.catalog.records import product_to_record
from storefront.errors import Conflict, DomainError, ValidationError
from storefront.staff.audit import record
from storefront.staff.models import StaffUser

COPY_FIELDS = ("headline", "summary", "body")
MAX_LENGTH = {"headline": 200, "summary": 2000, "body": 20000}
_COLUMN = {"headline": "headline", "summary": "summary", "body": "body_md"}


@dataclass
class CopyReview:
    """The gate's verdict on a product's copy, grouped for display."""

    findings: dict[str, list[Any]] = field(default_factory=lambda: {f: [] for f in COPY_FIELDS})
    # Findings not inside one copy field: whole-copy requirements ("copy") and staff
    # precaution lines ("precautions[0]"), as (field, finding, quoted text) triples.
    other: list[tuple[str, Any, str]] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)

    def all_findings(self) -> list[Any]:
        return [f for items in self.findings.values() for f in items] + [f for _, f, _ in self.other]

    @property
    def blocking(self) -> bool:
        return bool(self.problems) or any(f.severity == "block" for f in self.all_findings())

    def count(self, severity: str) -> int:
        return sum(1 for f in self.all_findings() if f.severity == severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "publishable": not self.blocking,
            "findings": {k: [f.to_dict() for f in v] for k, v in self.findings.items()},
            "other": [{"field": fld, "text": text, **f.to_dict()} for fld, f, text in self.other],
            "problems": [p.to_dict() for p in self.problems],
        }


class GateRefused(DomainError):
    """The gate found blocking problems; ``review`` holds them."""

    code = "compliance_blocked"
    status = 422

    def __init__(self, message: str, review: CopyReview):
        super().__init__(message, errors=_review_errors(review))
        self.review = review


def _review_errors(review: CopyReview) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    pairs = [(fld, f) for fld, items in review.findings.items() for f in items]
    pairs += [(fld, f) for fld, f, _ in review.other]
    for fld, f in pairs:
        if f.severity == "block":
            errors.setdefault(f"copy.{fld}", []).append(f"[{f.rule}] {f.message}")
    for p in review.problems:
        errors.setdefault(p.field, []).append(p.message)
    return errors


def copy_of(product: Product) -> dict[str, str]:
    """The product's copy as {headline, summary, body}."""
    return {f: getattr(product, _COLUMN[f]) or "" for f in COPY_FIELDS}


def copy_token(product: Product) -> str:
    """A fingerprint of the stored copy and status, for optimistic concurrency on edits."""
    state = {**copy_of(product), "status": str(product.status)}
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:32]


def snapshot(product: Product) -> dict[str, Any]:
    """What the audit log stores about a product before / after a change."""
    return {**copy_of(product), "status": str(product.status)}


def _review_record(rec: dict[str, Any]) -> CopyReview:
    report = gate.check_record(rec)
    review = CopyReview(problems=list(report.problems))
    copy = rec["copy"]
    # The gate checks whole-copy requirements on the fields joined by blank lines.
    combined = "\n\n".join(copy.get(f) or "" for f in COPY_FIELDS)
    extra = rec.get("precautions") or []
    for ff in report.findings:
        f = ff.finding
        if ff.field in review.findings:
            review.findings[ff.field].append(f)
            continue
        if ff.field.startswith("precautions[") and (ff.field[12:-1].isascii() and ff.field[12:-1].isdigit()):
            i = int(ff.field[12:-1])
            source = str(extra[i]) if i < len(extra) else ""
        else:
            source = combined
        review.other.append((ff.field, f, source[f.start:f.end]))
    for items in review.findings.values():
        items.sort(key=lambda f: (f.start, f.end))
    return review


def review(product: Product, proposed: dict[str, str] | None = None) -> CopyReview:
    """Run the gate over the stored copy, or over ``proposed`` copy for this product."""
    rec = product_to_record(product)
    if proposed is not None:
        rec = {**rec, "copy": {f: proposed.get(f, "") for f in COPY_FIELDS}}
    return _review_record(rec)


def clean_copy(data: dict[str, Any]) -> dict[str, str]:
    """Validate submitted copy fields; ValidationError with field paths when wrong."""
    out, errors = {}, {}
    for fld in COPY_FIELDS:
        value = data.get(fld)
        if not isinstance(value, str):
            errors[fld] = ["required"]
            continue
        # Browsers send CRLF from textareas; store LF so spans and diffs stay stable.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if fld == "headline":
            value = value.strip()
            if "\n" in value:
                errors[fld] = ["must be a single line"]
        if fld != "body" and not value.strip():
            errors.setdefault(fld, []).append("must not be empty")
        if len(value) > MAX_LENGTH[fld]:
            errors.setdefault(fld, []).append(f"must be at most {MAX_LENGTH[fld]} characters")
        out[fld] = value
    if errors:
        raise ValidationError("invalid copy", errors=errors)
    return out


def get_product(session: Session, product_id: int, *, lock: bool = False) -> Product | None:
    """Load a product with what the gate reads; ``lock`` takes a row lock (PostgreSQL)."""
    stmt = (select(Product).where(Product.id == product_id)
            .options(selectinload(Product.bands), selectinload(Product.tiers)))
    if lock:
        stmt = stmt.with_for_update(of=Product).execution_options(populate_existing=True)
    return session.scalar(stmt)


def list_products(session: Session, *, status: str = "", kind: str = "", q: str = "",
                  gate: str = "", max_stock: int | None = None, page: int = 1,
                  per_page: int = 50) -> tuple[list[Product], int]:
    """A page of products (by SKU) with the relations the gate needs, and the total.

    ``gate`` is "blocked" or "ok": products whose stored, fresh gate verdict says so
    (``staff.dashboard.refresh_verdicts`` keeps them; an unchecked product matches neither).
    """
    from storefront.staff.dashboard import blocked_clause

    stmt = select(Product)
    if gate in ("blocked", "ok"):
        stmt = stmt.where(blocked_clause(gate == "blocked"))
    if max_stock is not None:
        stmt = stmt.where(Product.stock <= max_stock)
    if status:
        stmt = stmt.where(Product.status == status)
    if kind:
        stmt = stmt.where(Product.kind == kind)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(func.lower(Product.name).like(like) | func.lower(Product.sku).like(like))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Product.bands), selectinload(Product.tiers))
                           .order_by(Product.sku).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def _check_token(product: Product, expected: str | None) -> None:
    if expected and expected != copy_token(product):
        raise Conflict("Someone changed this product since you opened it; reload and retry.",
                       code="edit_conflict")


def update_copy(session: Session, actor: StaffUser, product: Product, data: dict[str, Any], *,
                expected_token: str | None = None, ip: str | None = None) -> CopyReview:
    """Save new copy; a published product keeps only copy the gate lets through."""
    new = clean_copy(data)
    _check_token(product, expected_token)
    verdict = review(product, new)
    if product.status == Status.PUBLISHED and verdict.blocking:
        raise GateRefused("This product is published; the new copy would break the "
                          "compliance gate. Fix the findings or unpublish first.", verdict)
    before = snapshot(product)
    if new == copy_of(product):
        return verdict
    for fld, value in new.items():
        setattr(product, _COLUMN[fld], value)
    record(session, actor, "product.copy", "product", product.id, before=before,
           after=snapshot(product), ip=ip, note=product.sku)
    session.flush()
    return verdict


def publish(session: Session, actor: StaffUser, product: Product, *,
            expected_token: str | None = None, ip: str | None = None) -> CopyReview:
    """Publish through the gate; GateRefused (with the findings) when it blocks."""
    _check_token(product, expected_token)
    verdict = review(product)
    if verdict.blocking:
        raise GateRefused("The compliance gate blocks publishing this product.", verdict)
    if product.status != Status.PUBLISHED:
        before = snapshot(product)
        product.status = Status.PUBLISHED
        record(session, actor, "product.publish", "product", product.id, before=before,
               after=snapshot(product), ip=ip, note=product.sku)
        session.flush()
    return verdict


def unpublish(session: Session, actor: StaffUser, product: Product, *,
              ip: str | None = None) -> None:
    """Take a published product off the shop (back to draft)."""
    if product.status != Status.PUBLISHED:
        return
    before = snapshot(product)
    product.status = Status.DRAFT
    record(session, actor, "product.unpublish", "product", product.id, before=before,
           after=snapshot(product), ip=ip, note=product.sku)
    session.flush()
