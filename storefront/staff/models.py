"""Staff accounts and the append-only audit log."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.db import Base, JSONType, StrEnumType, UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"  # everything, including the audit log and prescription-device publishing
    CATALOG_EDITOR = "catalog_editor"  # product copy, publish / unpublish through the gate
    SALES = "sales"  # orders (refunds) and quotes


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so look-ups and the unique constraint ignore case.
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Part of the login token kept in the session cookie: bumping it (logout, password
    # change, deactivation) makes every cookie issued before unusable.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Flask-Login protocol (kept here so the model needs no Flask import).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Return the session token ``<id>:<session_version>``."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<StaffUser {self.email} {self.role}>"


class AuditLog(Base):
    """One staff change: who, when, what, and the object's state before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # Copied so the entry still reads correctly if the account's email changes.
    actor_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[Any | None] = mapped_column(JSONType)
    after: Mapped[Any | None] = mapped_column(JSONType)
    ip: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[StaffUser | None] = relationship()


class GateVerdict(Base):
    """The publication gate's verdict on a product as it was at ``checked_for`` (a cache).

    The gate takes milliseconds per product, too slow to run over a whole catalogue on each
    dashboard or list load; a verdict is reused while the product's ``updated_at`` still
    equals ``checked_for`` (every editing path touches ``updated_at``) and the compliance
    engine is the one that gave it (``engine``), in every process.
    """

    __tablename__ = "product_gate_verdicts"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            primary_key=True, autoincrement=False)
    checked_for: Mapped[datetime] = mapped_column(UTCDateTime())
    # compliance.version.fingerprint() of the engine that judged it: new rules, vocabulary,
    # model or checker code make every verdict stale
    engine: Mapped[str] = mapped_column(String(16), default="", server_default="")
    blocked: Mapped[bool] = mapped_column(Boolean, index=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
