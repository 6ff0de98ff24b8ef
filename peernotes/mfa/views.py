"""Two-step sign-in pages: set it up, see and renew recovery codes, switch it off, and a
coordinator's reset for a lost phone. The code step of signing in is in `peernotes.signin`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.actor import Actor
from peernotes.auth.login import mfa_enrolled
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.auth.throttle import note_wrong_password, reauth_per_person
from peernotes.mfa import service as mfa
from peernotes.mfa.forms import DisableForm, EnrolForm, RegenerateForm
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires

bp = Blueprint("mfa", __name__)


@bp.route("/account/mfa")
@requires(Permission.SESSION_USE)
def settings(actor: Actor, db: Session) -> str:
    return render_template(
        "mfa/settings.html",
        enrolled=mfa.is_enrolled(db, actor.id),
        required=mfa.required_for(actor.role),
        codes_left=mfa.unused_recovery_codes(db, actor.id),
        confirm=ConfirmForm(),
        disable_form=DisableForm(),
        regenerate_form=RegenerateForm(),
    )


#: The enrolment this browser started (its secret is shown to this browser only).
_STARTED_HERE = "mfa_enrolment"


def _enrolment_started_here() -> int | None:
    started = session.get(_STARTED_HERE)
    return started if isinstance(started, int) else None


@bp.route("/account/mfa/enrol", methods=["GET", "POST"])
@requires(Permission.SESSION_USE)
def enrol(actor: Actor, db: Session) -> str | Response:
    user = db.get_one(User, actor.id)
    if mfa.is_enrolled(db, user.id):
        if actor.must_enrol_mfa:
            # They enrolled in another browser: this one was signed in with the password
            # alone, so it signs in again, with a code.
            logout_user()
            session.clear()
            flash("Two-step sign-in is set up. Please sign in again, with a code.", "info")
            return redirect(url_for("signin.login"))
        return redirect(url_for("mfa.settings"))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(
                db, actor, user, form.code.data or "", _enrolment_started_here()
            )
        except mfa.MfaError as exc:
            field_error(form, exc, "code")
        else:
            mfa_enrolled()
            # Shown once, in this answer only: never stored in the clear, never in a redirect.
            return render_template("mfa/recovery_codes.html", codes=codes, first=True)
    setup = mfa.start_enrolment(db, user, keep=_enrolment_started_here())
    session[_STARTED_HERE] = setup.enrolment_id
    return render_template("mfa/enrol.html", form=form, setup=setup, required=actor.must_enrol_mfa)


@bp.route("/account/mfa/recovery-codes", methods=["POST"])
@reauth_per_person
@requires(Permission.SESSION_USE)
def regenerate(actor: Actor, db: Session) -> str | Response:
    form = RegenerateForm()
    if not form.validate_on_submit():
        flash("Type the code your app shows now to make new recovery codes.", "error")
        return redirect(url_for("mfa.settings"))
    try:
        codes = mfa.regenerate_recovery_codes(
            db, actor, db.get_one(User, actor.id), form.code.data or ""
        )
    except mfa.MfaError as exc:
        if exc.field == "code":
            note_wrong_password()  # a wrong code counts like a wrong password re-entered
        flash(str(exc), "error")
        return redirect(url_for("mfa.settings"))
    return render_template("mfa/recovery_codes.html", codes=codes, first=False)


@bp.route("/account/mfa/disable", methods=["POST"])
@reauth_per_person
@requires(Permission.SESSION_USE)
def disable(actor: Actor, db: Session) -> Response:
    form = DisableForm()
    if not form.validate_on_submit():
        flash("Type the code your app shows now to switch two-step sign-in off.", "error")
        return redirect(url_for("mfa.settings"))
    try:
        mfa.disable(db, actor, db.get_one(User, actor.id), form.code.data or "")
    except mfa.MfaError as exc:
        if exc.field == "code":
            note_wrong_password()
        flash(str(exc), "error")
    else:
        flash("Two-step sign-in is off. You can turn it on again here at any time.", "info")
    return redirect(url_for("mfa.settings"))


@bp.route("/admin/accounts/<int:user_id>/mfa-reset", methods=["POST"])
@requires(Permission.ADMIN_ACCOUNTS)
def reset(actor: Actor, db: Session, user_id: int) -> Response:
    person = db.get(User, user_id)
    if person is None:
        abort(404)

    def run() -> str:
        mfa.reset(db, actor, person)
        return (
            f"{person.display_name}'s two-step sign-in is reset and they are signed out. "
            "They set up their new phone when they next sign in."
        )

    return confirmed_action(run, url_for("admin.list_accounts"))
