"""Writing notes and moving them through their lifecycle (draft, propose, approve, ...)."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from peernotes.access.objects import ObjectBasis
from peernotes.audit.events import Action, Outcome
from peernotes.audit.steps import step
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import may_support
from peernotes.db import utcnow
from peernotes.notes.lifecycle import InvalidTransition, NoteAction, Party, State
from peernotes.notes.models import (
    Audience,
    InPersonReview,
    Note,
    NoteRevision,
    NoteSectionAudience,
    StatementKind,
)
from peernotes.notes.service.parties import (
    _add_statement_row,
    _allowed,
    _in_care,
    _load_for,
    _log,
    _move,
    party,
)
from peernotes.notes.service.sealing import (
    _open_revision,
    _seal_sections,
    enter_record,
    start_in_peer_space,
)
from peernotes.notes.service.sections import (
    MAX_COMMENT,
    NOTE_KIND_FOR,
    WRITERS,
    Conflict,
    NoteBasis,
    NotesError,
    Section,
    _checked,
    _comment,
)


def can_write_for(db: Session, by: Acting, subject_id: int) -> bool:
    """A peer worker writes notes only with a subject of their kind in their active care."""
    subject = db.get(User, subject_id)
    return (
        subject is not None
        and by.role in WRITERS
        and subject.role in NOTE_KIND_FOR
        and may_support(by.role, subject.role)
        and _in_care(db, by, subject.id)
    )


def log_refused_form(db: Session, by: Acting, subject_id: int) -> None:
    subject = db.get(User, subject_id)
    _log(
        db,
        by,
        Action.NOTE_CREATE,
        None,
        subject.id if subject else None,
        Outcome.DENIED,
        ObjectBasis.NO_CARE_ASSIGNMENT,
    )


@step
def create(db: Session, by: Acting, subject_id: int, sections: list[Section]) -> Note:
    """A worker starts a note with someone in their care. It is a draft: theirs alone.

    Raises:
        NotesError: not a peer worker of this person (logged), or bad input (nothing stored).
    """
    if not can_write_for(db, by, subject_id):
        log_refused_form(db, by, subject_id)
        raise NotesError("You can write notes only with people you support.")
    sections = _checked(sections)
    subject = db.get(User, subject_id)
    assert by.id is not None and subject is not None
    kind = NOTE_KIND_FOR[subject.role]
    note = Note(
        kind=kind,
        subject_id=subject_id,
        author_id=by.id,
        state=State.DRAFT,
        current_revision=1,
    )
    db.add(note)
    db.flush()
    start_in_peer_space(db, note)
    db.add(
        NoteRevision(
            note_id=note.id,
            number=1,
            author_id=by.id,
            ciphertext=_seal_sections(db, note, 1, sections),
        )
    )
    db.flush()
    _log(db, by, Action.NOTE_CREATE, note, subject_id, Outcome.ALLOWED, Party.AUTHOR.value)
    return note


@step
def save(db: Session, by: Acting, note_id: int, sections: list[Section], based_on: int) -> Note:
    """A new revision of the note's words. `based_on` is the revision the writer opened.

    Raises:
        NoteNotFound: not theirs (logged).
        InvalidTransition: it can no longer be edited (logged).
        Conflict: someone saved in between; nothing is stored, and the writer's text is kept.
    """
    note = _load_for(db, by, note_id, NoteAction.SAVE)
    _allowed(db, by, note, NoteAction.SAVE)
    sections = _checked(sections)
    if based_on != note.current_revision:
        theirs, _ = _open_revision(db, note, note.current_revision)
        raise Conflict(theirs, note.current_revision)
    number = note.current_revision + 1
    assert by.id is not None
    db.add(
        NoteRevision(
            note_id=note.id,
            number=number,
            author_id=by.id,
            ciphertext=_seal_sections(db, note, number, sections),
        )
    )
    note.current_revision = number
    _move(db, by, note, NoteAction.SAVE)
    return note


@step
def propose(db: Session, by: Acting, note_id: int) -> Note:
    """The author shares the current revision with the subject for review.

    Raises NoteNotFound, InvalidTransition, or NotesError when the author no longer supports
    this person (logged; nothing changes).
    """
    note = _load_for(db, by, note_id, NoteAction.PROPOSE)
    if party(note, by.id) is Party.AUTHOR and not _in_care(db, by, note.subject_id):
        _log(
            db,
            by,
            Action.NOTE_PROPOSE,
            note,
            note.subject_id,
            Outcome.DENIED,
            ObjectBasis.NO_CARE_ASSIGNMENT,
        )
        raise NotesError("You no longer support this person, so you cannot propose notes to them.")
    _move(db, by, note, NoteAction.PROPOSE)
    return note


def _approve(
    db: Session,
    by: Acting,
    note: Note,
    action: NoteAction,
    audiences: list[str],
    revision: int,
) -> Note:
    if revision != note.current_revision:
        raise NotesError("The note changed since you opened it. Read the newest version first.")
    sections, plain = _open_revision(db, note, note.current_revision)
    try:
        chosen = [Audience(a) for a in audiences]
    except ValueError as exc:
        raise NotesError("Choose who sees each section: just us, or the care team.") from exc
    if len(chosen) != len(sections):
        raise NotesError("Choose who sees each section: just us, or the care team.")
    _move(db, by, note, action)
    assert by.id is not None
    for index, audience in enumerate(chosen):
        db.add(
            NoteSectionAudience(
                note_id=note.id,
                revision=note.current_revision,
                section=index,
                audience=audience,
                set_by_id=by.id,
            )
        )
    note.approved_revision = note.current_revision
    note.approved_sha256 = hashlib.sha256(plain).hexdigest()
    note.approved_at = utcnow()
    note.in_person = InPersonReview.ATTESTED if action is NoteAction.APPROVE_IN_PERSON else None
    db.flush()
    # A section for the care team takes the note out of the peer space, in this transaction.
    enter_record(db, note)
    return note


@step
def approve(db: Session, by: Acting, note_id: int, audiences: list[str], revision: int) -> Note:
    """The subject approves the revision they read, choosing each section's audience.

    Raises NoteNotFound, InvalidTransition (e.g. not the subject: logged), NotesError.
    """
    note = _load_for(db, by, note_id, NoteAction.APPROVE)
    _allowed(db, by, note, NoteAction.APPROVE)
    return _approve(db, by, note, NoteAction.APPROVE, audiences, revision)


@step
def approve_in_person(
    db: Session, by: Acting, note_id: int, audiences: list[str], revision: int
) -> Note:
    """The author attests they reviewed it together in person; marked as such, and the
    subject can confirm or dispute it later."""
    note = _load_for(db, by, note_id, NoteAction.APPROVE_IN_PERSON)
    _allowed(db, by, note, NoteAction.APPROVE_IN_PERSON)
    return _approve(db, by, note, NoteAction.APPROVE_IN_PERSON, audiences, revision)


@step
def review_in_person(db: Session, by: Acting, note_id: int, *, confirm: bool) -> Note:
    note = _load_for(
        db, by, note_id, NoteAction.CONFIRM_IN_PERSON if confirm else NoteAction.DISPUTE_IN_PERSON
    )
    action = NoteAction.CONFIRM_IN_PERSON if confirm else NoteAction.DISPUTE_IN_PERSON
    if note.in_person is not InPersonReview.ATTESTED:
        raise InvalidTransition(note.state, action, party(note, by.id))
    _move(db, by, note, action)
    note.in_person = InPersonReview.CONFIRMED if confirm else InPersonReview.DISPUTED
    if not confirm:
        # Disputed: no longer shared on the worker's word; the subject decides in the app.
        note.approved_revision = None
        note.approved_sha256 = None
    db.flush()
    return note


@step
def request_changes(db: Session, by: Acting, note_id: int, comment: str) -> Note:
    note = _load_for(db, by, note_id, NoteAction.REQUEST_CHANGES)
    text = _comment(comment, required=True)
    _move(db, by, note, NoteAction.REQUEST_CHANGES, text)
    return note


@step
def decline(db: Session, by: Acting, note_id: int, comment: str = "") -> Note:
    note = _load_for(db, by, note_id, NoteAction.DECLINE)
    _move(db, by, note, NoteAction.DECLINE, _comment(comment, required=False))
    return note


@step
def withdraw(db: Session, by: Acting, note_id: int) -> Note:
    note = _load_for(db, by, note_id, NoteAction.WITHDRAW)
    _move(db, by, note, NoteAction.WITHDRAW)
    return note


@step
def add_statement(db: Session, by: Acting, note_id: int, kind: str, text: str) -> None:
    """The subject's own words, or a correction request, on a note they approved.

    Raises NoteNotFound (not theirs, logged) or NotesError.
    """
    note = _load_for(db, by, note_id, Action.NOTE_STATEMENT)
    try:
        parsed = StatementKind(kind)
    except ValueError as exc:
        raise NotesError("Choose what you are adding.") from exc
    if party(note, by.id) is not Party.SUBJECT or parsed is StatementKind.CORRECTION_REPLY:
        _log(
            db,
            by,
            Action.NOTE_STATEMENT,
            note,
            note.subject_id,
            Outcome.DENIED,
            NoteBasis.NOT_SUBJECT,
        )
        raise NotesError("Only the person the note is about can add this.")
    if note.approved_revision is None and note.state is not State.SHARED:
        raise NotesError("You can add your own words once the note is shared.")
    body = text.strip()
    if not body or len(body) > MAX_COMMENT:
        raise NotesError(f"Write up to {MAX_COMMENT:,} characters.")
    _add_statement_row(db, by, note, parsed, body)
    _log(db, by, Action.NOTE_STATEMENT, note, note.subject_id, Outcome.ALLOWED, parsed.value)
