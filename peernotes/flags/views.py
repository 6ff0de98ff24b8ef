"""Safety-flag pages, for clinicians in a consumer's care."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.audit.events import Action
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission, Role
from peernotes.flags import service as flags
from peernotes.flags.forms import FlagForm
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import field_error, person_in_care_or_404, requires

bp = Blueprint("flags", __name__)


@bp.route("/people/<int:subject_id>/safety", methods=["GET", "POST"])
@requires(Permission.SAFETY_FLAG_MANAGE)
def manage(actor: Actor, db: Session, subject_id: int) -> str | Response:
    subject = person_in_care_or_404(db, actor, subject_id, Action.ACCESS_DENIED, Role.CONSUMER)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            flags.set_flag(
                db,
                actor,
                subject.id,
                form.kind.data or "",
                form.reason.data or "",
                not_told_because=(form.not_told_because.data or "")
                if form.do_not_tell.data
                else None,
            )
        except flags.FlagError as exc:
            field_error(form, exc, "reason")
        else:
            flash(
                "The safety flag is set. Carers and carer peer workers can no longer see "
                f"anything of {subject.display_name}'s.",
                "info",
            )
            return redirect(url_for("flags.manage", subject_id=subject.id))
    return render_template(
        "flags/manage.html",
        subject=subject,
        form=form,
        flags=flags.flags_of(db, subject.id),
        labels=flags.FLAG_LABELS,
        names=display_names(db),
        confirm=ConfirmForm(),
    )


@bp.route("/people/<int:subject_id>/safety/<int:flag_id>/lift", methods=["POST"])
@requires(Permission.SAFETY_FLAG_MANAGE)
def lift(actor: Actor, db: Session, subject_id: int, flag_id: int) -> Response:
    subject = person_in_care_or_404(db, actor, subject_id, Action.ACCESS_DENIED, Role.CONSUMER)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        flags.lift_flag(db, actor, subject.id, flag_id)
    except LookupError:
        abort(404)
    flash("The safety flag is lifted. Access follows the person's consent again.", "info")
    return redirect(url_for("flags.manage", subject_id=subject.id))
