"""`/api/v1/notes`: co-authored notes, written with a person and approved by them.

Each endpoint makes the notes pages' own calls (`notes.service`): the same lifecycle, the same
decision on who may read what, the same access-log entries. A note the caller may not see is a
404, as a missing one. A step the note's state does not allow is a 409 `invalid_transition`;
a revision based on one that is no longer the newest is a 409 `conflict`, and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from peernotes.api.blueprint import bp
from peernotes.api.endpoint import api_endpoint
from peernotes.api.errors import ApiError
from peernotes.api.paging import decode_cursor, encode_cursor
from peernotes.api.schemas.common import ErrorOut
from peernotes.api.schemas.notes import (
    ApproveBody,
    AudienceName,
    NoBody,
    NoteCreateBody,
    NoteEventOut,
    NoteOut,
    NotesPageOut,
    NotesQuery,
    NoteStatementOut,
    NoteSummaryOut,
    NoteWrittenOut,
    ReviewBody,
    RevisionBody,
    SectionIn,
    SectionOut,
)
from peernotes.api.spec import answers, spec
from peernotes.auth.actor import Actor
from peernotes.auth.api_tokens import TokenScope
from peernotes.auth.roles import Permission
from peernotes.notes import service as notes
from peernotes.notes.lifecycle import InvalidTransition, State
from peernotes.notes.models import Audience, Note

__all__ = ["bp"]

_TAGS = ["notes"]
#: What a step answers: where the note stands, or 409 when its state (or a newer revision)
#: stands in the way.
_STEP_ANSWERS = answers(HTTP_200=NoteWrittenOut, HTTP_409=ErrorOut)
_AUDIENCES: dict[Audience, AudienceName] = {
    Audience.JUST_US: "just_us",
    Audience.CARE_TEAM: "care_team",
}
_BAD_CURSOR = "That cursor isn't one we gave out. Start again from the first page."


def _cursor(token: str | None) -> notes.ListCursor | None:
    if token is None:
        return None
    at, ident = decode_cursor(token, "time", "id")
    assert isinstance(at, datetime) and isinstance(ident, int)
    try:
        # The notes page's own check of a position: an aware time, an id in range.
        return notes.ListCursor.parse(f"{at.isoformat()}|{ident}")
    except ValueError:
        raise ApiError(400, "bad_cursor", _BAD_CURSOR, "cursor") from None


def _summary(note: notes.NoteSummary, words: dict[int, str]) -> NoteSummaryOut:
    return NoteSummaryOut(
        id=note.id,
        kind=note.kind.value,
        subject_id=note.subject_id,
        author_id=note.author_id,
        state=note.state.value,
        updated_at=note.updated_at,
        created_at=note.created_at,
        approved_at=note.approved_at,
        in_person=note.in_person.value if note.in_person is not None else None,
        first_words=words.get(note.id),
    )


def _shared_summary(note: notes.NoteSummary, words: dict[int, str]) -> NoteSummaryOut:
    """A note someone else shared with the reader, as the page lists it: the version they
    approved, when they approved it. Not the note's live state or its last edit: that the
    writer is amending it, or that the person asked for changes, is not the reader's to know."""
    return _summary(note, words).model_copy(
        update={
            "state": State.SHARED.value,
            "updated_at": note.approved_at or note.created_at or note.updated_at,
        }
    )


def _written(note: Note) -> NoteWrittenOut:
    return NoteWrittenOut(
        id=note.id,
        kind=note.kind.value,
        subject_id=note.subject_id,
        author_id=note.author_id,
        state=note.state.value,
        revision=note.current_revision,
        approved_revision=note.approved_revision,
    )


def _sections(sent: list[SectionIn]) -> list[notes.Section]:
    # The pages' own check (`validate_sections`): trimmed, within the limits, not all empty.
    return notes.validate_sections(
        [s.heading for s in sent], [s.body for s in sent], [s.content_note or "" for s in sent]
    )


def _step(do: Callable[[], Note]) -> NoteWrittenOut:
    """Run one lifecycle step as the pages do, answering their refusals in the API's shape."""
    try:
        return _written(do())
    except InvalidTransition as exc:
        raise ApiError(409, "invalid_transition", str(exc)) from None
    except notes.NoteNotFound:
        raise ApiError(404) from None


@bp.get("/notes")
@api_endpoint(Permission.NOTES_READ)
@spec.validate(query=NotesQuery, resp=answers(HTTP_200=NotesPageOut), tags=_TAGS)
def list_notes(actor: Actor, db: Session, query: NotesQuery) -> NotesPageOut:
    """Your notes, as your notes page shows them.

    `items`: the notes you wrote or that are about you, 25 a page, newest change first; pass
    `next` as `cursor` for older ones. On the first page also: what waits for you, what was
    approved lately, and notes others shared with you. Each note's first words are shown when
    you may read any of it, and each showing is logged as a read, as on the page."""
    before = _cursor(query.cursor)
    page = notes.notes_page(db, actor, before=before)
    older = page.older
    return NotesPageOut(
        items=[_summary(n, page.words) for n in page.mine],
        next=encode_cursor(older.at, older.id) if older is not None else None,
        waiting=[_summary(n, page.words) for n in page.waiting],
        waiting_total=page.waiting_total,
        approved=[_summary(n, page.words) for n in page.approved],
        shared=[_shared_summary(n, page.words) for n in page.shared],
    )


