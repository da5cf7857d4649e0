"""Staff guide work: form to record, live check, save, publish and unpublish, audited.

Every change lands in the audit log (object type ``guide``) with the record before and after.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError as SchemaError
from sqlalchemy.orm import Session

from storefront.errors import ValidationError
from storefront.guides import services
from storefront.guides.models import Guide
from storefront.guides.schemas import GuideRecordSchema
from storefront.staff.audit import record as audit
from storefront.staff.models import StaffUser

FORM_FIELDS = ("slug", "title", "summary", "body", "author", "reviewer_name",
               "reviewer_credentials", "reviewed_on", "references", "tags", "products")
CHECKED_FIELDS = ("title", "summary", "body")
_schema = GuideRecordSchema()
_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)


def parse_references(text: str) -> list[dict[str, Any]]:
    """One reference a line: ``year | title | DOI or URL`` (optionally ``| authors | journal``)."""
    out = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        ref: dict[str, Any] = {"year": parts[0], "title": parts[1] if len(parts) > 1 else ""}
        link = parts[2] if len(parts) > 2 else ""
        m = _DOI.match(link)
        if m:
            ref["doi"] = m.group(1)
        elif link:
            ref["url"] = link
        if len(parts) > 3 and parts[3]:
            ref["authors"] = parts[3]
        if len(parts) > 4 and parts[4]:
            ref["journal"] = parts[4]
        out.append(ref)
    return out


def format_references(refs: list[dict[str, Any]]) -> str:
    """The references as the form's lines (inverse of ``parse_references``)."""
    lines = []
    for r in refs or []:
        parts = [str(r.get("year", "")), r.get("title", ""), r.get("doi") or r.get("url") or "",
                 r.get("authors", ""), r.get("journal", "")]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def _split(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,\s]+", text or "") if t.strip()]


def form_of(g: Guide | None) -> dict[str, str]:
    """A guide as the editor's form values."""
    if g is None:
        return {f: "" for f in FORM_FIELDS}
    rec = services.guide_to_record(g)
    return {"slug": g.slug, "title": g.title, "summary": g.summary, "body": g.body_md,
            "author": g.author, "reviewer_name": g.reviewer_name,
            "reviewer_credentials": g.reviewer_credentials,
            "reviewed_on": g.reviewed_on.isoformat(),
            "references": format_references(g.references), "tags": ", ".join(g.tags or []),
            "products": ", ".join(rec["products"])}


def record_from_form(form: dict[str, Any], status: str = "draft") -> dict[str, Any]:
    """Load the editor's form into a guide record; ValidationError by field path."""
    data = {k: (form.get(k) if isinstance(form.get(k), str) else "") for k in FORM_FIELDS}
    raw = {"slug": data["slug"].strip(), "title": data["title"].strip(),
           "summary": data["summary"].strip(), "body": data["body"],
           "author": data["author"].strip(),
           "reviewer": {"name": data["reviewer_name"].strip(),
                        "credentials": data["reviewer_credentials"].strip(),
                        "reviewed_on": data["reviewed_on"].strip()},
           "references": parse_references(data["references"]),
           "tags": _split(data["tags"]), "products": _split(data["products"]), "status": status}
    try:
        return _schema.load(raw)
    except SchemaError as exc:
        raise ValidationError("Please correct the marked fields.", errors=exc.messages) from None


def check_draft(session: Session, form: dict[str, Any]):
    """Gate a draft that may be incomplete (live check): only what the gate needs is required."""
    refs = parse_references(form.get("references") or "")
    rec = {"title": str(form.get("title") or ""), "summary": str(form.get("summary") or ""),
           "body": str(form.get("body") or "").replace("\r\n", "\n"),
           "references": refs, "products": _split(str(form.get("products") or ""))}
    return rec, services.review(session, rec)


def _snapshot(g: Guide) -> dict[str, Any]:
    return services.guide_to_record(g)


def save(session: Session, actor: StaffUser, guide: Guide | None, form: dict[str, Any], *,
         ip: str | None = None) -> Guide:
    """Create or update a guide from the form (a live guide must still pass the gate)."""
    status = str(guide.status) if guide is not None else "draft"
    rec = record_from_form(form, status)
    before = _snapshot(guide) if guide is not None else None
    guide, _ = services.save(session, rec, guide)
    audit(session, actor, "guide.create" if before is None else "guide.edit", "guide", guide.id,
          before=before, after=_snapshot(guide), ip=ip)
    return guide


def publish(session: Session, actor: StaffUser, guide: Guide, *, ip: str | None = None) -> None:
    """Publish through the gate, audited."""
    before = str(guide.status)
    services.publish(session, guide)
    audit(session, actor, "guide.publish", "guide", guide.id, before={"status": before},
          after={"status": str(guide.status)}, ip=ip)


def unpublish(session: Session, actor: StaffUser, guide: Guide, *, ip: str | None = None) -> None:
    """Take a guide off the shop, audited."""
    before = str(guide.status)
    services.unpublish(session, guide)
    audit(session, actor, "guide.unpublish", "guide", guide.id, before={"status": before},
          after={"status": str(guide.status)}, ip=ip)
