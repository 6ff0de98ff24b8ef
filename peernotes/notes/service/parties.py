"""Who someone is to a note, and the lifecycle step with its event and access-log entry."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from peernotes.access.authorize import governs, load_and_authorize
from peernotes.access.decision import Decision
from peernotes.access.objects import NoteFacts, Relation, decide_note, note_relation
from peernotes.access.relationships import Relationships, relationships
from peernotes.audit.events import Action, Outcome
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.db import utcnow
from peernotes.notes.lifecycle import InvalidTransition, NoteAction, Party, State, transition
from peernotes.notes.models import (
    Note,
    NoteEvent,
    NoteStatement,
    StatementKind,
)
from peernotes.notes.service.sealing import _seal_text
from peernotes.notes.service.sections import NoteBasis, NoteNotFound, NotesError
from peernotes.notifications import service as notifications

_PARTY: dict[Relation | None, Party] = {
    Relation.AUTHOR: Party.AUTHOR,
    Relation.SUBJECT: Party.SUBJECT,
    None: Party.OTHER,
}


def put_to_subject() -> ColumnElement[bool]:
    """SQL condition: the note has left its author's drafts, so its subject may know of it.
    A draft withdrawn before it was ever proposed never did: withdrawing it does not show it."""
    proposed = (
        exists()
        .where(NoteEvent.note_id == Note.id, NoteEvent.action == NoteAction.PROPOSE)
        .correlate(Note)
    )
    return and_(Note.state != State.DRAFT, or_(Note.state != State.WITHDRAWN, proposed))


def still_a_draft(db: Session, note: Note) -> bool:
    """`put_to_subject`'s twin for one note: to its subject, the note is a draft still."""
    if note.state is State.DRAFT:
        return True
    if note.state is not State.WITHDRAWN:
        return False
    proposed = exists().where(NoteEvent.note_id == note.id, NoteEvent.action == NoteAction.PROPOSE)
    return not db.scalar(select(proposed))


def party(note: Note, actor_id: int | None) -> Party:
    """The lifecycle's name for who someone is to a note (`access.objects.note_relation`)."""
    return _PARTY[note_relation(actor_id, note.author_id, note.subject_id)]


def _in_care(db: Session, by: Acting, subject_id: int) -> bool:
    return relationships(db, by).in_care(subject_id)


@governs(Note, target_type="note", not_found=NoteNotFound)
def _decide(rel: Relationships, by: Acting, note: Note) -> Decision:
    facts = NoteFacts(by.id, note.author_id, note.subject_id, still_a_draft(rel.db, note))
    return decide_note(facts)


def _log(
    db: Session,
    by: Acting,
    action: Action,
    note: Note | None,
    subject_id: int | None,
    outcome: Outcome,
    basis: str,
    note_id: int | None = None,
) -> None:
    target_id = note.id if note is not None else note_id
    record_event(
        db,
        by,
        action,
        subject_id,
        Target("note", target_id) if target_id is not None else None,
        outcome,
        basis,
    )


#: The access-log action of each step of a note's life (the generator logs them too).
ACTION_FOR: dict[NoteAction, Action] = {
    NoteAction.SAVE: Action.NOTE_SAVE,
    NoteAction.PROPOSE: Action.NOTE_PROPOSE,
    NoteAction.APPROVE: Action.NOTE_APPROVE,
    NoteAction.APPROVE_IN_PERSON: Action.NOTE_APPROVE_IN_PERSON,
    NoteAction.REQUEST_CHANGES: Action.NOTE_REQUEST_CHANGES,
    NoteAction.DECLINE: Action.NOTE_DECLINE,
    NoteAction.WITHDRAW: Action.NOTE_WITHDRAW,
    NoteAction.CONFIRM_IN_PERSON: Action.NOTE_CONFIRM_IN_PERSON,
    NoteAction.DISPUTE_IN_PERSON: Action.NOTE_DISPUTE_IN_PERSON,
}


def _load_for(db: Session, by: Acting, note_id: int, action: NoteAction | Action) -> Note:
    """The note, when this person is its author or subject; otherwise logged and NoteNotFound
    (a note one may not act on answers like a missing one). `action` names what was tried."""
    logged = action if isinstance(action, Action) else ACTION_FOR[action]
    note, _ = load_and_authorize(db, by, Note, note_id, logged)
    if note.erased_at is not None:
        # Its words are gone at the person's request: it stays as a tombstone, closed.
        raise NotesError("This note was erased at the person's request; it can't be changed.")
    return note


def _allowed(db: Session, by: Acting, note: Note, action: NoteAction) -> State:
    """The state this step leads to; InvalidTransition (logged as denied) when not allowed."""
    try:
        return transition(note.state, action, party(note, by.id))
    except InvalidTransition:
        _log(
            db,
            by,
            ACTION_FOR[action],
            note,
            note.subject_id,
            Outcome.DENIED,
            NoteBasis.INVALID_TRANSITION,
        )
        raise


def _next_ordinal(db: Session, model: type[NoteEvent] | type[NoteStatement], note_id: int) -> int:
    """The place the next event or statement takes in the note's story: the row id does not
    exist yet when the text is sealed (the rows are append-only), so the AAD binds to this."""
    return (
        db.scalar(select(func.count()).select_from(model).where(model.note_id == note_id)) or 0
    ) + 1


def _add_statement_row(
    db: Session,
    by: Acting,
    note: Note,
    kind: StatementKind,
    text: str,
    *,
    replies_to: int | None = None,
) -> None:
    assert by.id is not None
    ordinal = _next_ordinal(db, NoteStatement, note.id)
    db.add(
        NoteStatement(
            note_id=note.id,
            author_id=by.id,
            kind=kind,
            replies_to_id=replies_to,
            ciphertext=_seal_text(db, note, "note_statements", ordinal, text),
        )
    )
    db.flush()


def _move(db: Session, by: Acting, note: Note, action: NoteAction, comment: str = "") -> None:
    """Apply one lifecycle step (or raise InvalidTransition, logged), with its event."""
    who = party(note, by.id)
    new_state = _allowed(db, by, note, action)
    assert by.id is not None
    ordinal = _next_ordinal(db, NoteEvent, note.id)
    db.add(
        NoteEvent(
            note_id=note.id,
            actor_id=by.id,
            action=action,
            revision=note.current_revision,
            ciphertext=_seal_text(db, note, "note_events", ordinal, comment) if comment else None,
        )
    )
    if who is Party.AUTHOR and new_state is State.PROPOSED and note.state is not State.PROPOSED:
        notifications.notify(db, note.subject_id, notifications.Kind.NOTE_TO_REVIEW, note.id)
    note.state = new_state
    note.updated_at = utcnow()
    db.flush()
    _log(db, by, ACTION_FOR[action], note, note.subject_id, Outcome.ALLOWED, who.value)
