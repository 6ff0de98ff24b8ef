"""Supervision pages: a clinician's dashboard of the peer workers they supervise, logging a
session, and reading sessions; and the worker's own supervision page.

Which permission guards which page:
  - the dashboard, a worker's sessions, logging one and reading one as the supervisor:
    `SUPERVISION_LEAD` (clinicians); which worker and which session is then decided by the
    service (current supervisor, or the one who logged it);
  - `/my/supervision` and reading one's own session: `SUPERVISION_VIEW_OWN` (peer workers).
A session or worker someone may not see answers exactly like a missing one, after a denied
entry in the access log.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import DateField, TextAreaField
from wtforms.validators import Optional

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.care import supervision
from peernotes.timefmt import local_today
from peernotes.web.routes import field_error, requires
from peernotes.workforce import supervision_sessions as sessions

bp = Blueprint("supervising", __name__)


class SessionForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    held_on = DateField("Date of the session", validators=[Optional()])
    topics = TextAreaField(
        sessions.FIELD_LABELS["topics"],
        description="The themes, not the people: say 'a consumer', not their name.",
    )
    wellbeing = TextAreaField(
        sessions.FIELD_LABELS["wellbeing"],
        description="How they are, in their words where you can. Only they and you read this.",
    )
    actions = TextAreaField(
        sessions.FIELD_LABELS["actions"],
        description="What each of you will do before the next session.",
    )


# The supervisor's side --------------------------------------------------------------------------


@bp.route("/supervision")
@requires(Permission.SUPERVISION_LEAD)
def dashboard(actor: Actor, db: Session) -> str:
    today = local_today()
    rows = sessions.dashboard(db, actor, today)
    return render_template(
        "workforce/supervision/dashboard.html",
        rows=rows,
        today=today,
        overdue_days=sessions.OVERDUE_DAYS,
        review_days=sessions.REVIEW_WITHIN_DAYS,
        # Only the people the page names: a service's every account would grow with it.
        names=display_names(
            db,
            {r.last.supervisor_id for r in rows if r.last}
            | {c.subject_id for r in rows for c in r.concerns}
            | {a.subject_id for r in rows for a in r.agreements_due}
            | {c.subject_id for r in rows for c in r.flagged_contacts},
        ),
        # Agreements link to their page once that page exists.
        has_agreement_page="agreements.show" in current_app.view_functions,
    )


@bp.route("/supervision/workers/<int:worker_id>")
@requires(Permission.SUPERVISION_LEAD)
def worker(actor: Actor, db: Session, worker_id: int) -> str:
    try:
        found = sessions.sessions_of(db, actor, worker_id)
    except sessions.SessionNotFound:
        abort(404)
    return render_template(
        "workforce/supervision/worker.html",
        worker_id=worker_id,
        sessions=found,
        may_log=sessions.supervises_now(db, actor, worker_id),
        names=display_names(db, {worker_id, *(s.supervisor_id for s in found)}),
    )


@bp.route("/supervision/workers/<int:worker_id>/sessions/new", methods=["GET", "POST"])
@requires(Permission.SUPERVISION_LEAD)
def log_session(actor: Actor, db: Session, worker_id: int) -> str | Response:
    try:
        person = sessions.worker_to_log_for(db, actor, worker_id)
    except sessions.SessionNotFound:
        abort(404)
    form = SessionForm()
    if form.is_submitted() and not form.validate():
        if form.csrf_token.errors:
            abort(400)
        # Only a date that is not a date gets here (Optional lets an empty one through).
        form.held_on.errors = ["Enter a date, for example 2026-05-03."]
    elif form.is_submitted():
        try:
            row = sessions.log_session(
                db,
                actor,
                person.id,
                form.held_on.data,
                form.topics.data or "",
                form.wellbeing.data or "",
                form.actions.data or "",
                today=local_today(),
            )
        except sessions.SessionNotFound:
            abort(404)
        except sessions.SessionError as exc:
            field_error(form, exc, "held_on")
        else:
            flash(
                f"The session is logged. {person.display_name} can read it on their"
                " supervision page.",
                "info",
            )
            return redirect(url_for("supervising.show", supervision_session_id=row.id))
    return render_template("workforce/supervision/new.html", worker=person, form=form)


@bp.route("/supervision/sessions/<int:supervision_session_id>")
@requires(Permission.SUPERVISION_LEAD)
def show(actor: Actor, db: Session, supervision_session_id: int) -> str:
    return _render(actor, db, supervision_session_id, own=False)


# The worker's side ------------------------------------------------------------------------------


@bp.route("/my/supervision")
@requires(Permission.SUPERVISION_VIEW_OWN)
def mine(actor: Actor, db: Session) -> str:
    found = sessions.sessions_of(db, actor, actor.id)
    supervisor_id = supervision.current_supervisor_id(db, actor.id)
    ids = {s.supervisor_id for s in found} | ({supervisor_id} if supervisor_id else set())
    return render_template(
        "workforce/supervision/mine.html",
        sessions=found,
        supervisor_id=supervisor_id,
        names=display_names(db, ids),
    )


@bp.route("/my/supervision/<int:supervision_session_id>")
@requires(Permission.SUPERVISION_VIEW_OWN)
def show_own(actor: Actor, db: Session, supervision_session_id: int) -> str:
    return _render(actor, db, supervision_session_id, own=True)


def _render(actor: Actor, db: Session, session_id: int, *, own: bool) -> str:
    try:
        view = sessions.read(db, actor, session_id)
    except sessions.SessionNotFound:
        abort(404)
    return render_template(
        "workforce/supervision/show.html",
        view=view,
        own=own,
        names=display_names(db, {view.summary.worker_id, view.summary.supervisor_id}),
    )
