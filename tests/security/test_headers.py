"""Security headers on every response (200, 404, 405, 413, 500) and cookie flags."""

from __future__ import annotations

import pytest

from storefront import create_app
from storefront.security import content_security_policy

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def csp_directives(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


def assert_security_headers(resp, stripe_origin="https://js.stripe.com"):
    for name, value in EXPECTED.items():
        assert resp.headers.get(name) == value, (resp.status_code, name)
    csp = csp_directives(resp.headers["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'", stripe_origin]
    assert csp["frame-src"] == ["'self'", stripe_origin]
    assert csp["connect-src"][:2] == ["'self'", stripe_origin]
    for directive in ("script-src", "style-src", "default-src"):
        assert "'unsafe-inline'" not in csp[directive]
        assert "'unsafe-eval'" not in csp[directive]


@pytest.fixture(scope="module")
def boom_app():
    """An app (no database needed) with a test-only route that raises."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "MAX_CONTENT_LENGTH": 1024,
                      "STRIPE_JS_URL": "https://js.stripe.com/v3/"})

    @app.get("/__test__/boom")
    def boom():
        raise RuntimeError("boom")

    @app.post("/__test__/echo")
    def echo():
        from flask import request

        return str(len(request.get_data()))

    return app


def test_headers_on_200_404_405_413_500(boom_app):
    client = boom_app.test_client()
    ok = client.get("/staff/login")
    assert ok.status_code == 200
    assert_security_headers(ok)
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert_security_headers(missing)
    api_missing = client.get("/api/v1/no-such-thing")
    assert api_missing.status_code == 404
    assert_security_headers(api_missing)
    wrong_method = client.delete("/staff/login")
    assert wrong_method.status_code == 405
    assert_security_headers(wrong_method)
    too_big = client.post("/__test__/echo", data=b"x" * 4096)
    assert too_big.status_code == 413
    assert_security_headers(too_big)
    crash = client.get("/__test__/boom")
    assert crash.status_code == 500
    assert b"boom" not in crash.data  # no internals leak
    assert_security_headers(crash)


def test_a_view_may_tighten_referrer_policy_and_csp_but_not_drop_the_rest():
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "RATELIMIT_ENABLED": False})

    @app.get("/__test__/private")
    def private():
        from flask import make_response

        resp = make_response("secret link")
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
        resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        return resp

    resp = app.test_client().get("/__test__/private")
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert resp.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert resp.headers["X-Frame-Options"] == "DENY" and resp.headers["X-Content-Type-Options"] == "nosniff"
    assert app.test_client().get("/staff/login").headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_headers_on_static_and_health(client):
    assert_security_headers(client.get("/healthz"))


def test_hsts_only_over_https(boom_app):
    client = boom_app.test_client()
    assert "Strict-Transport-Security" not in client.get("/staff/login").headers
    secure = client.get("/staff/login", base_url="https://shop.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_csp_follows_the_configured_stripe_origin():
    local = csp_directives(content_security_policy({
        "STRIPE_JS_URL": "http://127.0.0.1:8420/js.stripe.com/v3/",
        "STRIPE_API_BASE": "http://127.0.0.1:8420"}))
    assert local["script-src"] == ["'self'", "http://127.0.0.1:8420"]
    assert local["connect-src"] == ["'self'", "http://127.0.0.1:8420"]
    real = csp_directives(content_security_policy({"STRIPE_JS_URL": "https://js.stripe.com/v3/"}))
    assert real["connect-src"] == ["'self'", "https://js.stripe.com", "https://api.stripe.com"]
    none = csp_directives(content_security_policy({"STRIPE_JS_URL": ""}))
    assert none["script-src"] == ["'self'"]
    bogus = csp_directives(content_security_policy({"STRIPE_JS_URL": "javascript:alert(1)"}))
    assert bogus["script-src"] == ["'self'"]


def _set_cookie_headers(resp) -> list[str]:
    return resp.headers.getlist("Set-Cookie")


def test_session_cookie_flags_over_http_and_https(boom_app):
    client = boom_app.test_client()
    plain = _set_cookie_headers(client.get("/staff/login"))
    assert plain, "the login page sets a session cookie (CSRF token)"
    for header in plain:
        assert "HttpOnly" in header and "SameSite=Lax" in header
        assert "Secure" not in header
    secure_client = boom_app.test_client()
    over_tls = _set_cookie_headers(secure_client.get("/staff/login", base_url="https://shop.example"))
    assert over_tls and all("Secure" in h and "HttpOnly" in h for h in over_tls)


def test_production_cookies_are_always_secure():
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "SESSION_COOKIE_SECURE": True, "RATELIMIT_ENABLED": False})
    cookies = _set_cookie_headers(app.test_client().get("/staff/login"))
    assert cookies and all("Secure" in h for h in cookies)


def test_static_files_and_cookieless_requests_do_not_vary_on_cookie(client):
    assert "Cookie" in client.get("/staff/login").headers.get("Vary", "")  # sets a cookie
    resp = client.get("/static/staff/staff.js")  # even with that cookie
    assert resp.status_code == 200
    assert "Cookie" not in resp.headers.get("Vary", "")
    assert_security_headers(resp)
    client.delete_cookie("session")
    health = client.get("/healthz")
    assert "Cookie" not in health.headers.get("Vary", "")
