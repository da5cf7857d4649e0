"""Staff test helpers: accounts with a pre-computed hash, and logging a client in."""

from __future__ import annotations

import itertools
from functools import lru_cache

import pytest
from flask import g
from flask.testing import FlaskClient

from storefront.staff.models import Role, StaffUser

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    # Hash once: argon2 is slow on purpose, and most tests only need a valid account.
    from storefront.staff.passwords import hash_password

    return hash_password(PASSWORD)


def add_staff(session, role: Role | str = Role.ADMIN, email: str | None = None,
              active: bool = True) -> StaffUser:
    """Insert an account whose password is ``PASSWORD``."""
    user = StaffUser(email=email or f"staff{next(_seq)}@example.com", role=Role(role),
                     active=active, session_version=1, password_hash=password_hash())
    session.add(user)
    # Commit (a savepoint release under the test transaction) so a rollback in a view,
    # e.g. the error handler's, does not take the account away mid-test.
    session.commit()
    return user


def login(client, user: StaffUser, password: str = PASSWORD, **kwargs):
    """Log ``client`` in through the real form; returns the response."""
    return client.post("/staff/login", data={"email": user.email, "password": password}, **kwargs)


class FreshRequestClient(FlaskClient):
    """A test client whose requests do not see ``g`` values cached by earlier requests.

    The shared ``db_session`` fixture keeps one app context open for the whole test, so
    ``g`` (where Flask-WTF caches the CSRF token and Flask-Login the user) would otherwise
    outlive each request, unlike in a real server.
    """

    def open(self, *args, **kwargs):
        for key in ("csrf_token", "_login_user"):
            g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture()
def client(app, db_session):
    return FreshRequestClient(app, app.response_class, use_cookies=True)


@pytest.fixture()
def staff_factory(db_session):
    return lambda role=Role.ADMIN, **kw: add_staff(db_session, role, **kw)


@pytest.fixture()
def admin(db_session):
    return add_staff(db_session, Role.ADMIN)


@pytest.fixture()
def admin_client(client, admin):
    assert login(client, admin).status_code == 303
    return client


from tests.checkout.fixtures import gateway, localstripe, shop, webhook_secret  # noqa: E402, F401
