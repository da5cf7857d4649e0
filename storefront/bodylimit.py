"""One request-body size limit for every route: a clean 413, whether or not the body was sized.

Werkzeug refuses a body whose ``Content-Length`` is over ``MAX_CONTENT_LENGTH`` only when a
view reads it, and a chunked body (no ``Content-Length``) is cut off at the limit instead, so a
truncated JSON or form body looked merely malformed (a confusing 400). The WSGI wrapper reads a
chunked body up to the limit and hands the app a sized body; a before-request hook, installed
ahead of CSRF and rate limiting, raises ``RequestEntityTooLarge`` so the usual error handlers
answer (JSON ``{"code","status","message","errors"}`` on API paths, a page elsewhere).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

OVERSIZE_KEY = "storefront.body_too_large"
_READ_SIZE = 64 * 1024


def _is_chunked(environ: dict[str, Any]) -> bool:
    return (not environ.get("CONTENT_LENGTH")
            and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            # Only servers that end the stream themselves can be read to the end safely.
            and bool(environ.get("wsgi.input_terminated")))


class BodyLimitMiddleware:
    """Buffer chunked request bodies up to the app's limit; mark the ones over it."""

    def __init__(self, wsgi_app: Callable, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and _is_chunked(environ):
            stream = environ["wsgi.input"]
            buf = bytearray()
            while len(buf) <= limit:
                chunk = stream.read(min(_READ_SIZE, limit + 1 - len(buf)))
                if not chunk:
                    break
                buf += chunk
            if len(buf) > limit:
                environ[OVERSIZE_KEY] = True
                buf = bytearray()
            environ["wsgi.input"] = io.BytesIO(bytes(buf))
            environ["CONTENT_LENGTH"] = str(len(buf))
        return self.wsgi_app(environ, start_response)


def refuse_oversize_body() -> None:
    """Raise 413 before anything reads a body over the limit."""
    if request.environ.get(OVERSIZE_KEY):
        raise RequestEntityTooLarge()
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge()


def init_app(app: Flask) -> None:
    """Wrap the WSGI app and run the size check before every other request hook."""
    app.wsgi_app = BodyLimitMiddleware(app.wsgi_app, app)
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_oversize_body)
