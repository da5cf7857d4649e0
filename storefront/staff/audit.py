"""Write, query and export the audit log of staff changes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from storefront.staff.models import AuditLog, StaffUser

CSV_COLUMNS = ["id", "at", "actor", "action", "object_type", "object_id", "before", "after",
               "ip", "note"]
# Characters that make spreadsheet programs read a cell as a formula (ASCII and full-width).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%", "\uff1d", "\uff0b", "\uff0d",
                  "\uff20")


def record(session: Session, actor: StaffUser | None, action: str, object_type: str,
           object_id: Any, *, before: Any = None, after: Any = None, ip: str | None = None,
           note: str | None = None, actor_label: str = "system") -> AuditLog:
    """Append one entry in the caller's transaction."""
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else actor_label,
        action=action, object_type=object_type, object_id=str(object_id),
        before=before, after=after, ip=ip, note=note,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """Filters the audit page and export share; empty fields match everything."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, stmt: Select) -> Select:
        if self.actor:
            stmt = stmt.where(AuditLog.actor_email == self.actor.strip().lower())
        if self.action:
            stmt = stmt.where(AuditLog.action == self.action)
        if self.object_type:
            stmt = stmt.where(AuditLog.object_type == self.object_type)
        if self.object_id:
            stmt = stmt.where(AuditLog.object_id == self.object_id)
        if self.since:
            stmt = stmt.where(AuditLog.at >= self.since)
        if self.until:
            stmt = stmt.where(AuditLog.at < self.until)
        return stmt


def page(session: Session, flt: AuditFilter, *, before_id: int | None = None,
         limit: int = 50) -> tuple[list[AuditLog], int | None]:
    """Newest entries first, keyset-paginated; returns (entries, next before_id or None)."""
    stmt = flt.apply(select(AuditLog)).order_by(AuditLog.id.desc()).limit(limit + 1)
    if before_id is not None:
        stmt = stmt.where(AuditLog.id < before_id)
    rows = list(session.scalars(stmt))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def iter_entries(session: Session, flt: AuditFilter) -> Iterator[AuditLog]:
    """Every matching entry, oldest first, streamed in batches."""
    stmt = flt.apply(select(AuditLog)).order_by(AuditLog.id).execution_options(yield_per=500)
    yield from session.scalars(stmt)


def for_object(session: Session, object_type: str, object_id: Any, limit: int = 20) -> list[AuditLog]:
    """The latest entries about one object."""
    stmt = (select(AuditLog).where(AuditLog.object_type == object_type,
                                   AuditLog.object_id == str(object_id))
            .order_by(AuditLog.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def spreadsheet_safe(value: str) -> str:
    """Neutralise a cell a spreadsheet would evaluate as a formula (prefix a quote)."""
    if value and value.lstrip(" ").startswith(_FORMULA_START):
        return "'" + value
    return value


def _json(value: Any) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def csv_row(entry: AuditLog) -> list[str]:
    """One entry as spreadsheet-safe CSV cells."""
    cells = [str(entry.id), entry.at.isoformat(), entry.actor_email, entry.action,
             entry.object_type, entry.object_id, _json(entry.before), _json(entry.after),
             entry.ip or "", entry.note or ""]
    return [spreadsheet_safe(c) for c in cells]


def csv_lines(entries: Iterable[AuditLog]) -> Iterator[str]:
    """The CSV export, line by line (header first), for streaming."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")

    def flush() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for entry in entries:
        writer.writerow(csv_row(entry))
        yield flush()
