"""`storefront staff ...`: create accounts, reset passwords, deactivate."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from storefront.errors import DomainError
from storefront.extensions import db
from storefront.staff import services
from storefront.staff.policy import ROLE_ALIASES, resolve_role

staff_cli = AppGroup("staff", help="Manage staff accounts.")

ROLE_CHOICES = ["admin", "staff", "catalog_editor", "sales"]


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.ClickException("no password on standard input")
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _fail(err: DomainError) -> click.ClickException:
    details = "; ".join(f"{k}: {', '.join(v)}" for k, v in (err.errors or {}).items())
    return click.ClickException(f"{err.message}" + (f" ({details})" if details else ""))


@staff_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLE_CHOICES, case_sensitive=False), required=True,
              help="admin, catalog_editor or sales; 'staff' is an alias of "
                   f"{ROLE_ALIASES['staff']} (orders and quotes, no catalogue edits).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def create(email: str, role: str, password_stdin: bool) -> None:
    """Create a staff account (password prompted, or read with --password-stdin)."""
    password = _read_password(password_stdin)
    try:
        user = services.create_staff(db.session, email, resolve_role(role), password)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise _fail(err) from None
    click.echo(f"created staff account {user.email} (role {user.role})")


@staff_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
def set_password(email: str, password_stdin: bool) -> None:
    """Set a new password (ends the account's sessions)."""
    user = services.get_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"no staff account for {email}")
    password = _read_password(password_stdin)
    try:
        services.set_password(db.session, user, password)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise _fail(err) from None
    click.echo(f"password changed for {user.email}")


@staff_cli.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Deactivate an account and end its sessions."""
    user = services.get_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"no staff account for {email}")
    services.set_active(db.session, user, False)
    db.session.commit()
    click.echo(f"deactivated {user.email}")


@staff_cli.command("list")
def list_accounts() -> None:
    """List staff accounts."""
    from sqlalchemy import select

    from storefront.staff.models import StaffUser

    for user in db.session.scalars(select(StaffUser).order_by(StaffUser.email)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.email}\t{user.role}\t{state}")


def clear_login_throttle(email: str) -> int:
    """Forget the failed-login windows of ``email`` (every client address); count cleared."""
    from storefront.extensions import limiter
    from storefront.staff.services import normalise_email

    needle = f"staff-login-account:{normalise_email(email)}|"
    storage = limiter.storage
    backend = getattr(storage, "storage", None)
    cleared = 0
    if hasattr(backend, "scan_iter"):  # Redis
        for key in backend.scan_iter(match=f"*{needle}*"):
            cleared += backend.delete(key)
    elif isinstance(backend, dict):  # memory:// (this process only)
        for key in [k for k in backend if needle in str(k)]:
            storage.clear(key)
            cleared += 1
    return cleared


@staff_cli.command("unlock")
@click.argument("email")
def unlock(email: str) -> None:
    """Clear the login throttle of an account (all client addresses)."""
    from flask import current_app

    cleared = clear_login_throttle(email)
    if not current_app.config.get("REDIS_URL"):
        click.echo("note: without REDIS_URL each process throttles on its own; restart the "
                   "app to clear its in-memory windows")
    click.echo(f"unlocked {email} ({cleared} throttle windows cleared)")
