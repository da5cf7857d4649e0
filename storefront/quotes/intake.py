"""Take in a quote request: check lines against the catalogue, price them, store, queue emails."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

from storefront.catalog.models import Kind, Product, Regulatory, Status
from storefront.db import conflict_insert, utcnow
from storefront.errors import ValidationError, field_path
from storefront.quotes import attachments, notify
from storefront.quotes.models import (
    BuyerType,
    Quote,
    QuoteAttachment,
    QuoteEvent,
    QuoteLine,
    QuoteSequence,
    QuoteStatus,
)
from storefront.quotes.pricing import customisation_warnings, indicative_price


@dataclass
class IntakeResult:
    quote: Quote
    warnings: list[str] = field(default_factory=list)
    # Files written for this request; delete them if the transaction does not commit.
    stored_keys: list[str] = field(default_factory=list)


def next_reference(session: Session, now: datetime) -> str:
    """Allocate ``Q-<year>-<NNNNNN>``; one UPDATE … RETURNING, so concurrent callers never share a number."""
    year = now.year
    dialect_insert = conflict_insert(session, QuoteSequence)
    if dialect_insert is not None:
        session.execute(dialect_insert.values(year=year, last_value=0).on_conflict_do_nothing())
    elif session.get(QuoteSequence, year) is None:  # pragma: no cover
        session.execute(insert(QuoteSequence).values(year=year, last_value=0))
    # The UPDATE takes the row lock: a concurrent request waits here until we commit, then
    # increments from our value (READ COMMITTED re-reads the row), so numbers never repeat.
    value = session.execute(
        update(QuoteSequence)
        .where(QuoteSequence.year == year)
        .values(last_value=QuoteSequence.last_value + 1)
        .returning(QuoteSequence.last_value)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return f"Q-{year}-{value:06d}"


def _load_products(session: Session, skus: list[str]) -> dict[str, Product]:
    if not skus:
        return {}
    rows = session.scalars(
        select(Product)
        .where(Product.sku.in_(skus), Product.status == Status.PUBLISHED)
        .options(selectinload(Product.tiers))
    )
    return {p.sku: p for p in rows}


def decode_attachment(payload: dict | None) -> tuple[str, bytes] | None:
    """Decode the JSON API's ``{"filename", "content_base64"}`` into (name, bytes)."""
    if not payload:
        return None
    try:
        data = base64.b64decode(payload["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("Invalid attachment.", errors={
            "attachment.content_base64": ["not valid base64"]}) from None
    return payload["filename"], data


_PRACTITIONER_REQUIRED = {
    "practitioner.licence_number": ["required for prescription (Rx only) devices"],
    "practitioner.practice_name": ["required for prescription (Rx only) devices"],
}


def catalogue_errors(session: Session, raw: dict) -> dict[str, list[str]]:
    """Best-effort catalogue checks on a request that failed schema validation.

    Lets the form report unknown SKUs and missing practitioner details in the same round as
    field errors; ``create_request`` remains the authority on valid data.
    """
    lines = raw.get("lines") if isinstance(raw, dict) else None
    if not isinstance(lines, list):
        return {}
    skus = {ln["sku"].strip().upper() for ln in lines
            if isinstance(ln, dict) and isinstance(ln.get("sku"), str) and ln["sku"].strip()}
    products = _load_products(session, sorted(skus))
    errors: dict = {}
    prescription = False
    for i, ln in enumerate(lines):
        if not isinstance(ln, dict):
            continue
        sku = ln.get("sku")
        if isinstance(sku, str) and sku.strip():
            product = products.get(sku.strip().upper())
            if product is None:
                errors[field_path("lines", i, "sku")] = [f"unknown SKU {sku.strip().upper()}"]
            elif product.regulatory == Regulatory.RX_ONLY:
                prescription = True
        elif ln.get("kind") == Kind.LASER.value:
            prescription = True
    practitioner = raw.get("practitioner")
    given = isinstance(practitioner, dict) and any(
        isinstance(v, str) and v.strip() for v in practitioner.values())
    if prescription and not given:
        errors.update(_PRACTITIONER_REQUIRED)
    return errors


