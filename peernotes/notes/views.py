"""Notes pages: write with someone, review your own, read what was shared with you."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.exceptions import Conflict
from werkzeug.wrappers import Response

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission
from peernotes.language import service as language
from peernotes.notes import labels
from peernotes.notes import service as notes
from peernotes.notes import timeline as timelines
from peernotes.notes.lifecycle import InvalidTransition, Party, State
from peernotes.notes.models import Audience, StatementKind
from peernotes.records import service as records
from peernotes.timefmt import when
from peernotes.web.counts import counts_shown
from peernotes.web.forms import ConfirmForm
from peernotes.web.paging import bad_page_position
from peernotes.web.routes import requires
from peernotes.workforce.wellbeing import service as wellbeing
from peernotes.workforce.wellbeing.topics import CONTENT_NOTES
from peernotes.workforce.wellbeing.topics import collapsed as folded_for

bp = Blueprint("notes", __name__)


class StepRefused(Conflict):
    """An invalid lifecycle step, as an HTTP 409 (so the denial's log entry is committed)."""


@bp.errorhandler(StepRefused)
def _step_refused(exc: StepRefused) -> tuple[str, int]:
    return render_template(
        "errors/error.html", code=409, title="That can't be done now", message=exc.description
    ), 409


def _checked_form() -> None:
    """Every POST here carries the CSRF token (ConfirmForm); the rest is read from the form."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _sections_from_form() -> tuple[list[str], list[str], list[str]]:
    """Headings, bodies and content notes ("" for none), one of each per section. A form
    without content notes (an older page still open) tags nothing."""
    headings, bodies = request.form.getlist("heading"), request.form.getlist("body")
    content_notes = request.form.getlist("content_note") or [""] * len(bodies)
    return headings, bodies, content_notes


def _flash_language(db: Session, sections: list[notes.Section]) -> None:
    """Recovery-oriented language: each match in context, with a suggestion. Never blocks.
    The same check (packaged list and the service's own terms) as record entries and risk
    concerns."""
    for line in language.suggestions(db, [(s.heading, s.body) for s in sections]):
        flash(line, "language")


@bp.route("/notes")
@requires(Permission.NOTES_READ)
def index(actor: Actor, db: Session) -> str:
    try:
        before = notes.ListCursor.parse(request.args.get("before"))
    except ValueError:
        raise bad_page_position() from None
    page = notes.notes_page(db, actor, before=before)
    listed = [*page.waiting, *page.approved, *page.mine, *page.shared]
    names = display_names(
        db, {actor.id, *page.sharers, *(i for n in listed for i in (n.author_id, n.subject_id))}
    )
    candidates: dict[tuple[str, int], list[str]] = {
        ("note", k): v
        for k, v in labels.note_candidates(listed, page.words, actor.id, names, when).items()
    }
    for person in page.sharers:
        text = f"All notes {names.get(person, 'someone')} shared with you"
        candidates["person", person] = [text, f"{text} (person {person})"]
    return render_template(
        "notes/index.html", page=page, names=names, labels=labels.distinct(candidates)
    )


@bp.route("/people/<int:subject_id>/notes/new", methods=["GET", "POST"])
@requires(Permission.NOTES_WRITE)
def new(actor: Actor, db: Session, subject_id: int) -> str | Response:
    subject = db.get(User, subject_id)
    if subject is None or not notes.can_write_for(db, actor, subject.id):
        # Not someone this worker supports: the form does not exist for them.
        notes.log_refused_form(db, actor, subject_id)
        abort(404)
    headings = list(notes.DEFAULT_SECTIONS)
    bodies = [""] * len(headings)
    content_notes = [""] * len(headings)
    error = None
    if request.method == "POST":
        _checked_form()
        headings, bodies, content_notes = _sections_from_form()
        try:
            sections = notes.validate_sections(headings, bodies, content_notes)
            note = notes.create(db, actor, subject.id, sections)
        except notes.NotesError as exc:
            error = str(exc)
        else:
            flash("Draft saved. Only you can see it until you share it.", "info")
            _flash_language(db, sections)
            return redirect(url_for("notes.show", note_id=note.id))
    return render_template(
        "notes/edit.html",
        subject=subject,
        sections=list(zip(headings, bodies, content_notes, strict=False)),
        error=error,
        action=url_for("notes.new", subject_id=subject.id),
        based_on=None,
        content_notes=CONTENT_NOTES,
    )


@bp.route("/notes/<int:note_id>")
@requires(Permission.NOTES_READ)
def show(actor: Actor, db: Session, note_id: int) -> str:
    try:
        view = notes.read(db, actor, note_id)
    except notes.NoteNotFound:
        abort(404)
    can_file = (
        records.contributable(db, actor, view.subject_id)
        if view.party is Party.AUTHOR and view.state is State.SHARED
        else []
    )
    return render_template(
        "notes/show.html",
        note=view,
        can_file=can_file,
        names=display_names(db, {view.author_id, view.subject_id, actor.id}),
        audiences=list(Audience),
        confirm=ConfirmForm(),
        content_notes=CONTENT_NOTES,
        # How each section is shown, never whether: the indexes of the sections folded behind
        # their content note for a reader who asked for that topic folded (`/my/wellbeing`).
        folded=_folded(db, actor, view.sections),
    )


def _folded(db: Session, actor: Actor, sections: list[notes.ShownSection]) -> frozenset[int]:
    if not any(s.content_note for s in sections):
        return frozenset()  # no query at all for an untagged note
    topics = wellbeing.topics_of(db, actor.id)
    return frozenset(i for i, s in enumerate(sections) if folded_for(s.content_note, topics))


@bp.route("/notes/<int:note_id>/save", methods=["POST"])
@requires(Permission.NOTES_WRITE)
def save(actor: Actor, db: Session, note_id: int) -> str | Response | tuple[str, int]:
    _checked_form()
    headings, bodies, content_notes = _sections_from_form()
    based_on = request.form.get("based_on", type=int) or 0
    try:
        sections = notes.validate_sections(headings, bodies, content_notes)
        notes.save(db, actor, note_id, sections, based_on)
    except InvalidTransition as exc:
        raise StepRefused(str(exc)) from exc
    except notes.NoteNotFound:
        abort(404)
    except notes.NotesError as exc:
        flash(str(exc), "error")
        return redirect(url_for("notes.show", note_id=note_id))
    except notes.Conflict as conflict:
        # Nothing is lost: the page shows their newer version and keeps what this person wrote.
        return render_template(
            "notes/conflict.html",
            note_id=note_id,
            theirs=conflict.theirs,
            mine=list(zip(headings, bodies, content_notes, strict=False)),
            current=conflict.current,
            content_notes=CONTENT_NOTES,
        ), 409
    flash("Saved as a new version.", "info")
    _flash_language(db, sections)
    return redirect(url_for("notes.show", note_id=note_id))


def _step(note_id: int, do: object, done: str) -> Response:
    try:
        do()  # type: ignore[operator]
    except InvalidTransition as exc:
        raise StepRefused(str(exc)) from exc
    except notes.NoteNotFound:
        abort(404)
    except notes.NotesError as exc:
        flash(str(exc), "error")
    else:
        flash(done, "info")
    return redirect(url_for("notes.show", note_id=note_id))


@bp.route("/notes/<int:note_id>/propose", methods=["POST"])
@requires(Permission.NOTES_WRITE)
def propose(actor: Actor, db: Session, note_id: int) -> Response:
    _checked_form()
    return _step(
        note_id,
        lambda: notes.propose(db, actor, note_id),
        "Shared for review. They will see it next time they look at their notes.",
    )


@bp.route("/notes/<int:note_id>/withdraw", methods=["POST"])
@requires(Permission.NOTES_WRITE)
def withdraw(actor: Actor, db: Session, note_id: int) -> Response:
    _checked_form()
    return _step(
        note_id, lambda: notes.withdraw(db, actor, note_id), "Withdrawn. It is kept, not deleted."
    )


def _approval_form() -> tuple[list[str], int]:
    """The audience chosen for each section, and the revision that was read."""
    # A count beyond any note's is refused by the service all the same, so it is read no
    # further than one past the largest: a typed 10**30 would otherwise loop for ever here.
    count = min(request.form.get("sections", type=int) or 0, notes.MAX_SECTIONS + 1)
    revision = request.form.get("revision", type=int) or 0
    return [request.form.get(f"audience-{i}", "") for i in range(count)], revision


@bp.route("/notes/<int:note_id>/approve", methods=["POST"])
@requires(Permission.NOTES_REVIEW_OWN)
def approve(actor: Actor, db: Session, note_id: int) -> Response:
    _checked_form()
    audiences, revision = _approval_form()
    return _step(
        note_id,
        lambda: notes.approve(db, actor, note_id, audiences, revision),
        "Approved. Each part is shared only with the people you chose.",
    )


@bp.route("/notes/<int:note_id>/in-person", methods=["POST"])
@requires(Permission.NOTES_WRITE)
def approve_in_person(actor: Actor, db: Session, note_id: int) -> Response:
    _checked_form()
    audiences, revision = _approval_form()
    return _step(
        note_id,
        lambda: notes.approve_in_person(db, actor, note_id, audiences, revision),
        "Recorded as reviewed together in person. They can confirm or dispute it.",
    )


@bp.route("/notes/<int:note_id>/request-changes", methods=["POST"])
@requires(Permission.NOTES_REVIEW_OWN)
def request_changes(actor: Actor, db: Session, note_id: int) -> Response:
    _checked_form()
    comment = request.form.get("comment", "")
    return _step(
        note_id,
        lambda: notes.request_changes(db, actor, note_id, comment),
        "Your request is sent. Nothing is shared until you approve it.",
    )


@bp.route("/notes/<int:note_id>/decline", methods=["POST"])
@requires(Permission.NOTES_REVIEW_OWN)
def decline(actor: Actor, db: Session, note_id: int) -> Response:
    _checked_form()
    comment = request.form.get("comment", "")
    return _step(
        note_id,
        lambda: notes.decline(db, actor, note_id, comment),
        "Declined. It stays between you and the writer, and is not shared.",
    )


@bp.route("/notes/<int:note_id>/in-person/<string:answer>", methods=["POST"])
@requires(Permission.NOTES_REVIEW_OWN)
def review_in_person(actor: Actor, db: Session, note_id: int, answer: str) -> Response:
    _checked_form()
    if answer not in ("confirm", "dispute"):
        abort(404)
    return _step(
        note_id,
        lambda: notes.review_in_person(db, actor, note_id, confirm=answer == "confirm"),
        "Thank you. Your answer is recorded."
        if answer == "confirm"
        else "Recorded. The note is no longer shared until you approve it here.",
    )


@bp.route("/notes/<int:note_id>/statements", methods=["POST"])
@requires(Permission.NOTES_REVIEW_OWN)
def add_statement(actor: Actor, db: Session, note_id: int) -> Response:
    _checked_form()
    kind = request.form.get("kind", StatementKind.OWN_WORDS.value)
    text = request.form.get("text", "")
    return _step(
        note_id,
        lambda: notes.add_statement(db, actor, note_id, kind, text),
        "Added. Your words stay with this note wherever it is shown.",
    )


@bp.route("/notes/<int:note_id>/corrections/<int:correction_id>/reply", methods=["POST"])
@requires(Permission.NOTES_WRITE)
def reply_to_correction(actor: Actor, db: Session, note_id: int, correction_id: int) -> Response:
    _checked_form()
    text = request.form.get("text", "")
    return _step(
        note_id,
        lambda: notes.reply_to_correction(db, actor, note_id, correction_id, text),
        "Your answer is added beside their request.",
    )


@bp.route("/notes/<int:note_id>/file", methods=["POST"])
@requires(Permission.NOTES_WRITE)
def file_section(actor: Actor, db: Session, note_id: int) -> Response:
    _checked_form()
    section = request.form.get("section", type=int)
    category = request.form.get("category", "")
    try:
        entry_id = notes.file_section(
            db, actor, note_id, section if section is not None else -1, category
        )
    except notes.NoteNotFound:
        abort(404)
    except (notes.NotesError, records.RecordError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("notes.show", note_id=note_id))
    flash("Filed in their record as a peer contribution, with where it came from.", "info")
    view = notes.read_subject_id(db, note_id)
    return redirect(url_for("records.show_entry", subject_id=view, entry_id=entry_id))


@bp.route("/people/<int:subject_id>/timeline")
@requires(Permission.NOTES_READ)
def timeline(actor: Actor, db: Session, subject_id: int) -> str:
    subject = db.get(User, subject_id)
    try:
        cursor = timelines.Cursor.parse(request.args.get("before"))
    except ValueError:
        raise bad_page_position() from None
    found = timelines.page(db, actor, subject_id, cursor=cursor, exists=subject is not None)
    if subject is None or not timelines.may_show(db, actor, subject.id, found):
        abort(404)  # nothing shared: the same answer as no such person
    names = display_names(db, {i.author_id for i in found.items} | {subject.id})
    return render_template(
        "notes/timeline.html",
        subject=subject,
        page=found,
        names=names,
        labels=labels.distinct(_timeline_candidates(found, actor.id, subject.id, names)),
        own=subject.id == actor.id,
        # The subject's words on each entry go wherever the entry is listed (counts only).
        statements=records.statement_counts(db, [i.id for i in found.items if i.kind == "record"]),
    )


def _timeline_candidates(
    found: timelines.Page, viewer_id: int, subject_id: int, names: dict[int, str]
) -> dict[tuple[str, int], list[str]]:
    """Link texts for the timeline's items (`labels.distinct`): a note by its first words, a
    record entry by its kind and writer; then with when; then with its number."""
    shown = [
        _TimelineNote(i.id, subject_id, i.author_id, i.at) for i in found.items if i.kind == "note"
    ]
    candidates: dict[tuple[str, int], list[str]] = {
        ("note", k): v
        for k, v in labels.note_candidates(shown, found.words, viewer_id, names, when).items()
    }
    for item in found.items:
        if item.kind == "record":
            text = f"{item.label.capitalize()} by {names.get(item.author_id, 'someone')}"
            dated = f"{text}, {when(item.at)}"
            candidates["record", item.id] = [text, dated, f"{dated} (entry {item.id})"]
    return candidates


@dataclass(frozen=True)
class _TimelineNote:
    id: int
    subject_id: int
    author_id: int
    created_at: datetime | None


@bp.route("/people/<int:subject_id>/notes")
@requires(Permission.NOTES_READ)
def shared_about(actor: Actor, db: Session, subject_id: int) -> str | Response:
    if subject_id == actor.id:
        return redirect(url_for("notes.index"))  # one's own notes, all of them, are there
    subject = db.get(User, subject_id)
    if subject is None:
        abort(404)
    try:
        before = notes.ListCursor.parse(request.args.get("before"))
    except ValueError:
        raise bad_page_position() from None
    found = notes.shared_about(db, actor, subject.id, before=before)
    if not found.notes:
        abort(404)
    names = display_names(db, {subject.id, *(n.author_id for n in found.notes)})
    return render_template(
        "notes/shared.html",
        subject=subject,
        listing=found,
        names=names,
        labels=labels.distinct(
            {
                ("note", k): v
                for k, v in labels.note_candidates(
                    found.notes, found.words, actor.id, names, when
                ).items()
            }
        ),
    )


@bp.app_context_processor
def _notes_waiting() -> dict[str, int]:
    """The count beside "Notes" in the navigation: what waits for this person."""
    from flask_login import current_user

    from peernotes.db import request_session

    if (
        not counts_shown()
        or not current_user.can(Permission.NOTES_REVIEW_OWN)
        and not current_user.can(Permission.NOTES_WRITE)
    ):
        return {}
    return {"notes_waiting": notes.inbox_count(request_session(), int(current_user.id))}
