"""Login, session fixation, logout invalidation, timeouts and session protection."""

from __future__ import annotations

from sqlalchemy import select

from storefront.staff.models import AuditLog, Role
from storefront.staff.views import auth
from tests.staff.conftest import PASSWORD, add_staff, login


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_login_page_renders_with_csrf_field(client):
    resp = client.get("/staff/login")
    assert resp.status_code == 200
    assert b'name="csrf_token"' in resp.data
    assert b'type="password"' in resp.data


def test_login_then_staff_home(client, admin):
    resp = login(client, admin)
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/staff/")
    home = client.get("/staff/")
    assert home.status_code == 200
    assert admin.email.encode() in home.data


def test_wrong_password_and_unknown_email_get_the_same_answer(client, admin, db_session):
    bad = login(client, admin, password="wrong password here")
    unknown = client.post("/staff/login", data={"email": "nobody@example.com", "password": PASSWORD})
    assert bad.status_code == unknown.status_code == 200
    assert b"Wrong email or password." in bad.data and b"Wrong email or password." in unknown.data
    assert client.get("/staff/").status_code == 302
    failed = db_session.scalars(select(AuditLog).where(AuditLog.action == "staff.login_failed")).all()
    assert [(e.object_id, e.actor_email, e.actor_id) for e in failed] == [(str(admin.id), "anonymous", None)]


def test_email_is_case_insensitive(client, db_session):
    user = add_staff(db_session, Role.SALES, email="mixed@example.com")
    resp = client.post("/staff/login", data={"email": "  MIXED@Example.COM ", "password": PASSWORD})
    assert resp.status_code == 303
    assert client.get("/staff/").status_code == 200
    assert user.last_login_at is not None


def test_inactive_account_cannot_log_in(client, db_session):
    user = add_staff(db_session, Role.ADMIN, active=False)
    assert login(client, user).status_code == 200
    assert client.get("/staff/").status_code == 302


def test_session_fixation_login_starts_a_new_session(client, admin):
    client.get("/staff/login")
    with client.session_transaction() as sess:
        sess["planted"] = "attacker-chosen"
    before = _session_cookie(client)
    assert login(client, admin).status_code == 303
    after = _session_cookie(client)
    assert before and after and before != after
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"] == admin.get_id()


def test_logout_invalidates_the_old_cookie(client, admin, db_session):
    login(client, admin)
    stolen = _session_cookie(client)
    assert client.get("/staff/").status_code == 200
    resp = client.post("/staff/logout")
    assert resp.status_code == 303
    assert client.get("/staff/").status_code == 302
    # Replaying the cookie captured while logged in no longer works.
    client.set_cookie("session", stolen)
    resp = client.get("/staff/")
    assert resp.status_code == 302
    assert "/staff/login" in resp.headers["Location"]
    assert admin.session_version == 2
    actions = db_session.scalars(select(AuditLog.action).where(AuditLog.actor_id == admin.id)).all()
    assert actions == ["staff.login", "staff.logout"]


def test_logout_is_post_only(admin_client):
    assert admin_client.get("/staff/logout").status_code == 405
    assert admin_client.get("/staff/").status_code == 200


def test_idle_timeout(admin_client, app, monkeypatch):
    start = auth.now()
    monkeypatch.setattr(auth, "now", lambda: start + app.config["STAFF_IDLE_TIMEOUT"] - 5)
    assert admin_client.get("/staff/").status_code == 200  # activity moves the idle clock
    monkeypatch.setattr(auth, "now", lambda: start + 2 * app.config["STAFF_IDLE_TIMEOUT"] - 10)
    assert admin_client.get("/staff/").status_code == 200
    monkeypatch.setattr(auth, "now", lambda: start + 3 * app.config["STAFF_IDLE_TIMEOUT"])
    resp = admin_client.get("/staff/")
    assert resp.status_code == 302
    with admin_client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_absolute_timeout_even_when_active(admin_client, app, monkeypatch):
    start = auth.now()
    idle, absolute = app.config["STAFF_IDLE_TIMEOUT"], app.config["STAFF_ABSOLUTE_TIMEOUT"]
    t = start
    while t + idle / 2 < start + absolute:
        t += idle / 2
        monkeypatch.setattr(auth, "now", lambda t=t: t)
        assert admin_client.get("/staff/").status_code == 200
    monkeypatch.setattr(auth, "now", lambda: start + absolute + 1)
    assert admin_client.get("/staff/").status_code == 302


def test_strong_session_protection_drops_a_cookie_used_from_elsewhere(admin_client):
    assert admin_client.get("/staff/").status_code == 200
    moved = admin_client.get("/staff/", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert moved.status_code == 302
    assert admin_client.get("/staff/", headers={"User-Agent": "other"}).status_code == 302


def test_deactivation_ends_existing_sessions(admin_client, admin, db_session):
    from storefront.staff.services import set_active

    set_active(db_session, admin, False)
    assert admin_client.get("/staff/").status_code == 302


def test_next_parameter_only_allows_local_staff_paths(client, admin):
    ok = client.post("/staff/login?next=/staff/audit", data={"email": admin.email, "password": PASSWORD})
    assert ok.headers["Location"].endswith("/staff/audit")
    client.post("/staff/logout")
    for evil in ("https://evil.example/staff/", "//evil.example/staff/", "/\\evil.example", "/products"):
        resp = client.post("/staff/login", data={"email": admin.email, "password": PASSWORD, "next": evil})
        assert resp.status_code == 303
        assert resp.headers["Location"] in ("/staff/", "http://localhost/staff/"), evil
        client.post("/staff/logout")


def test_anonymous_json_request_gets_401(client):
    resp = client.get("/staff/", headers={"Accept": "application/json"})
    assert resp.status_code == 401
    assert resp.get_json()["code"] == "unauthorized"


def test_refused_post_does_not_become_the_post_login_destination(client):
    resp = client.post("/staff/products/1/publish")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/staff/login")
    page = client.get("/staff/audit")
    assert page.headers["Location"].endswith("/staff/login?next=/staff/audit")
