"""Where you are signed in: your sessions, ending one or all the others; and the coordinator's
"sign out everywhere" for a person (a button on the accounts page, handled here)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.actor import Actor
from peernotes.auth.login import session_limits
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.sessions import service
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, requires

bp = Blueprint("sessions", __name__)


@bp.route("/account/sessions")
@requires(Permission.SESSION_USE)
def list_sessions(actor: Actor, db: Session) -> str:
    sessions = service.sessions_of(db, actor, session_limits())
    return render_template("sessions/list.html", sessions=sessions, confirm=ConfirmForm())


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@requires(Permission.SESSION_USE)
def end_session(actor: Actor, db: Session, session_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.end_own_session(db, actor, session_id)
    except service.NoSuchSession:
        abort(404)  # the refusal is on record; the wrapper commits it
    if session_id == actor.session_id:
        # Ending the session in hand is signing out here.
        logout_user()
        session.clear()
        flash("You have signed out on this device.", "info")
        return redirect(url_for("signin.login"))
    flash("That session has ended: that device is signed out.", "info")
    return redirect(url_for("sessions.list_sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@requires(Permission.SESSION_USE)
def end_other_sessions(actor: Actor, db: Session) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    ended = service.end_other_sessions(db, actor)
    if ended:
        flash(f"Signed out everywhere else ({ended} {_sessions(ended)} ended).", "info")
    else:
        flash("You were not signed in anywhere else.", "info")
    return redirect(url_for("sessions.list_sessions"))


@bp.route("/admin/accounts/<int:user_id>/sessions/end", methods=["POST"])
@requires(Permission.ADMIN_ACCOUNTS)
def end_all_sessions(actor: Actor, db: Session, user_id: int) -> Response:
    person = db.get(User, user_id) or abort(404)

    def end_all() -> str:
        ended = service.end_all_sessions_of(db, person, by=actor)
        return f"{person.display_name} is signed out on every device ({ended} {_sessions(ended)})."

    return confirmed_action(end_all, url_for("admin.list_accounts"))


def _sessions(count: int) -> str:
    return "session" if count == 1 else "sessions"
