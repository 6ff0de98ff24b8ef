"""Supervision pages, one blueprint.

- Coordinators set each peer worker's supervising clinician, see who has none, and see when
  each last had a supervision session (the date and with whom: never what was said):
  `ADMIN_SUPERVISION`.
- A clinician's dashboard of the peer workers they supervise, a worker's sessions, logging one
  and reading one as the supervisor: `SUPERVISION_LEAD`; which worker and which session is then
  decided by the service (current supervisor, or the one who logged it).
- `/my/supervision` and reading one's own session: `SUPERVISION_VIEW_OWN` (peer workers).

A session or worker someone may not see answers exactly like a missing one, after a denied
entry in the access log.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from peernotes.access.relationships import supervisor_of
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.parsing import parse_id
from peernotes.supervision import service as supervision
from peernotes.supervision import sessions
from peernotes.supervision.forms import SessionForm, SupervisionForm
from peernotes.supervision.models import Supervision
from peernotes.timefmt import local_today
from peernotes.web.routes import field_error, requires

bp = Blueprint("supervision", __name__)


def _id(raw: str | None) -> int:
    return parse_id(raw) or 0


@bp.route("/admin/supervision", methods=["GET", "POST"])
@requires(Permission.ADMIN_SUPERVISION)
def manage(actor: Actor, db: Session) -> str | Response:
    workers = supervision.peer_workers(db)
    form = SupervisionForm()
    form.worker.choices = [SelectChoice("", "Choose…")] + [
        SelectChoice(str(w.id), f"{w.display_name} ({w.role.label})") for w in workers
    ]
    form.supervisor.choices = [SelectChoice("", "Choose…")] + [
        SelectChoice(str(c.id), c.display_name) for c in supervision.clinicians(db)
    ]
    if form.validate_on_submit():
        try:
            row = supervision.set_supervisor(
                db, actor, _id(form.worker.data), _id(form.supervisor.data)
            )
        except supervision.SupervisionError as exc:
            field_error(form, exc, "worker")
        else:
            names = display_names(db, {row.worker_id, row.supervisor_id})
            flash(
                f"{names[row.supervisor_id]} now supervises {names[row.worker_id]}, and co-signs"
                " the concerns they raise from now on.",
                "info",
            )
            return redirect(url_for("supervision.manage"))
    history = supervision.history(db, [w.id for w in workers])
    return render_template(
        "supervision/manage.html",
        form=form,
        workers=workers,
        history=history,
        unsupervised=_unsupervised(db, workers, history),
        last_sessions=sessions.last_sessions(db, [w.id for w in workers]),
        names=display_names(db),
    )


def _unsupervised(
    db: Session, workers: list[User], history: dict[int, list[Supervision]]
) -> list[User]:
    """Workers with no supervisor in force, or whose supervisor's account is deactivated
    (who cannot sign in to co-sign or meet): the rule of `access.relationships.supervisor_of`."""
    active = {c.id for c in supervision.clinicians(db)}  # one query, not one per worker
    return [
        w
        for w in workers
        if not any(r.ended_at is None and r.supervisor_id in active for r in history[w.id])
    ]


# The supervisor's side --------------------------------------------------------------------------


@bp.route("/supervision")
@requires(Permission.SUPERVISION_LEAD)
def dashboard(actor: Actor, db: Session) -> str:
    today = local_today()
    rows = sessions.dashboard(db, actor, today)
    return render_template(
        "supervision/dashboard.html",
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
        "supervision/worker.html",
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
            return redirect(url_for("supervision.show", supervision_session_id=row.id))
    return render_template("supervision/new.html", worker=person, form=form)


@bp.route("/supervision/sessions/<int:supervision_session_id>")
@requires(Permission.SUPERVISION_LEAD)
def show(actor: Actor, db: Session, supervision_session_id: int) -> str:
    return _render(actor, db, supervision_session_id, own=False)


# The worker's side ------------------------------------------------------------------------------


@bp.route("/my/supervision")
@requires(Permission.SUPERVISION_VIEW_OWN)
def mine(actor: Actor, db: Session) -> str:
    found = sessions.sessions_of(db, actor, actor.id)
    supervisor_id = supervisor_of(db, actor.id)
    ids = {s.supervisor_id for s in found} | ({supervisor_id} if supervisor_id else set())
    return render_template(
        "supervision/mine.html",
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
        "supervision/show.html",
        view=view,
        own=own,
        names=display_names(db, {view.summary.worker_id, view.summary.supervisor_id}),
    )
