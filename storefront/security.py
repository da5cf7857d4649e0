"""Security headers on every response and hardened session cookies.

The Content-Security-Policy allows scripts, frames and connections only from this site
and the origin of ``STRIPE_JS_URL`` (plus the Stripe API origin Stripe.js talks to), so
inline ``<script>`` blocks, ``on*=`` attributes and ``javascript:`` URLs never run: put
JavaScript in files under ``static/`` and pass data through ``data-*`` attributes.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSessionInterface

HSTS_VALUE = "max-age=31536000; includeSubDomains"


def origin_of(url: str) -> str | None:
    """The ``scheme://host[:port]`` of a URL, or None when it has none."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(config) -> str:
    """Build the CSP header value from the app config."""
    stripe_js = origin_of(config.get("STRIPE_JS_URL") or "")
    # Stripe.js calls the Stripe API from the page: the real one, or localstripe's base.
    stripe_api = origin_of(config.get("STRIPE_API_BASE") or "")
    if stripe_api is None and stripe_js == "https://js.stripe.com":
        stripe_api = "https://api.stripe.com"
    scripts = ["'self'", *([stripe_js] if stripe_js else [])]
    connect = list(dict.fromkeys([*scripts, *([stripe_api] if stripe_api else [])]))
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", scripts),
        ("frame-src", scripts),
        ("connect-src", connect),
        ("img-src", ["'self'", "data:"]),
        ("style-src", ["'self'"]),
        ("font-src", ["'self'"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'self'"]),
        ("form-action", ["'self'"]),
        ("frame-ancestors", ["'none'"]),
    ]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives)


def apply_headers(response: Response, config) -> Response:
    """Set the security headers on one response.

    A view may send its own, stricter Content-Security-Policy or Referrer-Policy (a sandboxed
    download, a page whose URL is a credential); those two are defaults, the rest are fixed.
    """
    h = response.headers
    h.setdefault("Content-Security-Policy", content_security_policy(config))
    h["X-Content-Type-Options"] = "nosniff"
    h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    h["X-Frame-Options"] = "DENY"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if has_request_context() and request.is_secure:
        h["Strict-Transport-Security"] = HSTS_VALUE
    return response


class HardenedSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is also Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return has_request_context() and request.is_secure


def init_app(app: Flask) -> None:
    """Install the header hook and the cookie settings."""
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))
    app.session_interface = HardenedSessionInterface()

    @app.after_request
    def _security_headers(response: Response) -> Response:
        return apply_headers(response, app.config)
