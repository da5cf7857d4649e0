"""Login, logout and the staff home page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from storefront.extensions import db, limiter
from storefront.staff import services
from storefront.staff.views import bp
from storefront.staff.views.auth import (
    client_ip,
    end_session,
    safe_next,
    staff_required,
    start_session,
)


def _account_key() -> str:
    # Per client address AND account: a guesser is slowed on their own address, while the
    # account's owner logging in from elsewhere is not locked out (no hard account lock).
    # `storefront staff unlock EMAIL` clears an account's windows everywhere.
    email = services.normalise_email(request.form.get("email", ""))[:320]
    return f"staff-login-account:{email}|{get_remote_address()}"


def _login_failed(response) -> bool:
    # Only failed attempts count against an account, so its owner is never locked out by
    # their own successful logins.
    return response.status_code != 303


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["STAFF_LOGIN_RATE_IP"], methods=["POST"],
               key_func=get_remote_address, scope="staff-login-ip")
@limiter.limit(lambda: current_app.config["STAFF_LOGIN_RATE_ACCOUNT"], methods=["POST"],
               key_func=_account_key, scope="staff-login-account", deduct_when=_login_failed)
def login():
    """Show the login form; log a staff member in on a fresh session."""
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(target or url_for("staff.home"))
        return render_template("staff/login.html", next=target or "", email="")
    # A login form is a few hundred bytes; refuse bulk before it reaches the hasher.
    if (request.content_length or 0) > current_app.config["STAFF_LOGIN_MAX_BYTES"]:
        abort(413)
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    user = services.authenticate(db.session, email, password)
    if user is None:
        db.session.rollback()
        services.record_failed_login(db.session, email, ip=client_ip())
        db.session.commit()
        return render_template("staff/login.html", next=target or "", email=email,
                               error="Wrong email or password."), 200
    services.mark_login(db.session, user, ip=client_ip())
    db.session.commit()
    start_session(user)
    return redirect(target or url_for("staff.home"), code=303)


@bp.post("/logout")
@staff_required()
def logout():
    """Log out and make every earlier cookie of this account useless."""
    services.end_sessions(db.session, current_user._get_current_object(), ip=client_ip())
    db.session.commit()
    end_session()
    flash("You are logged out.", "info")
    return redirect(url_for("staff.login"), code=303)
