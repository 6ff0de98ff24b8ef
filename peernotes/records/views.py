"""Medical record pages. What anyone sees is decided per entry; a refusal looks like absence."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.audit.events import Action, Outcome
from peernotes.audit.writer import record_event
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.flags import service as flags
from peernotes.records import service as records
from peernotes.records.forms import AmendForm, EntryForm
from peernotes.records.service import RecordBasis
from peernotes.web.routes import field_error, requires

bp = Blueprint("records", __name__)


def _consumer(db: Session, subject_id: int) -> User:
    subject = db.get(User, subject_id)
    if subject is None or subject.role is not Role.CONSUMER:
        abort(404)
    return subject


@bp.route("/my/record")
@requires(Permission.RECORD_VIEW)
def show_own_record(actor: Actor, db: Session) -> Response:
    return redirect(url_for("records.list_entries", subject_id=actor.id))


@bp.route("/people/<int:subject_id>/record")
@requires(Permission.RECORD_VIEW)
def list_entries(actor: Actor, db: Session, subject_id: int) -> str:
    subject = _consumer(db, subject_id)
    before = request.args.get("before", type=int)
    shown = records.record_page(db, actor, subject.id, before=before)
    if shown is None:
        # Nothing this person may read or write here: the same answer as for a person who
        # does not exist.
        abort(404)
    page = shown.entries
    return render_template(
        "records/list.html",
        subject=subject,
        page=page,
        names=display_names(db, (e.author_id for e in page.entries)),
        own=subject.id == actor.id,
        can_write=shown.can_write,
        in_care=shown.in_care,
        emergency_until=shown.emergency_until,
        told_flags=flags.told_flags(db, subject.id) if subject.id == actor.id else [],
    )


@bp.route("/people/<int:subject_id>/record/<int:entry_id>")
@requires(Permission.RECORD_VIEW)
def show_entry(actor: Actor, db: Session, subject_id: int, entry_id: int) -> str:
    try:
        entry = records.read_entry(db, actor, subject_id, entry_id)
    except records.NotFound:
        abort(404)
    subject = db.get_one(User, subject_id)
    return render_template(
        "records/entry.html",
        subject=subject,
        entry=entry,
        names=display_names(db, (entry.author_id, entry.revised_by_id)),
        form=AmendForm(),
        can_amend=actor.can(Permission.RECORD_WRITE) and records.may_write(db, actor, subject_id),
    )


@bp.route("/people/<int:subject_id>/record/new", methods=["GET", "POST"])
@requires(Permission.RECORD_WRITE)
def write_entry(actor: Actor, db: Session, subject_id: int) -> str | Response:
    subject = _consumer(db, subject_id)
    if not records.may_write(db, actor, subject.id):
        # No basis to write here: the form does not exist for them (nor does the name).
        record_event(
            db,
            actor,
            Action.RECORD_WRITE,
            subject.id,
            None,
            Outcome.DENIED,
            RecordBasis.NO_BASIS_TO_WRITE,
        )
        abort(404)
    form = EntryForm()
    if form.validate_on_submit():
        try:
            entry = records.write_entry(
                db,
                actor,
                subject,
                form.category.data or "",
                form.title.data or "",
                form.body.data or "",
            )
        except records.RecordError as exc:
            field_error(form, exc, "body")
        else:
            flash("The entry is saved in the record.", "info")
            return redirect(url_for("records.show_entry", subject_id=subject.id, entry_id=entry.id))
    return render_template("records/new.html", subject=subject, form=form)


@bp.route("/people/<int:subject_id>/record/<int:entry_id>/amend", methods=["POST"])
@requires(Permission.RECORD_WRITE)
def amend_entry(actor: Actor, db: Session, subject_id: int, entry_id: int) -> Response:
    form = AmendForm()
    if not form.validate_on_submit():
        flash("Say why you are changing the entry.", "error")
        return redirect(url_for("records.show_entry", subject_id=subject_id, entry_id=entry_id))
    try:
        records.amend_entry(
            db,
            actor,
            entry_id,
            form.title.data or "",
            form.body.data or "",
            form.reason.data or "",
            entered_in_error=bool(form.entered_in_error.data),
        )
    except records.NotFound:
        abort(404)
    except records.RecordError as exc:
        flash(str(exc), "error")
    else:
        flash("The entry is amended. The earlier version is kept.", "info")
    return redirect(url_for("records.show_entry", subject_id=subject_id, entry_id=entry_id))
