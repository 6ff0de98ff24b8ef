"""Emergency access pages: the clinician's break-the-glass form and the auditors' reviews."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from config import Config
from peernotes.audit.events import Action, Outcome
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.auth.throttle import note_wrong_password, reauth_per_person
from peernotes.emergency import service as emergency
from peernotes.emergency.forms import EmergencyForm, ReviewForm
from peernotes.emergency.models import EmergencyAccess
from peernotes.parsing import parse_id
from peernotes.timefmt import clock
from peernotes.web.routes import field_error, requires

bp = Blueprint("emergency", __name__)


def _config() -> Config:
    config: Config = current_app.config["PEERNOTES"]
    return config


def _minutes() -> int:
    return _config().emergency_access_minutes


def _consumers(db: Session) -> list[SelectChoice]:
    people = db.scalars(
        select(User)
        .where(User.role == Role.CONSUMER, User.active.is_(True))
        .order_by(User.display_name)
    )
    return [SelectChoice("", "Choose…")] + [SelectChoice(str(p.id), p.display_name) for p in people]


@bp.route("/emergency", methods=["GET", "POST"])
@reauth_per_person
@requires(Permission.EMERGENCY_ACCESS)
def start(actor: Actor, db: Session) -> str | Response:
    form = EmergencyForm()
    form.subject.choices = _consumers(db)
    if form.validate_on_submit():
        raw = form.subject.data or ""
        try:
            access = emergency.start(
                db,
                actor,
                parse_id(raw) or 0,
                form.reason.data or "",
                form.password.data or "",
                code=form.code.data or "",
                minutes=_minutes(),
            )
        except emergency.EmergencyError as exc:
            if exc.field in ("password", "code"):
                # A wrong or replayed code counts like a wrong password.
                note_wrong_password()
            field_error(form, exc, "reason")
        else:
            flash(
                f"Emergency access is open until {clock(access.ends_at)}. It is read-only; "
                "every read is logged, shown to the person and reviewed by an auditor.",
                "info",
            )
            return redirect(url_for("records.list_entries", subject_id=access.subject_id))
    return render_template(
        "emergency/start.html",
        form=form,
        uses=emergency.uses(db, clinician_id=actor.id),
        names=display_names(db),
        minutes=_minutes(),
    )


@bp.route("/audit/emergency")
@requires(Permission.EMERGENCY_REVIEW)
def list_reviews(actor: Actor, db: Session) -> str:
    uses = emergency.uses(db)
    record_event(db, actor, Action.AUDIT_LIST, None, None, Outcome.ALLOWED, acting_basis(actor))
    return render_template(
        "emergency/reviews.html",
        waiting=[u for u in uses if u.access.review_outcome is None],
        reviewed=[u for u in uses if u.access.review_outcome is not None],
        names=display_names(db),
    )


@bp.route("/audit/emergency/<int:access_id>", methods=["GET", "POST"])
@requires(Permission.EMERGENCY_REVIEW)
def review(actor: Actor, db: Session, access_id: int) -> str | Response:
    access = db.get(EmergencyAccess, access_id)
    if access is None:
        abort(404)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            emergency.review(db, actor, access.id, form.outcome.data or "", form.comment.data or "")
        except emergency.EmergencyError as exc:
            if exc.field is None:
                flash(str(exc), "error")
            else:
                field_error(form, exc, "comment")
        else:
            flash("Your review is recorded. The consumer can see its outcome.", "info")
            return redirect(url_for("emergency.list_reviews"))
    else:
        record_event(
            db,
            actor,
            Action.AUDIT_VIEW,
            access.subject_id,
            Target("emergency_access", access.id),
            Outcome.ALLOWED,
            acting_basis(actor),
        )
    use = next(
        u for u in emergency.uses(db, subject_id=access.subject_id) if u.access.id == access.id
    )
    zone = ZoneInfo(_config().timezone)
    # The days the window spans, in the service's time: the access log filters by day.
    log_url = url_for(
        "accesslog.list_entries",
        actor_id=access.clinician_id,
        subject_id=access.subject_id,
        date_from=access.starts_at.astimezone(zone).date().isoformat(),
        date_to=access.ends_at.astimezone(zone).date().isoformat(),
    )
    return render_template(
        "emergency/review.html",
        use=use,
        reads=emergency.reads_in_window(db, access),
        log_url=log_url,
        form=form,
        names=display_names(db),
    )
