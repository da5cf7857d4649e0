"""Staff account services: create, authenticate, end sessions. Plain functions over a session."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.db import utcnow
from storefront.errors import Conflict, ValidationError
from storefront.staff import passwords
from storefront.staff.audit import record
from storefront.staff.models import Role, StaffUser

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$|^[^@\s]+@localhost$")


def normalise_email(email: str) -> str:
    """Lower-case and trim an email address."""
    return (email or "").strip().lower()


def get_by_email(session: Session, email: str) -> StaffUser | None:
    """The account with this email (case-insensitive), or None."""
    return session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))


def create_staff(session: Session, email: str, role: Role, password: str, *,
                 actor: StaffUser | None = None, actor_label: str = "cli") -> StaffUser:
    """Create an account; ValidationError on a bad email / weak password, Conflict if taken."""
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if not _EMAIL.match(email) or len(email) > 320:
        errors["email"] = ["not a valid email address"]
    problem = passwords.policy_problem(password, email)
    if problem:
        errors["password"] = [problem]
    if errors:
        raise ValidationError("invalid staff account", errors=errors)
    if get_by_email(session, email) is not None:
        raise Conflict(f"a staff account for {email} already exists", code="staff_exists")
    user = StaffUser(email=email, role=Role(role), active=True, session_version=1,
                     password_hash=passwords.hash_password(password))
    session.add(user)
    session.flush()
    record(session, actor, "staff.create", "staff_user", user.id,
           after={"email": email, "role": str(user.role), "active": True},
           actor_label=actor_label)
    return user


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """Return the active account matching the credentials, or None (same cost either way)."""
    user = get_by_email(session, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def record_failed_login(session: Session, email: str, ip: str | None = None) -> None:
    """Note a failed login against an existing account (unknown emails are not stored)."""
    user = get_by_email(session, email)
    if user is not None:
        record(session, None, "staff.login_failed", "staff_user", user.id, ip=ip,
               actor_label="anonymous")
        session.flush()


def load_session_user(session: Session, token: str) -> StaffUser | None:
    """Resolve a session token ``<id>:<version>``; None when stale, malformed or inactive."""
    user_id, _, version = (token or "").partition(":")
    if not ((user_id.isascii() and user_id.isdigit()) and (version.isascii() and version.isdigit())):
        return None
    user = session.get(StaffUser, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def mark_login(session: Session, user: StaffUser, ip: str | None = None) -> None:
    """Record a successful login."""
    user.last_login_at = utcnow()
    record(session, user, "staff.login", "staff_user", user.id, ip=ip)
    session.flush()


def end_sessions(session: Session, user: StaffUser, *, reason: str = "staff.logout",
                 ip: str | None = None) -> None:
    """Invalidate every session cookie issued to ``user`` so far."""
    # An UPDATE with an expression, so two concurrent logouts both move the version on.
    user.session_version = StaffUser.session_version + 1
    record(session, user, reason, "staff_user", user.id, ip=ip)
    session.flush()
    session.refresh(user, ["session_version"])


def set_password(session: Session, user: StaffUser, password: str, *,
                 actor: StaffUser | None = None, actor_label: str = "cli") -> None:
    """Change a password and end the account's sessions."""
    problem = passwords.policy_problem(password, user.email)
    if problem:
        raise ValidationError("invalid password", errors={"password": [problem]})
    user.password_hash = passwords.hash_password(password)
    user.session_version = StaffUser.session_version + 1
    record(session, actor, "staff.set_password", "staff_user", user.id, actor_label=actor_label)
    session.flush()


def set_active(session: Session, user: StaffUser, active: bool, *,
               actor: StaffUser | None = None, actor_label: str = "cli") -> None:
    """Activate or deactivate an account (deactivation ends its sessions)."""
    before = {"active": user.active}
    user.active = active
    if not active:
        user.session_version = StaffUser.session_version + 1
    record(session, actor, "staff.activate" if active else "staff.deactivate", "staff_user",
           user.id, before=before, after={"active": active}, actor_label=actor_label)
    session.flush()


def count_admins(session: Session) -> int:
    """Number of active admin accounts."""
    return session.scalar(select(func.count()).select_from(StaffUser)
                          .where(StaffUser.role == Role.ADMIN, StaffUser.active.is_(True))) or 0
