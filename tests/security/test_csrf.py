"""CSRF matrix: every state-changing form route refuses a request without a token."""

from __future__ import annotations

import json
import re

import pytest

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def concrete_url(rule) -> str:
    """The rule's path with every variable replaced by a plausible value."""
    def value(match):
        converter = match.group(1) or ""
        return "1" if converter.startswith(("int", "float")) else "x1"

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", value, rule.rule)


def unsafe_routes(app):
    """(path pattern, url, method) for every rule accepting an unsafe method."""
    return [(rule.rule, concrete_url(rule), method)
            for rule in app.url_map.iter_rules()
            for method in sorted(UNSAFE & set(rule.methods))]


def is_json_api(path: str) -> bool:
    # flask-smorest blueprints: JSON in, JSON out, no cookie authority -> exempt by design.
    return path.startswith("/api/")


def is_webhook(path: str) -> bool:
    return path.startswith("/stripe/")


@pytest.fixture()
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


@pytest.fixture()
def csrf_refusals(monkeypatch):
    """Record every request Flask-WTF refuses (some views render their own 400 page)."""
    from flask import request
    from flask_wtf.csrf import CSRFError

    from storefront.extensions import csrf

    refused: list[tuple[str, str]] = []
    original = csrf.protect

    def spy(*args, **kwargs):
        try:
            return original(*args, **kwargs)
        except CSRFError:
            refused.append((request.method, request.path))
            raise

    monkeypatch.setattr(csrf, "protect", spy)
    return refused


def test_every_form_route_needs_a_token(csrf_on, client, csrf_refusals):
    routes = [r for r in unsafe_routes(csrf_on) if not is_json_api(r[0]) and not is_webhook(r[0])]
    assert any(path == "/staff/login" for path, _, _ in routes)
    for _path, url, method in routes:
        resp = client.open(url, method=method, data={"x": "1"})
        assert resp.status_code == 400, (method, url, resp.status_code)
        assert csrf_refusals[-1] == (method, url), (method, url)
        bad = client.open(url, method=method, data={"csrf_token": "forged"})
        assert bad.status_code == 400, (method, url, "forged token")
        assert csrf_refusals[-1] == (method, url)
    assert len(csrf_refusals) == 2 * len(routes)


def test_a_valid_token_passes(csrf_on, client, db_session):
    from tests.staff.conftest import PASSWORD, add_staff

    admin = add_staff(db_session)
    page = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/staff/login", data={"csrf_token": token, "email": admin.email,
                                             "password": PASSWORD})
    assert resp.status_code == 303
    # The live copy check (JSON over the session cookie) takes the token as a header.
    home = client.get("/staff/").get_data(as_text=True)
    header_token = re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)
    no_token = client.post("/staff/logout")
    assert no_token.status_code == 400
    ok = client.post("/staff/logout", headers={"X-CSRFToken": header_token})
    assert ok.status_code == 303, ok.data


def test_json_api_routes_are_the_only_exemptions(csrf_on):
    exempt = [p for p, _, _ in unsafe_routes(csrf_on) if is_json_api(p) or is_webhook(p)]
    for path in exempt:
        assert path.startswith(("/api/v1/", "/stripe/webhook")), path


def test_stripe_webhook_is_exempt_but_signature_checked(csrf_on, client, monkeypatch):
    if "/stripe/webhook" not in {r.rule for r in csrf_on.url_map.iter_rules()}:
        pytest.skip("the Stripe webhook route is not registered in this build")
    from storefront.payments.signatures import signature_header

    monkeypatch.setitem(csrf_on.config, "STRIPE_WEBHOOK_SECRET", "whsec_test_csrf")
    event = {"id": "evt_csrf_matrix", "type": "csrf.matrix.unknown", "data": {"object": {}}}
    payload = json.dumps(event).encode()
    unsigned = client.post("/stripe/webhook", data=payload, content_type="application/json")
    assert unsigned.status_code == 400
    assert b"CSRF" not in unsigned.data
    forged = client.post("/stripe/webhook", data=payload, content_type="application/json",
                         headers={"Stripe-Signature": signature_header(payload, "wrong")})
    assert forged.status_code == 400
    signed = client.post("/stripe/webhook", data=payload, content_type="application/json",
                         headers={"Stripe-Signature": signature_header(payload, "whsec_test_csrf")})
    assert 200 <= signed.status_code < 300, signed.data
