"""Sign in, sign out, change password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import Target, record_event
from peernotes.auth import accounts
from peernotes.auth.actor import Actor
from peernotes.auth.login import begin_browser_session
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.auth.sessions import RevokeReason, revoke_all_sessions, start_session
from peernotes.auth.throttle import login_per_account, login_per_address
from peernotes.requests import current_request_id
from peernotes.signin.forms import ChangePasswordForm, LoginForm
from peernotes.web.routes import field_error, public, requires, safe_next

bp = Blueprint("signin", __name__)

# One message for unknown email, wrong password and deactivated account alike.
SIGN_IN_FAILED = "That email and password don't match an active account. Please try again."


@bp.route("/login", methods=["GET", "POST"])
@login_per_address
@login_per_account
@public
def login(db: Session) -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.show_home"))
    form = LoginForm()
    error: str | None = None
    if form.validate_on_submit():
        user = accounts.authenticate(
            db, form.email.data or "", form.password.data or "", current_request_id()
        )
        if user is not None:
            login_session, token = start_session(db, user)
            begin_browser_session(user, login_session, token)
            target = safe_next(request.args.get("next"))
            return redirect(target or url_for("home.show_home"))
        error = SIGN_IN_FAILED
    return render_template("signin/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
@requires(Permission.SESSION_USE)
def logout(actor: Actor, db: Session) -> Response:
    # Signing out ends every session of this person, on every device, on the server.
    revoke_all_sessions(db, actor.id, RevokeReason.SIGNED_OUT)
    logged = Target("user", actor.id)
    record_event(db, actor, Action.AUTH_LOGOUT, None, logged, Outcome.ALLOWED, Basis.SELF)
    logout_user()
    session.clear()
    flash("You have signed out.", "info")
    response = redirect(url_for("signin.login"))
    # Ask the browser to drop cached copies of pages that showed personal information.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@requires(Permission.SESSION_USE)
def change_password(actor: Actor, db: Session) -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = db.get_one(User, actor.id)
        try:
            accounts.change_password(
                db, user, form.current_password.data or "", form.new_password.data or "", actor
            )
        except accounts.AccountError as exc:
            field_error(form, exc, "new_password")
        else:
            # Every old session is revoked; this browser gets a fresh one.
            login_session, token = start_session(db, user)
            begin_browser_session(user, login_session, token)
            flash("Your password has been changed. You were signed out everywhere else.", "info")
            return redirect(url_for("home.show_home"))
    return render_template(
        "signin/change_password.html", form=form, forced=actor.must_change_password
    )
