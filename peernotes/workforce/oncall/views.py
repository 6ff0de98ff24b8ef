"""The coordinator's on-call roster for carer peer workers. Carers see who is on call on their
home page (`peernotes.home`)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.db import utcnow
from peernotes.parsing import parse_id
from peernotes.timefmt import zone
from peernotes.web.forms import ConfirmForm
from peernotes.web.routes import confirmed_action, field_error, requires
from peernotes.workforce.oncall import service as oncall
from peernotes.workforce.oncall.forms import SlotForm

bp = Blueprint("oncall", __name__)


@bp.route("/admin/on-call", methods=["GET", "POST"])
@requires(Permission.ADMIN_ON_CALL)
def manage(actor: Actor, db: Session) -> str | Response:
    form = SlotForm()
    form.worker.choices = [SelectChoice("", "Choose…")] + [
        SelectChoice(str(w.id), w.display_name) for w in oncall.workers(db)
    ]
    if form.validate_on_submit():
        try:
            oncall.add_slot(
                db,
                actor,
                parse_id(form.worker.data or "") or 0,
                form.weekday.data or "",
                form.start.data or "",
                form.end.data or "",
                form.reach.data or "",
            )
        except oncall.OnCallError as exc:
            field_error(form, exc, "worker")
        else:
            flash("The on-call time is set. Carers see it on their home page.", "info")
            return redirect(url_for("oncall.manage"))
    return render_template(
        "workforce/oncall/manage.html",
        form=form,
        rows=oncall.roster(db),
        on_call=oncall.on_call(db, actor, utcnow().astimezone(zone())),
        zone_name=str(zone()),
        confirm=ConfirmForm(),
    )


@bp.route("/admin/on-call/<int:slot_id>/end", methods=["POST"])
@requires(Permission.ADMIN_ON_CALL)
def end(actor: Actor, db: Session, slot_id: int) -> Response:
    def run() -> str:
        oncall.end_slot(db, actor, slot_id)
        return "That on-call time has ended. It stays on record, and carers no longer see it."

    return confirmed_action(run, url_for("oncall.manage"))
