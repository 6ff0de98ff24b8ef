"""Medical record pages. What anyone sees is decided per entry; a refusal looks like absence.

An entry's page also carries the person's own words and correction requests, with the forms to
add them (for the person) and to answer a request (for a clinician who may add to the entry).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.flags import service as flags
from peernotes.language import service as language
from peernotes.records import service as records
from peernotes.records.forms import AmendForm, AnswerForm, EntryForm, StatementForm
from peernotes.records.models import StatementKind
from peernotes.web.paging import page_cursor
from peernotes.web.routes import field_error, requires
from peernotes.wishes import service as wishes
from peernotes.workforce.wellbeing import service as wellbeing
from peernotes.workforce.wellbeing.topics import label as content_note_label

bp = Blueprint("records", __name__)


def _flash_language(db: Session, form: EntryForm | AmendForm) -> None:
    """Recovery-oriented language, as notes show it: each match with a suggestion, after the
    save (never instead of it)."""
    parts = [(f.label.text, f.data or "") for f in (form.title, form.body)]
    for line in language.suggestions(db, parts):
        flash(line, "language")


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
    # Read first: a bad position answers 400 for anyone, never 400 for a person who exists and
    # 404 for one who does not.
    before = page_cursor("before")
    subject = _consumer(db, subject_id)
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
        statements=shown.statements,
        emergency_until=shown.emergency_until,
        nothing_yet=shown.nothing_yet,
        told_flags=flags.told_flags(db, subject.id) if subject.id == actor.id else [],
        # The person's wishes at a transition, for those who may read them (the care team).
        wishes=wishes.on_record(db, actor, subject.id),
    )


@bp.route("/people/<int:subject_id>/record/<int:entry_id>")
@requires(Permission.RECORD_VIEW)
def show_entry(actor: Actor, db: Session, subject_id: int, entry_id: int) -> str:
    return _entry_page(db, actor, subject_id, entry_id)


#: The person's two boxes on their own entry, in the order the page shows them.
_SUBJECT_KINDS = (StatementKind.OWN_WORDS, StatementKind.CORRECTION)


def _entry_page(
    db: Session,
    actor: Actor,
    subject_id: int,
    entry_id: int,
    *,
    statement: StatementForm | None = None,
    answer: tuple[int, AnswerForm] | None = None,
) -> str:
    """The entry's page (a read, logged); `statement` or `answer` is a form sent back with
    what was typed and why it was refused, shown in its place."""
    try:
        entry = records.read_entry(db, actor, subject_id, entry_id)
    except records.NotFound:
        abort(404)
    subject = db.get_one(User, subject_id)
    statement_forms: dict[StatementKind, StatementForm] = {}
    if actor.id == entry.subject_id:
        # Empty boxes are not filled from the request: on a refused post, only the box that
        # was sent keeps its text.
        statement_forms = {k: StatementForm(formdata=None).placed(k) for k in _SUBJECT_KINDS}
        if statement is not None:
            # Shown in the box of the kind it sent (a kind that is neither, in the first box).
            sent = next((k for k in _SUBJECT_KINDS if k == statement.kind.data), _SUBJECT_KINDS[0])
            statement_forms[sent] = statement.placed(sent)
    answer_forms: dict[int, AnswerForm] = {}
    if actor.can(Permission.RECORD_WRITE) and records.may_answer(db, actor, entry):
        # One box per correction request still waiting for an answer.
        answer_forms = {
            s.id: AnswerForm(formdata=None).placed(s.id)
            for s in entry.statements
            if s.kind is StatementKind.CORRECTION and s.answer is None
        }
        if answer is not None and answer[0] in answer_forms:
            answer_forms[answer[0]] = answer[1].placed(answer[0])
    said = [*entry.statements, *(s.answer for s in entry.statements if s.answer)]
    can_amend = actor.can(Permission.RECORD_WRITE) and records.may_write(db, actor, subject_id)
    # Shown to whoever may amend the entry (never blocking, and never to the person or other
    # readers): the same suggestions a save shows, so an older entry can be put kindly too.
    suggestions = (
        language.suggestions(db, [("Title", entry.title), ("Entry", entry.body)])
        if can_amend
        else []
    )
    return render_template(
        "records/entry.html",
        subject=subject,
        entry=entry,
        own=actor.id == entry.subject_id,
        names=display_names(
            db, (entry.author_id, entry.revised_by_id, *(s.author_id for s in said))
        ),
        form=AmendForm(formdata=None),
        can_amend=can_amend,
        suggestions=suggestions,
        statement_forms=statement_forms,
        answer_forms=answer_forms,
        # How it is shown, never whether: folded behind its note for a reader who asked.
        collapsed=wellbeing.collapses(db, actor.id, entry.content_note),
        content_note=content_note_label(entry.content_note),
    )


@bp.route("/people/<int:subject_id>/record/new", methods=["GET", "POST"])
@requires(Permission.RECORD_WRITE)
def write_entry(actor: Actor, db: Session, subject_id: int) -> str | Response:
    subject = _consumer(db, subject_id)
    if not records.may_write_or_logged(db, actor, subject.id):
        abort(404)  # no basis to write here: the form does not exist for them
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
                form.content_note.data or "",
            )
        except records.RecordError as exc:
            field_error(form, exc, "body")
        else:
            flash("The entry is saved in the record.", "info")
            _flash_language(db, form)
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
            subject_id,
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
        if not form.entered_in_error.data:  # else the typed words were not kept: nothing to say
            _flash_language(db, form)
    return redirect(url_for("records.show_entry", subject_id=subject_id, entry_id=entry_id))


@bp.route("/people/<int:subject_id>/record/<int:entry_id>/statements", methods=["POST"])
@requires(Permission.RECORD_VIEW)
def add_statement(actor: Actor, db: Session, subject_id: int, entry_id: int) -> str | Response:
    """The person's own words, or a correction request, on an entry about them. Record pages
    are theirs to open (RECORD_VIEW); that only they may add to this one is the service's
    rule: anyone else gets the 404 of a missing entry, and the attempt is logged."""
    form = StatementForm()
    if not form.validate_on_submit():  # only its CSRF token: the service checks the rest
        abort(400)
    kind = form.kind.data or ""
    try:
        records.add_statement(db, actor, subject_id, entry_id, kind, form.text.data or "")
    except records.NotFound:
        abort(404)
    except records.RecordError as exc:
        field_error(form, exc, "text")
        return _entry_page(db, actor, subject_id, entry_id, statement=form)
    flash(
        "Your request for a correction is added. A clinician will answer it here."
        if kind == StatementKind.CORRECTION
        else "Added. Your words stay with this entry wherever it is shown.",
        "info",
    )
    return redirect(url_for("records.show_entry", subject_id=subject_id, entry_id=entry_id))


@bp.route(
    "/people/<int:subject_id>/record/<int:entry_id>/corrections/<int:correction_id>/answer",
    methods=["POST"],
)
@requires(Permission.RECORD_WRITE)
def answer_correction(
    actor: Actor, db: Session, subject_id: int, entry_id: int, correction_id: int
) -> str | Response:
    form = AnswerForm()
    if not form.validate_on_submit():  # only its CSRF token: the service checks the rest
        abort(400)
    try:
        records.answer_correction(
            db, actor, subject_id, entry_id, correction_id, form.text.data or ""
        )
    except records.NotFound:
        abort(404)
    except records.RecordError as exc:
        if exc.field is None:  # not about what was typed: no such open request
            flash(str(exc), "error")
            return redirect(url_for("records.show_entry", subject_id=subject_id, entry_id=entry_id))
        field_error(form, exc, "text")
        return _entry_page(db, actor, subject_id, entry_id, answer=(correction_id, form))
    flash("Your answer is added beside their request.", "info")
    return redirect(url_for("records.show_entry", subject_id=subject_id, entry_id=entry_id))