@bp.get("/notes/<int:note_id>")
@api_endpoint(Permission.NOTES_READ)
@spec.validate(resp=answers(HTTP_200=NoteOut), tags=_TAGS)
def get_note(actor: Actor, db: Session, note_id: int) -> NoteOut:
    """One note, as you may see it.

    Its writer and the person it is about see all of it, newest revision; anyone else sees
    only the sections shared with the care team, of the revision the person approved. Logged
    as a read. A note you may not see answers 404, exactly as one that does not exist."""
    try:
        view = notes.read(db, actor, note_id)
    except notes.NoteNotFound:
        raise ApiError(404) from None
    return NoteOut(
        id=view.id,
        kind=view.kind.value,
        subject_id=view.subject_id,
        author_id=view.author_id,
        state=view.state.value,
        party=view.party.value,
        revision=view.revision,
        sections=[
            SectionOut(
                heading=s.heading,
                body=s.body,
                audience=_AUDIENCES[s.audience] if s.audience is not None else None,
                content_note=s.content_note,
            )
            for s in view.sections
        ],
        approved_revision=view.approved_revision,
        approved_at=view.approved_at,
        in_person=view.in_person.value if view.in_person is not None else None,
        statements=[
            NoteStatementOut(
                id=s.id,
                replies_to_id=s.replies_to_id,
                kind=s.kind.value,
                author_id=s.author_id,
                created_at=s.created_at,
                text=s.text,
            )
            for s in view.statements
        ],
        events=[
            NoteEventOut(
                action=e.action.value,
                actor_id=e.actor_id,
                created_at=e.created_at,
                revision=e.revision,
                comment=e.comment,
            )
            for e in view.events
        ],
        withheld=view.withheld,
    )


@bp.post("/notes")
@api_endpoint(Permission.NOTES_WRITE, TokenScope.WRITE)
@spec.validate(json=NoteCreateBody, resp=answers(HTTP_201=NoteWrittenOut), tags=_TAGS)
def create_note(actor: Actor, db: Session, json: NoteCreateBody) -> tuple[NoteWrittenOut, int]:
    """Start a draft note with a person you support.

    For peer workers. The note is yours alone until you propose it. Its writer, time and
    state are set here; a body naming them is refused. A person you do not support answers
    404, as one who does not exist."""
    if not notes.can_write_for(db, actor, json.subject_id):
        # As the web form: not someone this worker supports, so the form is not there.
        notes.log_refused_form(db, actor, json.subject_id)
        raise ApiError(404)
    note = notes.create(db, actor, json.subject_id, _sections(json.sections))
    return _written(note), 201


@bp.post("/notes/<int:note_id>/revisions")
@api_endpoint(Permission.NOTES_WRITE, TokenScope.WRITE)
@spec.validate(json=RevisionBody, resp=_STEP_ANSWERS, tags=_TAGS)
def revise_note(actor: Actor, db: Session, note_id: int, json: RevisionBody) -> NoteWrittenOut:
    """Save new words as the note's next revision.

    For its writer. Send the revision you last read as `based_on`: if the note changed since,
    nothing is stored and the answer is 409 `conflict`; read the note again and merge.
    Editing a shared note sends it back to the person for approval."""
    sections = _sections(json.sections)
    try:
        return _step(lambda: notes.save(db, actor, note_id, sections, json.based_on))
    except notes.Conflict as conflict:
        raise ApiError(
            409,
            "conflict",
            f"The note changed since revision {json.based_on}: its newest is revision"
            f" {conflict.current}. Read it again, then save your words on top of it.",
            "based_on",
        ) from None


@bp.post("/notes/<int:note_id>/propose")
@api_endpoint(Permission.NOTES_WRITE, TokenScope.WRITE)
@spec.validate(json=NoBody, resp=_STEP_ANSWERS, tags=_TAGS)
def propose_note(actor: Actor, db: Session, note_id: int, json: NoBody) -> NoteWrittenOut:
    """Propose the note to the person it is about.

    For its writer: the newest revision goes to the person to review. Nothing of it is shared
    further until they approve it. A step the note's state does not allow is a 409."""
    return _step(lambda: notes.propose(db, actor, note_id))


@bp.post("/notes/<int:note_id>/review")
@api_endpoint(Permission.NOTES_REVIEW_OWN, TokenScope.WRITE)
@spec.validate(json=ReviewBody, resp=_STEP_ANSWERS, tags=_TAGS)
def review_note(actor: Actor, db: Session, note_id: int, json: ReviewBody) -> NoteWrittenOut:
    """Answer a note about you: ask for changes, decline it, or add your words.

    `request_changes` (say what in `text`) or `decline` a proposed note; or add `own_words` or
    a `correction` request to a shared one, kept beside the note wherever it is shown. A step
    the note's state does not allow is a 409."""
    if json.kind == "request_changes":
        return _step(lambda: notes.request_changes(db, actor, note_id, json.text))
    if json.kind == "decline":
        return _step(lambda: notes.decline(db, actor, note_id, json.text))

    def add() -> Note:
        notes.add_statement(db, actor, note_id, json.kind, json.text)
        return db.get_one(Note, note_id)

    return _step(add)


@bp.post("/notes/<int:note_id>/approve")
@api_endpoint(Permission.NOTES_REVIEW_OWN, TokenScope.WRITE)
@spec.validate(json=ApproveBody, resp=_STEP_ANSWERS, tags=_TAGS)
def approve_note(actor: Actor, db: Session, note_id: int, json: ApproveBody) -> NoteWrittenOut:
    """Approve a note about you, choosing who sees each section.

    Send the revision you read as `revision`, and one audience per section, in order:
    `just_us` (you and the writer) or `care_team` (also those your consent lets read it).
    Only then is anything of it shared."""
    audiences: list[str] = list(json.audiences)
    return _step(lambda: notes.approve(db, actor, note_id, audiences, json.revision))
