"""Coordinators set each peer worker's supervising clinician, see who has none, and see when each
last had a supervision session (the date and with whom: never what was said)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.care import supervision
from peernotes.care.models import Supervision
from peernotes.parsing import parse_id
from peernotes.web.routes import field_error, requires
from peernotes.workforce import supervision_sessions

bp = Blueprint("supervision", __name__)


class SupervisionForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    worker = SelectField("Peer worker", validate_choice=False)
    supervisor = SelectField("Supervising clinician", validate_choice=False)


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
        "admin/supervision.html",
        form=form,
        workers=workers,
        history=history,
        unsupervised=_unsupervised(db, workers, history),
        last_sessions=supervision_sessions.last_sessions(db, [w.id for w in workers]),
        names=display_names(db),
    )


def _unsupervised(
    db: Session, workers: list[User], history: dict[int, list[Supervision]]
) -> list[User]:
    """Workers with no supervisor in force, or whose supervisor's account is deactivated
    (who cannot sign in to co-sign or meet): the same rule as `current_supervisor_id`."""
    active = {c.id for c in supervision.clinicians(db)}  # one query, not one per worker
    return [
        w
        for w in workers
        if not any(r.ended_at is None and r.supervisor_id in active for r in history[w.id])
    ]
