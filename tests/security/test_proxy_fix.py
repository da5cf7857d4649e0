"""PROXY_FIX_X_FOR / PROXY_FIX_X_PROTO: X-Forwarded-* is believed only when configured."""

from __future__ import annotations

import pytest
from flask import request

from storefront import create_app
from storefront.config import from_env

FORWARDED = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https"}


def _app(**config):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "RATELIMIT_ENABLED": False, **config})

    @app.get("/__test__/who")
    def who():
        return {"remote_addr": request.remote_addr, "scheme": request.scheme}

    return app


def _who(app, headers):
    resp = app.test_client().get("/__test__/who", headers=headers,
                                 environ_base={"REMOTE_ADDR": "10.0.0.5"})
    return resp.get_json(), resp.headers


def test_forwarded_headers_are_ignored_by_default():
    body, headers = _who(_app(), FORWARDED)
    assert body == {"remote_addr": "10.0.0.5", "scheme": "http"}
    assert "Strict-Transport-Security" not in headers


def test_one_trusted_proxy_sets_the_client_address_only():
    body, headers = _who(_app(PROXY_FIX_X_FOR=1), FORWARDED)
    # The proxy appended the address it saw; anything before that came from the client itself.
    assert body == {"remote_addr": "203.0.113.7", "scheme": "http"}
    body, _ = _who(_app(PROXY_FIX_X_FOR=2), FORWARDED)
    assert body["remote_addr"] == "198.51.100.1"
    body, _ = _who(_app(PROXY_FIX_X_FOR=1), {})
    assert body["remote_addr"] == "10.0.0.5"


def test_trusted_proto_makes_the_request_secure():
    body, headers = _who(_app(PROXY_FIX_X_PROTO=1), FORWARDED)
    assert body == {"remote_addr": "10.0.0.5", "scheme": "https"}
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PROXY_FIX_X_FOR", "2")
    monkeypatch.delenv("PROXY_FIX_X_PROTO", raising=False)
    cfg = from_env()
    assert (cfg["PROXY_FIX_X_FOR"], cfg["PROXY_FIX_X_PROTO"]) == (2, 0)
    for bad in ("yes", "-1", "1.5", "99"):
        monkeypatch.setenv("PROXY_FIX_X_PROTO", bad)
        with pytest.raises(RuntimeError, match="PROXY_FIX_X_PROTO"):
            from_env()
