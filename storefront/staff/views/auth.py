"""Flask-Login wiring: token loading, idle / absolute timeouts, the role decorator."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from storefront.errorhandlers import wants_json
from storefront.extensions import db, login_manager
from storefront.staff import services
from storefront.staff.models import StaffUser
from storefront.staff.policy import PERMISSIONS, can

LOGIN_AT = "_staff_login_at"
SEEN_AT = "_staff_seen_at"

def now() -> float:
    """Wall-clock seconds (patched in tests)."""
    return time.time()


def client_ip() -> str | None:
    """The requesting address as the app sees it (behind ProxyFix when deployed so)."""
    return request.remote_addr



def safe_next(target: str | None) -> str | None:
    """Accept only a local /staff/ path as a post-login destination (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/") or "\\" in target:
        return None
    return target


def start_session(user: StaffUser) -> None:
    """Log ``user`` in on a brand-new session (nothing from before login survives)."""
    session.clear()
    login_user(user, remember=False)
    t = int(now())
    session[LOGIN_AT] = t
    session[SEEN_AT] = t


def end_session() -> None:
    """Log out and forget the session contents."""
    logout_user()
    session.clear()


@login_manager.user_loader
def _load_user(token: str) -> StaffUser | None:
    return services.load_session_user(db.session, token)


@login_manager.unauthorized_handler
def _unauthorized():
    if wants_json():
        return jsonify({"code": "unauthorized", "status": 401,
                        "message": "Log in as staff first.", "errors": {}}), 401
    # Only a page can be returned to; a refused POST sends the user to the home page after login.
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("staff.login", next=target))


def _enforce_timeouts() -> None:
    # Flask-Login caches the user on ``g``, which outlives a request when an outer app
    # context is active (scripts, test suites); always resolve the user afresh.
    g.pop("_login_user", None)
    # Reading the session marks the response "Vary: Cookie"; leave static files and
    # cookie-less requests (the JSON API, first visits) untouched.
    if request.endpoint == "static" or current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return
    if "_user_id" not in session:
        return
    t = int(now())
    login_at, seen_at = session.get(LOGIN_AT), session.get(SEEN_AT)
    cfg = current_app.config
    expired = (
        not isinstance(login_at, int) or not isinstance(seen_at, int)
        or t - seen_at > cfg["STAFF_IDLE_TIMEOUT"]
        or t - login_at > cfg["STAFF_ABSOLUTE_TIMEOUT"]
    )
    if expired:
        end_session()
        g.staff_session_expired = True
        flash("Your session expired; please log in again.", "info")
    elif t != seen_at:
        session[SEEN_AT] = t


def staff_required(permission: str = "staff", **loaders: Callable[..., Any]):
    """Require a logged-in staff user holding ``permission``.

    Each keyword names a loader called with the view's arguments; its result (404 when
    None) is checked against ``permission`` for that object and passed to the view.
    """
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, permission):
                abort(403)
            for name, loader in loaders.items():
                obj = loader(**kwargs)
                if obj is None:
                    abort(404)
                if not can(current_user, permission, obj):
                    abort(403)
                kwargs[name] = obj
            return view(*args, **kwargs)

        wrapper.staff_permission = permission
        wrapper.staff_object_checks = tuple(loaders)
        return wrapper

    return decorate


def init_app(app: Flask) -> None:
    """Bind Flask-Login to the app and enforce timeouts on every request."""
    login_manager.session_protection = "strong"
    login_manager.login_view = "staff.login"
    login_manager.init_app(app)
    app.before_request(_enforce_timeouts)
    # Flask-Login's remember-cookie hook reads the session on every response, which marks
    # each one "Vary: Cookie" (static files and the public API included). Staff logins never
    # set a remember cookie, so the hook only has work on pages requested with cookies.
    hook = login_manager._update_remember_cookie
    if hook in app.after_request_funcs[None]:
        app.after_request_funcs[None].remove(hook)

        @app.after_request
        def _remember_cookie(response):
            if request.cookies and request.endpoint != "static":
                return hook(response)
            return response