def create_request(
    session: Session,
    data: dict,
    *,
    source: str,
    staff_email: str,
    upload_dir: str,
    attachment: tuple[str, bytes] | None = None,
    max_attachment_bytes: int = attachments.DEFAULT_MAX_BYTES,
    client_ip: str | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Store a validated request (``QuoteRequestSchema`` output) and queue the emails; flushes."""
    now = now or utcnow()
    checked = None
    if attachment is not None:
        checked = attachments.check(attachment[0], attachment[1], max_attachment_bytes)
    stored: list[str] = []
    try:
        if checked is not None:
            # Written before the transaction takes any lock; deleted again if it does not commit.
            stored.append(attachments.store(upload_dir, checked.data))
        # The first statement writes. On SQLite that takes the write lock before any read, so a
        # concurrent commit can never leave this transaction holding a stale read snapshot it
        # cannot upgrade ("database is locked"). A validation error below rolls the number back.
        reference = next_reference(session, now)
        lines, warnings = _build_lines(session, data)
        practitioner = data.get("practitioner") or {}
        quote = Quote(
            reference=reference, status=QuoteStatus.NEW,
            company=data["company"], contact_name=data["contact_name"], email=data["email"],
            phone=data.get("phone"), country=data["country"], buyer_type=BuyerType(data["buyer_type"]),
            licence_number=practitioner.get("licence_number"),
            practice_name=practitioner.get("practice_name"),
            target_unit_price=data.get("target_unit_price"), currency=data.get("currency") or "USD",
            needed_by=data.get("needed_by"), notes=data.get("notes") or "", source=source,
            client_ip=client_ip, created_at=now, updated_at=now, lines=lines, attachments=[],
        )
        if checked is not None:
            quote.attachments.append(QuoteAttachment(
                storage_key=stored[0], filename=checked.filename,
                content_type=checked.content_type, size_bytes=len(checked.data),
                sha256=checked.sha256, created_at=now,
            ))
        quote.events.append(QuoteEvent(
            at=now, actor=f"buyer:{quote.email}", action="requested", to_status=QuoteStatus.NEW,
            detail={"source": source, "lines": len(lines), "warnings": len(warnings)},
        ))
        session.add(quote)
        session.flush()
        notify.request_received(session, quote, staff_email=staff_email)
    except BaseException:
        attachments.discard(upload_dir, stored)
        raise
    return IntakeResult(quote=quote, warnings=warnings, stored_keys=stored)


def _build_lines(session: Session, data: dict) -> tuple[list[QuoteLine], list[str]]:
    """Check each line against the published catalogue and price it; raises ValidationError."""
    lines_in = data["lines"]
    products = _load_products(session, sorted({ln["sku"] for ln in lines_in if ln.get("sku")}))
    errors: dict = {}
    warnings: list[str] = []
    lines: list[QuoteLine] = []
    for i, ln in enumerate(lines_in):
        custom = ln.get("customisations") or {}
        if ln.get("sku"):
            product = products.get(ln["sku"])
            if product is None:
                errors[field_path("lines", i, "sku")] = [f"unknown SKU {ln['sku']}"]
                continue
            price = indicative_price(product, ln["quantity"])
            warnings.extend(f"lines[{i}]: {w}" for w in price.warnings)
            warnings.extend(f"lines[{i}]: {w}" for w in customisation_warnings(product, custom))
            lines.append(QuoteLine(
                position=i, product=product, sku=product.sku, product_name=product.name,
                kind=product.kind, prescription=product.regulatory == Regulatory.RX_ONLY,
                description=ln.get("description") or "", quantity=ln["quantity"],
                customisations=custom, indicative_unit_price=price.unit_price,
                indicative_currency=price.currency, moq=price.moq, below_moq=price.below_moq,
            ))
        else:
            kind = Kind(ln["kind"])
            # Class 3B/4 therapy lasers are prescription devices whether or not we list the model.
            lines.append(QuoteLine(
                position=i, kind=kind, prescription=kind == Kind.LASER,
                description=ln["description"], quantity=ln["quantity"], customisations=custom,
            ))
    if any(line.prescription for line in lines) and not data.get("practitioner"):
        errors.update(_PRACTITIONER_REQUIRED)
    if errors:
        raise ValidationError("The quote request has errors.", errors=errors)
    return lines, warnings
