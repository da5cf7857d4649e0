"""Render errors as JSON for the API and as pages for the web; roll back on failure."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but a body nested thousands deep is a 400 like any other bad JSON."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _retry_after() -> dict[str, str]:
    return {"Retry-After": str(int(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"]))}


def init_app(app: Flask) -> None:
    app.json_provider_class = SafeJSONProvider
    app.json = SafeJSONProvider(app)

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        db.session.rollback()
        body, status = _render(err.status, err.code, err.message, err.errors)
        return body, status, (_retry_after() if status == 503 else {})

    def _unavailable(err: Exception, what: str):
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is what failed
            db.session.remove()
        app.logger.warning("%s unavailable: %s", what, str(err).splitlines()[0][:200])
        body, status = _render(503, "service_unavailable",
                               "We are having a short technical problem; please try again in a moment.")
        return body, status, _retry_after()

    # An unreachable database (restart, failover, terminated connection) or payment provider
    # is a 503 with Retry-After, not a 500: clients and the proxy may retry.
    for exc_type in (OperationalError, DisconnectionError, InterfaceError, PoolTimeout):
        app.register_error_handler(exc_type, lambda err: _unavailable(err, "database"))
    from storefront.payments import CONNECTION_ERRORS

    for exc_type in CONNECTION_ERRORS:
        app.register_error_handler(exc_type, lambda err: _unavailable(err, "payment provider"))

    @app.errorhandler(RecursionError)
    def _too_deep(err: RecursionError):
        db.session.rollback()
        return _render(400, "bad_request", "The request is nested too deeply.")

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
