"""Staff accounts: argon2 hashes, validation, authentication and the CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storefront.errors import Conflict, ValidationError
from storefront.staff import passwords, services
from storefront.staff.models import AuditLog, Role, StaffUser
from storefront.staff.policy import resolve_role
from tests.staff.conftest import PASSWORD


def test_create_hashes_with_argon2id(db_session):
    user = services.create_staff(db_session, " New@Example.com ", Role.SALES, PASSWORD)
    assert user.email == "new@example.com"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    entry = db_session.scalar(select(AuditLog).where(AuditLog.object_id == str(user.id)))
    assert entry.action == "staff.create" and entry.actor_email == "cli"
    assert "password" not in str(entry.after)


def test_create_validates_and_refuses_duplicates(db_session):
    with pytest.raises(ValidationError) as err:
        services.create_staff(db_session, "not-an-email", Role.ADMIN, "short")
    assert set(err.value.errors) == {"email", "password"}
    services.create_staff(db_session, "dup@example.com", Role.ADMIN, PASSWORD)
    with pytest.raises(Conflict):
        services.create_staff(db_session, "DUP@example.com", Role.SALES, PASSWORD)


def test_authenticate(db_session):
    user = services.create_staff(db_session, "auth@example.com", Role.ADMIN, PASSWORD)
    assert services.authenticate(db_session, "AUTH@example.com", PASSWORD) is user
    assert services.authenticate(db_session, "auth@example.com", PASSWORD + "x") is None
    assert services.authenticate(db_session, "nobody@example.com", PASSWORD) is None
    assert services.authenticate(db_session, "auth@example.com", "x" * 5000) is None
    user.active = False
    assert services.authenticate(db_session, "auth@example.com", PASSWORD) is None


def test_weak_hash_is_upgraded_at_login(db_session):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    user = StaffUser(email="old@example.com", role=Role.SALES, password_hash=weak)
    db_session.add(user)
    db_session.flush()
    assert services.authenticate(db_session, "old@example.com", PASSWORD) is user
    assert user.password_hash != weak
    assert not passwords.needs_rehash(user.password_hash)


def test_session_token_checks(db_session):
    user = services.create_staff(db_session, "tok@example.com", Role.ADMIN, PASSWORD)
    token = user.get_id()
    assert services.load_session_user(db_session, token) is user
    for bad in ("", "abc", f"{user.id}", f"{user.id}:x", f"{user.id}:99", "999999:1"):
        assert services.load_session_user(db_session, bad) is None, bad
    services.end_sessions(db_session, user)
    assert services.load_session_user(db_session, token) is None
    assert services.load_session_user(db_session, user.get_id()) is user


def test_role_aliases():
    assert resolve_role("staff") is Role.SALES
    assert resolve_role("ADMIN") is Role.ADMIN
    assert resolve_role("catalog_editor") is Role.CATALOG_EDITOR
    with pytest.raises(ValueError):
        resolve_role("root")


def test_cli_create_with_password_stdin(cli_runner, db_session):
    result = cli_runner.invoke(args=["staff", "create", "cli@example.com", "--role", "admin",
                                     "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "cli@example.com" in result.output
    user = services.get_by_email(db_session, "cli@example.com")
    assert user.role == Role.ADMIN
    assert services.authenticate(db_session, "cli@example.com", PASSWORD) is user


def test_cli_create_prompts_twice(cli_runner, db_session):
    result = cli_runner.invoke(args=["staff", "create", "prompt@example.com", "--role", "staff"],
                               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert services.get_by_email(db_session, "prompt@example.com").role == Role.SALES


def test_cli_errors(cli_runner, db_session):
    bad_role = cli_runner.invoke(args=["staff", "create", "x@example.com", "--role", "root",
                                       "--password-stdin"], input=PASSWORD + "\n")
    assert bad_role.exit_code == 2
    weak = cli_runner.invoke(args=["staff", "create", "x@example.com", "--role", "sales",
                                   "--password-stdin"], input="short\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    ok = cli_runner.invoke(args=["staff", "create", "x@example.com", "--role", "sales",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert ok.exit_code == 0
    dup = cli_runner.invoke(args=["staff", "create", "X@example.com", "--role", "sales",
                                  "--password-stdin"], input=PASSWORD + "\n")
    assert dup.exit_code == 1 and "already exists" in dup.output


def test_cli_set_password_and_deactivate(cli_runner, db_session):
    user = services.create_staff(db_session, "ops@example.com", Role.SALES, PASSWORD)
    new = "another long passphrase"
    result = cli_runner.invoke(args=["staff", "set-password", "ops@example.com", "--password-stdin"],
                               input=new + "\n")
    assert result.exit_code == 0, result.output
    assert services.authenticate(db_session, "ops@example.com", new) is user
    assert user.session_version == 2
    result = cli_runner.invoke(args=["staff", "deactivate", "ops@example.com"])
    assert result.exit_code == 0
    assert services.authenticate(db_session, "ops@example.com", new) is None
    listing = cli_runner.invoke(args=["staff", "list"])
    assert "ops@example.com\tsales\tinactive" in listing.output


def test_unknown_accounts_cost_a_full_verification(monkeypatch):
    # The stand-in hash uses today's parameters, so a miss costs what a wrong password costs.
    assert not passwords.needs_rehash(passwords.DUMMY_HASH)
    seen = []
    real = passwords._hasher

    class Spy:
        def verify(self, h, p):
            seen.append(h)
            return real.verify(h, p)

    monkeypatch.setattr(passwords, "_hasher", Spy())
    assert passwords.verify_password(None, PASSWORD) is False
    assert seen == [passwords.DUMMY_HASH]
