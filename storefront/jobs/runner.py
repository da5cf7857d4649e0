"""What a worker actually runs: the named function inside an app context."""

from __future__ import annotations

import os
from typing import Any

_app = None
_pid: int | None = None


def set_app(app) -> None:
    """The app jobs run in (the worker sets it before forking work horses)."""
    global _app
    _app = app


def _get_app():
    global _app
    if _app is None:
        from storefront import create_app

        _app = create_app()
    return _app


def execute(func_path: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Call ``func_path(*args, **kwargs)`` with an app context (the caller's, or the worker's)."""
    from flask import has_app_context

    from storefront.jobs.queue import resolve

    func = resolve(func_path)
    if has_app_context():
        return func(*args, **kwargs)
    global _pid
    app = _get_app()
    from storefront.extensions import db

    with app.app_context():
        if _pid != os.getpid():
            # A forked work horse must not share the parent's pooled database connections.
            db.engine.dispose(close=False)
            _pid = os.getpid()
        try:
            return func(*args, **kwargs)
        finally:
            db.session.remove()
