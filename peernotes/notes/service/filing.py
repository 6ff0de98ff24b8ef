"""Filing an approved care-team section into the medical record, with its provenance."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.access.objects import ObjectBasis
from peernotes.audit.events import Action, Outcome
from peernotes.audit.steps import step
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.crypto.keys import DecryptionFailed
from peernotes.notes.lifecycle import Party, State
from peernotes.notes.models import (
    Audience,
    Note,
    NoteStatement,
    StatementKind,
)
from peernotes.notes.service.parties import _add_statement_row, _log, party
from peernotes.notes.service.reading import _audiences
from peernotes.notes.service.sealing import _open_revision
from peernotes.notes.service.sections import MAX_COMMENT, NoteBasis, NoteNotFound, NotesError


def _authored(db: Session, by: Acting, note_id: int, action: Action) -> Note:
    """The note, when `by` wrote it. Anyone else's answers like a missing one (NoteNotFound),
    and the attempt is logged as denied."""
    note = db.get(Note, note_id)
    if note is None or party(note, by.id) is not Party.AUTHOR:
        _log(
            db,
            by,
            action,
            None,
            note.subject_id if note else None,
            Outcome.DENIED,
            NoteBasis.NOT_AUTHOR,
            note_id=note_id,
        )
        raise NoteNotFound(note_id)
    if note.erased_at is not None:
        raise NotesError("This note was erased at the person's request; it can't be changed.")
    return note


@step
def file_section(db: Session, by: Acting, note_id: int, section: int, category: str) -> int:
    """File one approved `care team` section into the consumer's record as a peer
    contribution, with its provenance. Only the author, only under the consumer's
    `contribute` consent (checked by the record service, which logs a refusal).

    Returns the new record entry's id. Raises NoteNotFound, NotesError or RecordError.
    """
    from peernotes.records import service as records

    note = _authored(db, by, note_id, Action.NOTE_FILE)
    approved = note.approved_revision
    audiences = _audiences(db, note, approved) if approved is not None else {}
    if note.state is not State.SHARED or audiences.get(section) is not Audience.CARE_TEAM:
        raise NotesError("Only a part the person shared with the care team can be filed.")
    assert approved is not None
    sections, plain = _open_revision(db, note, approved)
    if hashlib.sha256(plain).hexdigest() != note.approved_sha256:
        raise DecryptionFailed()
    subject = db.get_one(User, note.subject_id)
    author = db.get_one(User, note.author_id)
    assert note.approved_at is not None
    how = " (reviewed together in person)" if note.in_person else ""
    provenance = (
        f"Peer contribution written by {author.display_name} and approved by "
        f"{subject.display_name}{how} on {note.approved_at:%Y-%m-%d}, from note {note.id}."
    )
    entry = records.contribute_entry(
        db,
        by,
        subject,
        category,
        sections[section].heading,
        sections[section].body,
        provenance,
    )
    # The section's content note goes with its words into the record (parsed when the note
    # was written; the entry's header carries it, as an entry written in the record does).
    entry.content_note = sections[section].content_note
    _log(db, by, Action.NOTE_FILE, note, note.subject_id, Outcome.ALLOWED, ObjectBasis.AUTHOR)
    return entry.id


def read_subject_id(db: Session, note_id: int) -> int:
    """Whose note this is (for a redirect after filing; the caller has already acted on it)."""
    return db.get_one(Note, note_id).subject_id


@step
def reply_to_correction(
    db: Session, by: Acting, note_id: int, correction_id: int, text: str
) -> None:
    """The author answers a correction request: what was changed, or why not. Once."""
    note = _authored(db, by, note_id, Action.NOTE_CORRECTION_REPLY)
    asked = db.get(NoteStatement, correction_id)
    if asked is None or asked.note_id != note.id or asked.kind is not StatementKind.CORRECTION:
        raise NotesError("There is no such correction request on this note.")
    if db.scalar(select(NoteStatement.id).where(NoteStatement.replies_to_id == asked.id)):
        raise NotesError("You have answered this request already.")
    body = text.strip()
    if not body or len(body) > MAX_COMMENT:
        raise NotesError(f"Write your answer (up to {MAX_COMMENT:,} characters).")
    _add_statement_row(db, by, note, StatementKind.CORRECTION_REPLY, body, replies_to=asked.id)
    _log(
        db,
        by,
        Action.NOTE_CORRECTION_REPLY,
        note,
        note.subject_id,
        Outcome.ALLOWED,
        ObjectBasis.AUTHOR,
    )
