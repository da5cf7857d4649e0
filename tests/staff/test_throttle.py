"""Login throttling with Flask-Limiter: per client address and per account."""

from __future__ import annotations

import pytest

from storefront.extensions import db, limiter
from storefront.staff.models import Role
from tests.conftest import drop_database, fresh_database_url, make_app
from tests.staff.conftest import PASSWORD, add_staff


@pytest.fixture()
def limited_app(tmp_path):
    url = fresh_database_url(tmp_path, "throttle")
    app = make_app(url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                   STAFF_LOGIN_RATE_IP="4 per minute", STAFF_LOGIN_RATE_ACCOUNT="2 per minute")
    with app.app_context():
        user = add_staff(db.session, Role.ADMIN, email="throttle@example.com")
        db.session.commit()
        user_email = user.email
    try:
        yield app, user_email
    finally:
        # The limiter is one shared object; the rest of the suite runs with it off.
        limiter.enabled = False
        with app.app_context():
            db.engine.dispose()
        drop_database(url)


def _post(client, email, password, ip):
    return client.post("/staff/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_per_address_limit(limited_app):
    app, _ = limited_app
    client = app.test_client()
    codes = [_post(client, f"u{i}@example.com", "wrong password!", "198.51.100.1").status_code
             for i in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    # Another address is unaffected.
    assert _post(client, "u9@example.com", "wrong password!", "198.51.100.2").status_code == 200


def test_account_limit_is_per_address_so_the_owner_is_not_locked_out(limited_app):
    # Issue 13: a per-account limit shared by every address let anyone lock any account
    # (admin included); failures now count per address and account.
    app, email = limited_app
    client = app.test_client()
    assert _post(client, email, "wrong password!", "198.51.100.10").status_code == 200
    assert _post(client, email.upper(), "wrong password!", "198.51.100.10").status_code == 200
    slowed = _post(client, email, "wrong password!", "198.51.100.10")
    assert slowed.status_code == 429
    assert "Retry-After" in slowed.headers
    assert "Content-Security-Policy" in slowed.headers
    # The owner, from another address, still logs in.
    assert _post(client, email, PASSWORD, "198.51.100.12").status_code == 303
    # Other accounts from the attacker's address still work.
    assert _post(client, "other@example.com", "wrong password!", "198.51.100.10").status_code == 200


def test_successful_logins_do_not_lock_the_account(limited_app):
    app, email = limited_app
    for i in range(3):
        client = app.test_client()
        assert _post(client, email, PASSWORD, f"198.51.100.{20 + i}").status_code == 303
