"""A consumer's own pages: their carers, and who can see their information."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import Target, record_event
from peernotes.auth import accounts
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, has_permission
from peernotes.care import service as care
from peernotes.care import sharing
from peernotes.care.forms import NominateCarerForm
from peernotes.care.models import CarerNomination
from peernotes.db import utcnow
from peernotes.flags.service import told_flags
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires

bp = Blueprint("care", __name__, url_prefix="/my")


@bp.route("/carers", methods=["GET", "POST"])
@requires(Permission.CARERS_NOMINATE)
def manage_carers(actor: Actor, db: Session) -> str | Response:
    form = NominateCarerForm()
    if form.validate_on_submit():
        consumer = db.get_one(User, actor.id)
        carer = accounts.find_by_email(db, form.email.data or "")
        try:
            care.nominate_carer(
                db,
                consumer=consumer,
                carer=carer,
                relationship_label=form.relationship_label.data or "",
                by=actor,
            )
        except care.CareError as exc:
            field_error(form, exc, "email")
        else:
            flash(
                "Your carer has been added. They can't see any of your information "
                "until you choose to share it.",
                "info",
            )
            return redirect(url_for("care.manage_carers"))
    return render_template(
        "care/carers.html",
        form=form,
        end_form=ConfirmForm(),
        carers=care.nominations_by(db, actor.id),
        told_flags=told_flags(db, actor.id),
    )


@bp.route("/carers/<int:nomination_id>/end", methods=["POST"])
@requires(Permission.CARERS_NOMINATE)
def end_carer(actor: Actor, db: Session, nomination_id: int) -> Response:
    nomination = db.get(CarerNomination, nomination_id)
    # Scoped to the consumer: someone else's nomination answers exactly like a missing one,
    # and the attempt is on record (on the owner's page too, when there is an owner).
    if nomination is None or nomination.consumer_id != actor.id:
        record_event(
            db,
            actor,
            Action.CARER_NOMINATION_END,
            nomination.consumer_id if nomination else None,
            Target("carer_nomination", nomination_id),
            Outcome.DENIED,
            Basis.NOT_FOUND,
        )
        abort(404)

    def end() -> str:
        care.end_nomination(db, nomination, by=actor)
        return f"{nomination.carer.display_name} is no longer listed as your carer."

    return confirmed_action(end, url_for("care.manage_carers"))


@bp.route("/sharing")
@requires(Permission.SHARING_VIEW_OWN)
def show_sharing(actor: Actor, db: Session) -> str:
    """The top of "Privacy and sharing": the map of who can read what, and why."""
    now = utcnow()
    me = db.get_one(User, actor.id)
    shared = sharing.sharing_map(db, me, now)
    return render_template(
        "care/sharing.html",
        care_team=care.care_team(db, actor.id, now),
        carers=care.nominations_by(db, actor.id),
        nominates_carers=has_permission(me.role, Permission.CARERS_NOMINATE),
        told_flags=told_flags(db, actor.id),
        sharing=shared,
        reads=sharing.readers_of(shared),
    )
