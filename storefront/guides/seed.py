"""Guides as Markdown files with TOML front matter: load (all or nothing) and export.

A file is ``+++`` on the first line, TOML front matter, ``+++``, then the Markdown body::

    +++
    slug = "choosing-a-panel"
    title = "Choosing a panel: irradiance, distance and dose"
    ...
    +++
    Body with reference markers [1] and product cards {{ product: lumen-300-five-band-panel }}.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.errors import flatten_errors
from storefront.guides import services
from storefront.guides.models import Guide
from storefront.guides.schemas import GuideRecordSchema

DELIM = "+++"
_schema = GuideRecordSchema()


class ArticleSeedError(Exception):
    """Refused; ``errors`` lists every problem as ``file: path: message``."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s) in the articles")
        self.errors = errors


@dataclass
class ArticleSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_file(text: str) -> dict[str, Any]:
    """Split front matter and body; ValueError with a readable message when malformed."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != DELIM:
        raise ValueError(f"must start with a '{DELIM}' line (TOML front matter)")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == DELIM)
    except StopIteration:
        raise ValueError(f"front matter is not closed by a '{DELIM}' line") from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"front matter: {exc}") from None
    if "body" in meta:
        raise ValueError("front matter: 'body' is the Markdown after the front matter")
    body = "\n".join(lines[end + 1:]).strip("\n") + "\n"
    return {**meta, "body": body}


def _jsonable(data: Any) -> Any:
    # TOML dates arrive as date objects; the schema loads ISO strings.
    return json.loads(json.dumps(data, default=lambda o: o.isoformat()
                                 if isinstance(o, date) else str(o)))


def read_dir(path: Path) -> list[tuple[str, str]]:
    """(display name, text) of every ``*.md`` file in a directory (or one file), sorted."""
    files = sorted(path.glob("*.md")) if path.is_dir() else [path]
    return [(str(f), f.read_text(encoding="utf-8")) for f in files]


def validate_files(session: Session, files: list[tuple[str, str]]
                   ) -> tuple[list[tuple[str, dict]], list[str], list[str]]:
    """Load and gate every file; returns (records, errors, warnings), errors by file and path."""
    records: list[tuple[str, dict]] = []
    errors: list[str] = []
    warnings: list[str] = []
    slugs: dict[str, str] = {}
    for name, text in files:
        try:
            raw = _jsonable(parse_file(text))
            rec = _schema.load(raw)
        except ValueError as exc:
            errors.append(f"{name}: {exc}")
            continue
        except SchemaError as exc:
            errors += [f"{name}: {p}: {m}" for p, ms in flatten_errors(exc.messages).items()
                       for m in ms]
            continue
        if rec["slug"] in slugs:
            errors.append(f"{name}: slug: {rec['slug']!r} is also used by {slugs[rec['slug']]}")
            continue
        slugs[rec["slug"]] = name
        report = services.review(session, rec)
        for p, ms in report.errors.items():
            errors += [f"{name}: {p}: {m}" for m in ms]
        for f in report.findings:
            line = (f"{name}: {f.path}: [{f.finding.rule}] {f.finding.message} "
                    f"(chars {f.finding.start}-{f.finding.end})")
            if f.severity == "block" and rec["status"] == "published":
                errors.append(line)
            else:
                warnings.append(line)
        records.append((name, rec))
    return records, errors, warnings


def apply(session: Session, records: list[tuple[str, dict]]) -> ArticleSummary:
    """Upsert validated records by slug (the caller commits or rolls back)."""
    summary = ArticleSummary()
    for name, rec in records:
        guide = session.scalar(select(Guide).where(Guide.slug == rec["slug"]))
        if guide is not None and services.guide_to_record(guide) == _jsonable(rec):
            summary.unchanged.append(rec["slug"])
            continue
        created = guide is None
        try:
            services.save(session, rec, guide, publish=rec["status"] == "published")
        except services.GuideRefused as exc:
            raise ArticleSeedError([f"{name}: {p}: {m}" for p, ms in exc.errors.items()
                                    for m in ms]) from None
        (summary.created if created else summary.updated).append(rec["slug"])
    return summary


# --- export ---------------------------------------------------------------------------

def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a TOML basic string


def to_file(rec: dict[str, Any]) -> str:
    """A record as a front-matter Markdown file that ``parse_file`` reads back."""
    out = [DELIM]
    for key in ("slug", "title", "summary", "author", "status", "tags", "products"):
        out.append(f"{key} = {_toml_value(rec[key])}")
    rev = rec["reviewer"]
    out += ["", "[reviewer]", f"name = {_toml_value(rev['name'])}",
            f"credentials = {_toml_value(rev['credentials'])}",
            f"reviewed_on = {rev['reviewed_on']}"]
    for ref in rec["references"]:
        out += ["", "[[references]]"] + [f"{k} = {_toml_value(v)}" for k, v in ref.items()]
    out.append(DELIM)
    return "\n".join(out) + "\n" + rec["body"].rstrip("\n") + "\n"


def export(session: Session, directory: Path) -> int:
    """Write every guide to ``directory/<slug>.md``; returns how many."""
    directory.mkdir(parents=True, exist_ok=True)
    guides = services.list_all(session)
    for g in guides:
        (directory / f"{g.slug}.md").write_text(to_file(services.guide_to_record(g)),
                                                encoding="utf-8")
    return len(guides)
