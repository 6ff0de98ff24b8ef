"""Coordinators record peer workers' training, by form or by CSV import; the consent gate
reads it. Peer workers see their own status at /my/training."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.parsing import parse_id
from peernotes.timefmt import local_today
from peernotes.training import imports as training_import
from peernotes.training import service as training
from peernotes.training.forms import ImportForm, TrainingForm
from peernotes.web.routes import field_error, requires

bp = Blueprint("training", __name__)


@bp.route("/admin/training", methods=["GET", "POST"])
@requires(Permission.ADMIN_TRAINING)
def manage(actor: Actor, db: Session) -> str | Response:
    workers = training.peer_workers(db)
    form = TrainingForm()
    form.person.choices = [SelectChoice("", "Choose…")] + [
        SelectChoice(str(w.id), f"{w.display_name} ({w.role.label})") for w in workers
    ]
    # "Today" where the service is: a module finished this morning in Melbourne is not in
    # the future just because it is still yesterday in UTC.
    today = local_today()
    if form.is_submitted() and not form.validate():
        # Only a date that is not a date gets here (Optional lets empty ones through).
        for name in ("completed_on", "expires_on"):
            if getattr(form, name).errors:
                getattr(form, name).errors[:] = ["Enter a date, for example 2026-05-03."]
    elif form.is_submitted():
        raw = form.person.data or ""
        try:
            training.record(
                db,
                actor,
                parse_id(raw) or 0,
                form.module.data or "",
                form.completed_on.data,
                form.expires_on.data,
                today=today,
            )
        except training.TrainingError as exc:
            field_error(form, exc, "person")
        else:
            flash("The training record is saved.", "info")
            return redirect(url_for("training.manage"))
    expiring, lapsed = training.needing_attention(db, today)
    return render_template(
        "training/manage.html",
        form=form,
        workers=workers,
        status=training.status_of(db, [w.id for w in workers], today),
        labels=training.MODULE_LABELS,
        expiring=expiring,
        lapsed=lapsed,
        today=today,
        warn_days=training.WARN_DAYS,
    )


@bp.route("/admin/training/import", methods=["GET", "POST"])
@requires(Permission.ADMIN_TRAINING)
def import_csv(actor: Actor, db: Session) -> str | Response:
    form = ImportForm()
    problems: list[training_import.Problem] = []
    if form.validate_on_submit():
        upload = form.file.data
        # Read one byte past the limit: enough to know it is too big, never the whole file.
        data = upload.read(training_import.MAX_BYTES + 1) if upload else b""
        try:
            summary = training_import.import_csv(db, actor, data, today=local_today())
        except training_import.ImportRefused as exc:
            problems = exc.problems
            field_error(form, exc, "file")
        else:
            flash(
                f"Imported {summary.stored} training record{'s' if summary.stored != 1 else ''}"
                f" for {summary.people} peer worker{'s' if summary.people != 1 else ''}: "
                + ", ".join(sorted({name for name, _, _ in summary.rows}))
                + ".",
                "info",
            )
            return redirect(url_for("training.manage"))
    return render_template(
        "training/import.html",
        form=form,
        problems=problems,
        columns=training_import.COLUMNS,
        modules=[m.value for m in training.MODULE_LABELS],
    )


@bp.route("/my/training")
@requires(Permission.PROFILE_OWN)
def mine(actor: Actor, db: Session) -> str:
    today = local_today()
    states = training.status_of(db, [actor.id], today)[actor.id]
    return render_template(
        "training/mine.html",
        states=states,
        messages=training.explain(states, today),
        labels=training.MODULE_LABELS,
        warn_days=training.WARN_DAYS,
    )
