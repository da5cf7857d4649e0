"""Every /staff/ route refuses anonymous users and roles without its permission."""

from __future__ import annotations

import pytest

from storefront.staff.models import Role
from storefront.staff.policy import PERMISSIONS, can
from storefront.staff.views import PUBLIC_ENDPOINTS
from tests.staff.conftest import add_staff, login

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def staff_routes(app):
    """(rule, url, method) for every route under /staff/ except the login page."""
    from tests.security.test_csrf import concrete_url

    out = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = concrete_url(rule)
        for method in sorted(set(rule.methods) & set(METHODS)):
            out.append((rule, url, method))
    return out


def test_there_are_staff_routes_to_check(app):
    endpoints = {r.endpoint for r, _, _ in staff_routes(app)}
    assert {"staff.home", "staff.logout", "staff.audit", "staff.audit_csv"} <= endpoints


def test_every_staff_view_declares_a_permission(app):
    for rule, _, _ in staff_routes(app):
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "staff_permission", None) in PERMISSIONS, rule.rule


def test_anonymous_users_are_refused_everywhere(app, client):
    routes = staff_routes(app)
    for _rule, url, method in routes:
        resp = client.open(url, method=method)
        assert resp.status_code in (302, 303, 401), (method, url, resp.status_code)
        if resp.status_code in (302, 303):
            assert "/staff/login" in resp.headers["Location"], (method, url)
        json_resp = client.open(url, method=method, headers={"Accept": "application/json"})
        assert json_resp.status_code == 401, (method, url, json_resp.status_code)


@pytest.mark.parametrize("role", list(Role))
def test_roles_without_the_permission_get_403(app, client, db_session, role):
    user = add_staff(db_session, role)
    assert login(client, user).status_code == 303
    checked = 0
    for rule, url, method in staff_routes(app):
        permission = app.view_functions[rule.endpoint].staff_permission
        if can(user, permission):
            continue
        resp = client.open(url, method=method)
        assert resp.status_code == 403, (role, method, url, resp.status_code)
        checked += 1
    # Only admin holds every permission; the others must have met some refusals.
    assert checked > 0 or role == Role.ADMIN
    assert client.get("/staff/").status_code == 200  # the refusals did not log us out


def test_permission_table_matches_the_roles():
    assert PERMISSIONS["audit.view"] == {Role.ADMIN}
    assert Role.SALES not in PERMISSIONS["products.edit"]
    assert Role.CATALOG_EDITOR not in PERMISSIONS["orders.refund"]
    assert all(Role.ADMIN in roles for roles in PERMISSIONS.values())
