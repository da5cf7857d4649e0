"""Full-text search over products: SQLite FTS5 or PostgreSQL tsvector, kept current by triggers.

The index itself (``product_search``) is created by migration 0010 with raw DDL: an FTS5
virtual table on SQLite, a ``tsvector`` table with a GIN index on PostgreSQL. Triggers on
``products`` and ``wavelength_bands`` keep it current, so bulk Core inserts and updates (the
seeding service) are indexed as well as ORM changes. Nothing here is in the ORM metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

SEARCH_TABLE = "product_search"
MAX_TERMS = 8
MAX_TERM_LENGTH = 40
# Column weights for bm25 (name, blurb, body, specs); PostgreSQL uses setweight A-D.
BM25_WEIGHTS = (10.0, 4.0, 1.0, 2.0)

_TERM_RE = re.compile(r"[^\W_]+", re.UNICODE)


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic filter: the search index is raw DDL, so autogenerate must not touch it."""
    if type_ == "table" and name and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_")):
        return False
    return True


def parse_terms(q: str | None) -> list[str]:
    """Split a shopper's query into at most ``MAX_TERMS`` plain word terms (no operators)."""
    if not q:
        return []
    terms: list[str] = []
    for raw in _TERM_RE.findall(q.lower()):
        term = raw[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    return terms


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: its terms and whether every term must match."""

    terms: tuple[str, ...]
    match_all: bool = True

    def fts5(self) -> str:
        """The FTS5 MATCH expression: each term quoted and prefix-matched."""
        joiner = " AND " if self.match_all else " OR "
        return joiner.join(f'"{t}"*' for t in self.terms)

    def tsquery(self) -> str:
        """The ``to_tsquery`` text: each term prefix-matched (``:*``)."""
        joiner = " & " if self.match_all else " | "
        return joiner.join(f"{t}:*" for t in self.terms)


def ranked_matches(dialect_name: str, query: SearchQuery) -> sa.Subquery:
    """A subquery of ``(product_id, rank)`` for matching products; lower rank is better."""
    if dialect_name == "postgresql":
        tsq = sa.func.to_tsquery(sa.literal_column("'english'"), sa.bindparam("tsq", query.tsquery()))
        doc = sa.column("document")
        tbl = sa.table(SEARCH_TABLE, sa.column("product_id"), doc)
        return (
            sa.select(tbl.c.product_id.label("product_id"),
                      (-sa.func.ts_rank_cd(doc, tsq)).label("rank"))
            .where(doc.op("@@")(tsq))
            .subquery("matches")
        )
    tbl = sa.table(SEARCH_TABLE, sa.column("rowid"))
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    return (
        sa.select(tbl.c.rowid.label("product_id"),
                  sa.literal_column(f"bm25({SEARCH_TABLE}, {weights})").label("rank"))
        .where(sa.literal_column(SEARCH_TABLE).op("MATCH")(sa.bindparam("fts", query.fts5())))
        .subquery("matches")
    )


def rebuild_index(session: Session) -> None:
    """Re-derive every product's search document (after a restore that bypassed triggers)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT product_search_refresh(id) FROM products"))
        return
    session.execute(sa.text(f"DELETE FROM {SEARCH_TABLE}"))
    session.execute(sa.text(f"INSERT INTO {SEARCH_TABLE}(rowid, name, blurb, body, specs) "
                            f"SELECT {SQLITE_DOCUMENT_COLUMNS} FROM products p"))


# The document of product ``p``; migration 0010 carries a frozen copy of these expressions.
SQLITE_SPECS = (
    "p.kind || ' ' || CASE WHEN p.kind = 'laser' THEN 'laser' ELSE 'led' END"
    " || ' ' || coalesce('class ' || p.laser_class_us || ' class ' || p.laser_class_iec, '')"
    " || ' ' || coalesce(p.product_code, '') || ' ' || coalesce(p.k_number, '')"
    " || ' ' || coalesce(p.certifications, '')"
    " || ' ' || coalesce((SELECT group_concat(b.nm || ' ' || b.nm || 'nm '"
    " || CASE WHEN b.nm < 700 THEN 'red' ELSE 'near infrared nir' END, ' ')"
    " FROM wavelength_bands b WHERE b.product_id = p.id), '')"
)
SQLITE_DOCUMENT_COLUMNS = (
    "p.id, p.name || ' ' || p.sku, p.headline || ' ' || p.summary,"
    " p.body_md || ' ' || coalesce(p.indications, ''), " + SQLITE_SPECS
)
