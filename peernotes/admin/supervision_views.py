"""Coordinators set each peer worker's supervising clinician."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.care import supervision
from peernotes.web import field_error, requires

bp = Blueprint("supervision", __name__)


class SupervisionForm(FlaskForm):
    """Checks live in the service, so that every refusal reads the same."""

    worker = SelectField("Peer worker", validate_choice=False)
    supervisor = SelectField("Supervising clinician", validate_choice=False)


def _id(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


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
    return render_template(
        "admin/supervision.html",
        form=form,
        workers=workers,
        history=supervision.history(db, [w.id for w in workers]),
        names=display_names(db),
    )
