"""Sign in, sign out, change password, and reset a forgotten one with a one-time link."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from config import Config
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import By, Target, record_event
from peernotes.auth import accounts, resets
from peernotes.auth.actor import Actor
from peernotes.auth.device_cookies import remember_device
from peernotes.auth.login import begin_browser_session
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.auth.sessions import RevokeReason, revoke_all_sessions, start_session
from peernotes.auth.throttle import (
    PENDING_CODE,
    login_per_account,
    login_per_address,
    note_unusable_reset_link,
    reset_request_per_account,
    reset_request_per_address,
    reset_use_per_address,
)
from peernotes.db import utcnow
from peernotes.mfa import service as mfa
from peernotes.requests import current_request_id
from peernotes.signin import logs
from peernotes.signin.forms import (
    ChangePasswordForm,
    CodeForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from peernotes.signin.service import email_reset_link, resets_by_email
from peernotes.web.routes import field_error, public, requires, safe_next

bp = Blueprint("signin", __name__)
# Reset links carry their token in the path: no log line may keep it.
bp.record_once(lambda state: logs.install(state.app))

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
            if mfa.is_enrolled(db, user.id):
                # The password was right; the session starts only once the code is too.
                _await_code(user)
                return redirect(url_for("signin.login_code", next=request.args.get("next")))
            _start_signed_in_session(db, user, must_enrol_mfa=mfa.required_for(user.role))
            return redirect(_after_sign_in(request.args.get("next")))
        error = SIGN_IN_FAILED
    return _login_page(form, error)


def _login_page(form: LoginForm, error: str | None) -> str:
    return render_template(
        "signin/login.html", form=form, error=error, resets_by_email=resets_by_email()
    )


def _after_sign_in(next_path: str | None) -> str:
    return safe_next(next_path) or url_for("home.show_home")


def _start_signed_in_session(db: Session, user: User, *, must_enrol_mfa: bool) -> None:
    """The one place a sign-in (or a password change) starts this browser's session."""
    login_session, token = start_session(db, user)
    begin_browser_session(user, login_session, token, must_enrol_mfa=must_enrol_mfa)
    # This browser is now trusted for this account (shared-address lockout, device cookies).
    remember_device(user.email)


#: How long the code step waits after a right password before the password is asked again.
CODE_STEP_MINUTES = 5


def _await_code(user: User) -> None:
    # A fresh cookie holding only who is half-way signed in, and since when (the cookie is
    # signed, so it cannot be forged or pointed at someone else).
    session.clear()
    session[PENDING_CODE] = {
        "user": user.id,
        "email": user.email,
        "at": int(utcnow().timestamp()),
    }


def _pending_user(db: Session) -> User | None:
    pending = session.get(PENDING_CODE)
    if not isinstance(pending, dict):
        return None
    started = pending.get("at")
    user_id = pending.get("user")
    if not isinstance(started, int) or not isinstance(user_id, int):
        return None
    if utcnow().timestamp() - started > CODE_STEP_MINUTES * 60:
        return None
    user = db.get(User, user_id)
    return user if user is not None and user.active else None


@bp.route("/login/code", methods=["GET", "POST"])
@login_per_address
@login_per_account
@public
def login_code(db: Session) -> str | Response:
    """The second step: a code from the authenticator app, or a recovery code.

    A wrong code (or a replayed one) is answered exactly like a wrong password, back on the
    password step, and counts against the same sign-in limits.
    """
    user = _pending_user(db)
    if user is None:
        session.pop(PENDING_CODE, None)
        flash("Please sign in again.", "info")
        return redirect(url_for("signin.login", next=request.args.get("next")))
    g.setdefault(PENDING_CODE, user.email)  # the account the sign-in limits count against
    form = CodeForm()
    if form.validate_on_submit():
        by = By(user.id, user.role, current_request_id())
        result = mfa.check_code(db, by, user, form.code.data or "")
        if result.ok:
            _start_signed_in_session(db, user, must_enrol_mfa=False)
            if result is mfa.CodeResult.RECOVERY:
                left = mfa.unused_recovery_codes(db, user.id)
                flash(
                    f"You signed in with a recovery code. You have {left} left: make new ones "
                    "in your account's two-step sign-in page if you are running low.",
                    "info",
                )
            return redirect(_after_sign_in(request.args.get("next")))
        session.pop(PENDING_CODE, None)
        retry = LoginForm(formdata=None, email=user.email)
        return _login_page(retry, SIGN_IN_FAILED)
    return render_template("signin/code.html", form=form)


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
            _start_signed_in_session(db, user, must_enrol_mfa=actor.must_enrol_mfa)
            flash("Your password has been changed. You were signed out everywhere else.", "info")
            return redirect(url_for("home.show_home"))
    return render_template(
        "signin/change_password.html", form=form, forced=actor.must_change_password
    )


def _config() -> Config:
    config: Config = current_app.config["PEERNOTES"]
    return config


@bp.route("/password/forgot", methods=["GET", "POST"])
@reset_request_per_address
@reset_request_per_account
@public
def forgot_password(db: Session) -> str | Response:
    """Ask for a reset link by email. Every address gets the same answer, known or not."""
    if not resets_by_email():
        return render_template("signin/forgot_password.html", form=None, sent=False)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        found = resets.request_emailed_reset(
            db,
            form.email.data or "",
            request_id=current_request_id(),
            lifetime=timedelta(minutes=_config().reset_email_link_minutes),
        )
        if found is not None:
            email_reset_link(db, *found)
        return render_template("signin/forgot_password.html", form=None, sent=True)
    return render_template("signin/forgot_password.html", form=form, sent=False)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@reset_use_per_address
@public
def reset_password(db: Session, token: str) -> str | Response | tuple[str, int]:
    """Choose a new password with a one-time link. It signs nobody in: the person then signs
    in with the new password, so the link alone never opens a session."""
    form = ResetPasswordForm()
    try:
        person = resets.check_link(db, token, request_id=current_request_id())
        if form.validate_on_submit():
            resets.reset_password(
                db, token, form.new_password.data or "", request_id=current_request_id()
            )
            flash(
                "Your new password is set, and you are signed out everywhere. "
                "Sign in with your new password.",
                "info",
            )
            return redirect(url_for("signin.login"))
    except resets.ResetLinkUnusable as exc:
        note_unusable_reset_link()
        page = render_template("signin/reset_password.html", form=None, unusable=str(exc))
        return page, 404
    except accounts.AccountError as exc:
        field_error(form, exc, "new_password")
    return render_template(
        "signin/reset_password.html", form=form, unusable=None, email=person.email
    )
