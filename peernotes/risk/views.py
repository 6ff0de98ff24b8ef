"""Risk-concern pages: a peer worker raises one, clinicians co-sign and decide when the person
is told, and the person reads the concerns raised about them.

Which permission guards which page:
  - raising: `RISK_RAISE` (peer workers), then the care assignment, in the service;
  - one concern, `/risk/<id>`: `NOTES_READ`. Its readers are a peer worker (who raised it),
    clinicians (care team, co-signer) and the subject (a consumer or a carer): together exactly
    the roles that open notes pages, and coordinators and auditors, who never read content,
    are refused by the permission. Who reads *this* concern is then decided by the service;
  - co-signing and delays, and the clinicians' list: `RISK_MANAGE` (clinicians);
  - the subject's own list, `/my/concerns`: `NOTES_REVIEW_OWN` (consumers and carers).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from config import Config
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.language import service as language
from peernotes.risk import service as risk
from peernotes.risk.forms import DelayForm, RaiseForm
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import field_error, requires

bp = Blueprint("risk", __name__)


def _max_hours() -> int:
    config: Config = current_app.config["PEERNOTES"]
    return config.risk_delay_hours


def _checked_form() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


# Raising ----------------------------------------------------------------------------------------


@bp.route("/people/<int:subject_id>/risk/new", methods=["GET", "POST"])
@requires(Permission.RISK_RAISE)
def raise_concern(actor: Actor, db: Session, subject_id: int) -> str | Response:
    subject = db.get(User, subject_id)
    if subject is None or not risk.can_raise_for(db, actor, subject.id):
        # Not someone this worker supports: the form does not exist for them.
        risk.log_refused_form(db, actor, subject_id)
        abort(404)
    form = RaiseForm()
    if form.validate_on_submit():
        try:
            concern = risk.raise_concern(
                db,
                actor,
                subject.id,
                form.observed.data or "",
                form.why_now.data or "",
                form.what_done.data or "",
            )
        except risk.RiskError as exc:
            field_error(form, exc, "observed")
        else:
            flash(f"Your concern is with {subject.display_name}'s care team now.", "info")
            # Recovery-oriented language, as on notes and record entries: never a reason not
            # to raise a concern, so shown after it is with the care team.
            fields = (form.observed, form.why_now, form.what_done)
            for line in language.suggestions(db, [(f.label.text, f.data or "") for f in fields]):
                flash(line, "language")
            return redirect(url_for("risk.show", concern_id=concern.id))
    return render_template(
        "risk/new.html",
        subject=subject,
        form=form,
        raised=risk.raised_by_me(db, actor, subject.id),
        names=display_names(db),
    )


# One concern ------------------------------------------------------------------------------------


def _render(actor: Actor, db: Session, concern_id: int, delay_form: DelayForm | None = None) -> str:
    try:
        view = risk.read(db, actor, concern_id)
    except risk.ConcernNotFound:
        abort(404)
    return render_template(
        "risk/show.html",
        concern=view,
        names=display_names(
            db,
            {
                view.subject_id,
                view.raised_by_id,
                view.cosigner_id or view.raised_by_id,
                view.delay_set_by_id or view.raised_by_id,
            },
        ),
        confirm=ConfirmForm(),
        delay_form=delay_form or DelayForm(formdata=None),
        max_hours=_max_hours(),
    )


@bp.route("/risk/<int:concern_id>")
@requires(Permission.NOTES_READ)
def show(actor: Actor, db: Session, concern_id: int) -> str:
    return _render(actor, db, concern_id)


@bp.route("/risk/<int:concern_id>/cosign", methods=["POST"])
@requires(Permission.RISK_MANAGE)
def cosign(actor: Actor, db: Session, concern_id: int) -> Response:
    _checked_form()
    try:
        risk.cosign(db, actor, concern_id)
    except risk.ConcernNotFound:
        abort(404)
    except risk.NotYours as exc:
        raise Forbidden(str(exc)) from exc
    except risk.RiskError as exc:
        flash(str(exc), "info")  # a second click: calmly say it is done already
    else:
        flash("Co-signed. The care team can see that you have.", "info")
    return redirect(url_for("risk.show", concern_id=concern_id))


@bp.route("/risk/<int:concern_id>/delay", methods=["POST"])
@requires(Permission.RISK_MANAGE)
def delay(actor: Actor, db: Session, concern_id: int) -> str | Response:
    form = DelayForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        # Only hours that are not a whole number get here (Optional lets an empty one by).
        form.hours.errors = [f"Enter a whole number of hours, from 1 to {_max_hours()}."]
        return _render(actor, db, concern_id, form)
    try:
        risk.delay(
            db,
            actor,
            concern_id,
            form.reason.data or "",
            form.hours.data or 0,
            max_hours=_max_hours(),
        )
    except risk.ConcernNotFound:
        abort(404)
    except risk.NotYours as exc:
        raise Forbidden(str(exc)) from exc
    except risk.RiskError as exc:
        field_error(form, exc, "reason")
        return _render(actor, db, concern_id, form)
    flash(
        "Recorded. They will not see this concern until the delay ends, unless you lift it"
        " sooner. Renew it with a reason if it is still needed then.",
        "info",
    )
    return redirect(url_for("risk.show", concern_id=concern_id))


@bp.route("/risk/<int:concern_id>/lift-delay", methods=["POST"])
@requires(Permission.RISK_MANAGE)
def lift_delay(actor: Actor, db: Session, concern_id: int) -> Response:
    _checked_form()
    try:
        risk.lift_delay(db, actor, concern_id)
    except risk.ConcernNotFound:
        abort(404)
    except risk.NotYours as exc:
        raise Forbidden(str(exc)) from exc
    except risk.RiskError as exc:
        flash(str(exc), "info")
    else:
        flash("The delay is lifted. They can read this concern now.", "info")
    return redirect(url_for("risk.show", concern_id=concern_id))


# Lists ------------------------------------------------------------------------------------------


@bp.route("/risk")
@requires(Permission.RISK_MANAGE)
def for_clinician(actor: Actor, db: Session) -> str:
    return render_template(
        "risk/list.html", lists=risk.for_clinician(db, actor), names=display_names(db)
    )


@bp.route("/my/concerns")
@requires(Permission.NOTES_REVIEW_OWN)
def about_me(actor: Actor, db: Session) -> str:
    return render_template(
        "risk/mine.html", concerns=risk.about_me(db, actor), names=display_names(db)
    )
