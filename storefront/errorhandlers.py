"""Render errors as JSON for the API and as pages for the web; roll back on failure."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from storefront.errors import DomainError, flatten_errors
from storefront.extensions import db


def wants_json() -> bool:
    """Whether this request should get JSON rather than a page (errors, 401s, cart answers).

    Yes for the JSON API and the webhook, for a JSON body, and when the client prefers JSON
    to HTML outright (``Accept: application/json``; a bare ``*/*`` gets the page).
    """
    if request.path.startswith("/api/") or request.path.startswith("/stripe/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


WEBARGS_LOCATIONS = frozenset({"query", "json", "form", "files", "headers", "path", "view_args",
                               "cookies", "querystring", "json_or_form"})


def api_field_errors(messages) -> dict[str, list[str]]:
    """webargs' ``{location: {field: nested…}}`` → flat ``{"lines[0].quantity": [...]}``."""
    if not messages:
        return {}
    if isinstance(messages, dict) and set(messages) <= WEBARGS_LOCATIONS:
        out: dict[str, list[str]] = {}
        for nested in messages.values():
            for path, msgs in flatten_errors(nested).items():
                out.setdefault(path, []).extend(msgs)
        return out
    return flatten_errors(messages)


def _render(status: int, code: str, message: str, errors: dict | None = None):
    if wants_json():
        body = {"code": code, "status": status, "message": message, "errors": errors or {}}
        return jsonify(body), status
    try:
        html = render_template("errors/error.html", status=status, code=code, message=message,
                               errors=errors or {})
    except Exception:  # noqa: BLE001 - template trouble must not hide the original error
        html = f"<h1>{status}</h1><p>{message}</p>"
    return html, status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        db.session.rollback()
        return _render(err.status, err.code, err.message, err.errors)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        db.session.rollback()
        # flask-smorest / webargs attach field errors to 422s, nested by location and field.
        data = getattr(err, "data", None) or {}
        errors = api_field_errors(data.get("messages")) if isinstance(data, dict) else {}
        code = (err.name or "error").lower().replace(" ", "_")
        body, status = _render(err.code or 500, code, err.description or err.name, errors)
        # Keep protocol headers the exception carries (Allow on 405, Retry-After on 429/503).
        headers = [(k, v) for k, v in err.get_headers() if k.lower() != "content-type"]
        return body, status, headers

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(500, "internal_error", "Something went wrong on our side.")
