"""Co-authored notes: write, revise, propose, review, share; and read, by who may.

Every step goes through the lifecycle table (`lifecycle.transition`), writes one access-log
entry in the same transaction, and keeps what came before: revisions, audiences, events and
statements are only ever added. Someone other than the author and the subject sees a note only
once the subject approved it, only the sections they gave to the care team, only the exact
revision they approved (its hash is checked on every read), and only when `decide()` permits
them `peer_notes` of that subject.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from peernotes.audit.events import Action, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import AuditActor, Target, record_event
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent.decision import Act, Category, Decision, Request, decide
from peernotes.consent.repository import facts_for
from peernotes.crypto.keys import DecryptionFailed
from peernotes.crypto.sealing import seal_about, unseal_about
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.notes.lifecycle import InvalidTransition, NoteAction, Party, State, transition
from peernotes.notes.models import (
    Audience,
    InPersonReview,
    Note,
    NoteEvent,
    NoteKind,
    NoteRevision,
    NoteSectionAudience,
    NoteStatement,
    StatementKind,
)

#: The service's template: the sections a new note starts with.
DEFAULT_SECTIONS = ("What we talked about", "What is helping", "Next steps", "For the care team")
#: Limits, documented in the README: a section's text, its heading, how many sections.
MAX_SECTION = 10_000
MAX_HEADING = 120
MAX_SECTIONS = 12
MAX_COMMENT = 2_000

#: Who writes which kind of note, about whom.
WRITERS: dict[Role, tuple[NoteKind, Role]] = {
    Role.CONSUMER_PEER_WORKER: (NoteKind.PEER, Role.CONSUMER),
    Role.CARER_PEER_WORKER: (NoteKind.CARER_SUPPORT, Role.CARER),
}

__all__ = ["InvalidTransition"]


class NotesError(Refused):
    """Bad input or no right to do this; the message is safe to show."""


class NoteNotFound(LookupError):
    """No such note, or none this person may see: the two are indistinguishable."""


@dataclass(frozen=True)
class Section:
    heading: str
    body: str


class Conflict(Exception):
    """Someone saved a newer revision since this one was opened. Nothing is lost: the page
    shows both versions, and the writer's text stays in the form."""

    def __init__(self, theirs: list[Section], current: int) -> None:
        super().__init__("This note changed while you were editing it.")
        self.theirs, self.current = theirs, current


# Encryption -------------------------------------------------------------------------------------


def _aad(table: str, row: int, number: int, subject_id: int) -> bytes:
    return f"{table}:{row}:{number}:{subject_id}".encode()


def _canonical(sections: list[Section]) -> bytes:
    return json.dumps(
        [{"heading": s.heading, "body": s.body} for s in sections],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def _seal_sections(db: Session, note: Note, number: int, sections: list[Section]) -> bytes:
    aad = _aad("note_revisions", note.id, number, note.subject_id)
    return seal_about(db, note.subject_id, _canonical(sections), aad)


def _open_revision(db: Session, note: Note, number: int) -> tuple[list[Section], bytes]:
    """The sections of one revision, and their canonical bytes (what the approval hash covers)."""
    revision = db.scalar(
        select(NoteRevision).where(NoteRevision.note_id == note.id, NoteRevision.number == number)
    )
    if revision is None:
        raise NoteNotFound(note.id)
    plain = unseal_about(
        db,
        note.subject_id,
        revision.ciphertext,
        _aad("note_revisions", note.id, number, note.subject_id),
    )
    return [Section(s["heading"], s["body"]) for s in json.loads(plain)], plain


def _seal_text(db: Session, note: Note, table: str, row_hint: int, text: str) -> bytes:
    return seal_about(
        db, note.subject_id, text.encode(), _aad(table, note.id, row_hint, note.subject_id)
    )


def _open_text(db: Session, note: Note, table: str, row_hint: int, sealed: bytes) -> str:
    aad = _aad(table, note.id, row_hint, note.subject_id)
    return unseal_about(db, note.subject_id, sealed, aad).decode()


# Input ------------------------------------------------------------------------------------------


def validate_sections(headings: list[str], bodies: list[str]) -> list[Section]:
    """Raises NotesError on an empty note, too many sections, or a section over the limit."""
    if len(headings) != len(bodies) or not headings or len(headings) > MAX_SECTIONS:
        raise NotesError(f"A note has between 1 and {MAX_SECTIONS} sections.")
    sections = []
    for heading, body in zip(headings, bodies, strict=True):
        heading, body = heading.strip(), body.strip().replace("\r\n", "\n")
        if not heading or len(heading) > MAX_HEADING:
            raise NotesError(f"Each section needs a heading of up to {MAX_HEADING} characters.")
        if len(body) > MAX_SECTION:
            raise NotesError(
                f"“{heading}” is longer than {MAX_SECTION:,} characters; split it or shorten it."
            )
        sections.append(Section(heading, body))
    if not any(s.body for s in sections):
        raise NotesError("The note is empty: write something in at least one section.")
    return sections


def _checked(sections: list[Section]) -> list[Section]:
    return validate_sections([s.heading for s in sections], [s.body for s in sections])


def _comment(text: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise NotesError("Say what you would like changed.")
    if len(text) > MAX_COMMENT:
        raise NotesError(f"Keep it to {MAX_COMMENT:,} characters.")
    return text


# Who may act -------------------------------------------------------------------------------------


def party(note: Note, actor_id: int | None) -> Party:
    if actor_id == note.author_id:
        return Party.AUTHOR
    if actor_id == note.subject_id:
        return Party.SUBJECT
    return Party.OTHER


def _in_care(db: Session, by: AuditActor, subject_id: int) -> bool:
    assert by.id is not None
    return facts_for(db, by.id, subject_id, utcnow()).assignment_active


def _log(
    db: Session,
    by: AuditActor,
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


_ACTION_FOR: dict[NoteAction, Action] = {
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


def _load_for(db: Session, by: AuditActor, note_id: int, action: NoteAction | Action) -> Note:
    """The note, when this person is its author or subject; otherwise logged and NoteNotFound
    (a note one may not act on answers like a missing one). `action` names what was tried."""
    logged = action if isinstance(action, Action) else _ACTION_FOR[action]
    note = db.get(Note, note_id)
    if note is None or party(note, by.id) is Party.OTHER:
        _log(
            db,
            by,
            logged,
            None,
            note.subject_id if note else None,
            Outcome.DENIED,
            "not_found" if note is None else "not_author_or_subject",
            note_id=note_id,
        )
        raise NoteNotFound(note_id)
    if note.state is State.DRAFT and party(note, by.id) is Party.SUBJECT:
        # A draft is the author's alone: to the subject it does not exist yet.
        _log(db, by, logged, note, note.subject_id, Outcome.DENIED, "draft")
        raise NoteNotFound(note_id)
    return note


def _allowed(db: Session, by: AuditActor, note: Note, action: NoteAction) -> State:
    """The state this step leads to; InvalidTransition (logged as denied) when not allowed."""
    try:
        return transition(note.state, action, party(note, by.id))
    except InvalidTransition:
        _log(
            db, by, _ACTION_FOR[action], note, note.subject_id, Outcome.DENIED, "invalid_transition"
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
    by: AuditActor,
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


def _move(db: Session, by: AuditActor, note: Note, action: NoteAction, comment: str = "") -> None:
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
    note.state = new_state
    note.updated_at = utcnow()
    db.flush()
    _log(db, by, _ACTION_FOR[action], note, note.subject_id, Outcome.ALLOWED, who.value)


# Writing -----------------------------------------------------------------------------------------


def can_write_for(db: Session, by: AuditActor, subject_id: int) -> bool:
    """A peer worker writes notes only with a subject of their kind in their active care."""
    subject = db.get(User, subject_id)
    kind_and_role = WRITERS.get(by.role) if by.role is not None else None
    return (
        subject is not None
        and kind_and_role is not None
        and subject.role is kind_and_role[1]
        and _in_care(db, by, subject.id)
    )


def log_refused_form(db: Session, by: AuditActor, subject_id: int) -> None:
    subject = db.get(User, subject_id)
    _log(
        db,
        by,
        Action.NOTE_CREATE,
        None,
        subject.id if subject else None,
        Outcome.DENIED,
        "no_care_assignment",
    )


@step
def create(db: Session, by: AuditActor, subject_id: int, sections: list[Section]) -> Note:
    """A worker starts a note with someone in their care. It is a draft: theirs alone.

    Raises:
        NotesError: not a peer worker of this person (logged), or bad input (nothing stored).
    """
    if not can_write_for(db, by, subject_id):
        log_refused_form(db, by, subject_id)
        raise NotesError("You can write notes only with people you support.")
    sections = _checked(sections)
    kind = WRITERS[by.role][0]  # type: ignore[index]
    assert by.id is not None
    note = Note(
        kind=kind,
        subject_id=subject_id,
        author_id=by.id,
        state=State.DRAFT,
        current_revision=1,
    )
    db.add(note)
    db.flush()
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
def save(db: Session, by: AuditActor, note_id: int, sections: list[Section], based_on: int) -> Note:
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


def propose(db: Session, by: AuditActor, note_id: int) -> Note:
    """The author shares the current revision with the subject for review.

    Raises NoteNotFound, InvalidTransition, or NotesError when the author no longer supports
    this person (logged; nothing changes).
    """
    note = _load_for(db, by, note_id, NoteAction.PROPOSE)
    if party(note, by.id) is Party.AUTHOR and not _in_care(db, by, note.subject_id):
        _log(
            db, by, Action.NOTE_PROPOSE, note, note.subject_id, Outcome.DENIED, "no_care_assignment"
        )
        raise NotesError("You no longer support this person, so you cannot propose notes to them.")
    _move(db, by, note, NoteAction.PROPOSE)
    return note


def _approve(
    db: Session,
    by: AuditActor,
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
    return note


def approve(db: Session, by: AuditActor, note_id: int, audiences: list[str], revision: int) -> Note:
    """The subject approves the revision they read, choosing each section's audience.

    Raises NoteNotFound, InvalidTransition (e.g. not the subject: logged), NotesError.
    """
    note = _load_for(db, by, note_id, NoteAction.APPROVE)
    _allowed(db, by, note, NoteAction.APPROVE)
    return _approve(db, by, note, NoteAction.APPROVE, audiences, revision)


def approve_in_person(
    db: Session, by: AuditActor, note_id: int, audiences: list[str], revision: int
) -> Note:
    """The author attests they reviewed it together in person; marked as such, and the
    subject can confirm or dispute it later."""
    note = _load_for(db, by, note_id, NoteAction.APPROVE_IN_PERSON)
    _allowed(db, by, note, NoteAction.APPROVE_IN_PERSON)
    return _approve(db, by, note, NoteAction.APPROVE_IN_PERSON, audiences, revision)


def review_in_person(db: Session, by: AuditActor, note_id: int, *, confirm: bool) -> Note:
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


def request_changes(db: Session, by: AuditActor, note_id: int, comment: str) -> Note:
    note = _load_for(db, by, note_id, NoteAction.REQUEST_CHANGES)
    text = _comment(comment, required=True)
    _move(db, by, note, NoteAction.REQUEST_CHANGES, text)
    return note


def decline(db: Session, by: AuditActor, note_id: int, comment: str = "") -> Note:
    note = _load_for(db, by, note_id, NoteAction.DECLINE)
    _move(db, by, note, NoteAction.DECLINE, _comment(comment, required=False))
    return note


def withdraw(db: Session, by: AuditActor, note_id: int) -> Note:
    note = _load_for(db, by, note_id, NoteAction.WITHDRAW)
    _move(db, by, note, NoteAction.WITHDRAW)
    return note


def add_statement(db: Session, by: AuditActor, note_id: int, kind: str, text: str) -> None:
    """The subject's own words, or a correction request, on a note they approved.

    Raises NoteNotFound (not theirs, logged) or NotesError.
    """
    note = _load_for(db, by, note_id, Action.NOTE_STATEMENT)
    try:
        parsed = StatementKind(kind)
    except ValueError as exc:
        raise NotesError("Choose what you are adding.") from exc
    if party(note, by.id) is not Party.SUBJECT or parsed is StatementKind.CORRECTION_REPLY:
        _log(db, by, Action.NOTE_STATEMENT, note, note.subject_id, Outcome.DENIED, "not_subject")
        raise NotesError("Only the person the note is about can add this.")
    if note.approved_revision is None and note.state is not State.SHARED:
        raise NotesError("You can add your own words once the note is shared.")
    body = text.strip()
    if not body or len(body) > MAX_COMMENT:
        raise NotesError(f"Write up to {MAX_COMMENT:,} characters.")
    _add_statement_row(db, by, note, parsed, body)
    _log(db, by, Action.NOTE_STATEMENT, note, note.subject_id, Outcome.ALLOWED, parsed.value)


# Reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownSection:
    heading: str
    body: str
    audience: Audience | None


@dataclass(frozen=True)
class Statement:
    id: int
    replies_to_id: int | None
    kind: StatementKind
    author_id: int
    created_at: datetime
    text: str


@dataclass(frozen=True)
class EventView:
    action: NoteAction
    actor_id: int
    created_at: datetime
    revision: int
    comment: str


@dataclass(frozen=True)
class NoteView:
    """A note as one person may see it, built only after a permit."""

    id: int
    kind: NoteKind
    subject_id: int
    author_id: int
    state: State
    party: Party
    revision: int
    sections: list[ShownSection]
    approved_revision: int | None
    approved_at: datetime | None
    in_person: InPersonReview | None
    statements: list[Statement]
    events: list[EventView] = field(default_factory=list)
    #: For others: some sections are not shared with them (never how many).
    withheld: bool = False


def _audiences(db: Session, note: Note, revision: int) -> dict[int, Audience]:
    return {
        row.section: row.audience
        for row in db.scalars(
            select(NoteSectionAudience).where(
                NoteSectionAudience.note_id == note.id, NoteSectionAudience.revision == revision
            )
        )
    }


def _statements(db: Session, note: Note) -> list[Statement]:
    rows = db.scalars(
        select(NoteStatement).where(NoteStatement.note_id == note.id).order_by(NoteStatement.id)
    ).all()
    return [
        Statement(
            r.id,
            r.replies_to_id,
            r.kind,
            r.author_id,
            r.created_at,
            _open_text(db, note, "note_statements", i, r.ciphertext),
        )
        for i, r in enumerate(rows, start=1)
    ]


def _events(db: Session, note: Note) -> list[EventView]:
    rows = db.scalars(
        select(NoteEvent).where(NoteEvent.note_id == note.id).order_by(NoteEvent.id)
    ).all()
    return [
        EventView(
            r.action,
            r.actor_id,
            r.created_at,
            r.revision,
            _open_text(db, note, "note_events", i, r.ciphertext) if r.ciphertext else "",
        )
        for i, r in enumerate(rows, start=1)
    ]


def peer_notes_decision(db: Session, by: AuditActor, subject_id: int) -> Decision:
    """May this person read the care-team sections of `subject_id`'s shared notes? For anyone
    but author and subject this does not depend on the note, so one decision serves a whole
    page, list or timeline."""
    assert by.id is not None and by.role is not None
    now = utcnow()
    return decide(
        Request(by.id, by.role, subject_id, Act.READ, Category.PEER_NOTES, now),
        facts_for(db, by.id, subject_id, now),
    )


def shared_with_care_team(subject_id: int) -> ColumnElement[bool]:
    """SQL: the subject's notes that others may open, given a permit: approved, not
    withdrawn, with at least one care-team section in the approved revision."""
    return and_(
        Note.subject_id == subject_id,
        Note.approved_revision.is_not(None),
        Note.state != State.WITHDRAWN,
        select(NoteSectionAudience.id)
        .where(
            NoteSectionAudience.note_id == Note.id,
            NoteSectionAudience.revision == Note.approved_revision,
            NoteSectionAudience.audience == Audience.CARE_TEAM,
        )
        .exists(),
    )


def others_may_read(db: Session, by: AuditActor, note: Note) -> str | None:
    """For someone who is neither author nor subject: the basis on which they may read this
    note's care-team sections, or None. The note must be approved (and not withdrawn)."""
    if note.approved_revision is None or note.state is State.WITHDRAWN:
        return None
    decision = peer_notes_decision(db, by, note.subject_id)
    return decision.basis if decision.permitted else None


def read(db: Session, by: AuditActor, note_id: int) -> NoteView:
    """One note as this person may see it. Logged, allowed or denied.

    Raises:
        NoteNotFound: missing, or nothing of it is theirs to see (the same answer).
    """
    note = db.get(Note, note_id)
    if note is None:
        _log(db, by, Action.NOTE_READ, None, None, Outcome.DENIED, "not_found", note_id=note_id)
        raise NoteNotFound(note_id)
    who = party(note, by.id)
    if who is Party.SUBJECT and note.state is State.DRAFT:
        _log(db, by, Action.NOTE_READ, note, note.subject_id, Outcome.DENIED, "draft")
        raise NoteNotFound(note_id)
    if who is not Party.OTHER:
        sections, _ = _open_revision(db, note, note.current_revision)
        audiences = (
            _audiences(db, note, note.current_revision)
            if note.approved_revision == note.current_revision
            else {}
        )
        _log(db, by, Action.NOTE_READ, note, note.subject_id, Outcome.ALLOWED, who.value)
        return NoteView(
            note.id,
            note.kind,
            note.subject_id,
            note.author_id,
            note.state,
            who,
            note.current_revision,
            [ShownSection(s.heading, s.body, audiences.get(i)) for i, s in enumerate(sections)],
            note.approved_revision,
            note.approved_at,
            note.in_person,
            _statements(db, note),
            _events(db, note),
        )
    basis = others_may_read(db, by, note)
    approved = note.approved_revision
    shared = _audiences(db, note, approved) if basis and approved is not None else {}
    visible = [i for i, a in sorted(shared.items()) if a is Audience.CARE_TEAM]
    if basis is None or not visible or approved is None:
        reason = "no_consent" if basis is None else "just_us"
        _log(db, by, Action.NOTE_READ, note, note.subject_id, Outcome.DENIED, reason)
        raise NoteNotFound(note_id)
    sections, plain = _open_revision(db, note, approved)
    if hashlib.sha256(plain).hexdigest() != note.approved_sha256:
        # Never show anything but the exact words the subject approved.
        raise DecryptionFailed()
    _log(db, by, Action.NOTE_READ, note, note.subject_id, Outcome.ALLOWED, basis)
    return NoteView(
        note.id,
        note.kind,
        note.subject_id,
        note.author_id,
        State.SHARED,
        who,
        approved,
        [ShownSection(sections[i].heading, sections[i].body, Audience.CARE_TEAM) for i in visible],
        approved,
        note.approved_at,
        note.in_person,
        _statements(db, note),
        withheld=len(visible) < len(sections),
    )


# Lists -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSummary:
    id: int
    kind: NoteKind
    subject_id: int
    author_id: int
    state: State
    updated_at: datetime


def _summary(note: Note) -> NoteSummary:
    return NoteSummary(
        note.id, note.kind, note.subject_id, note.author_id, note.state, note.updated_at
    )


def mine(db: Session, by: AuditActor) -> list[NoteSummary]:
    """Notes this person wrote, or that are about them (drafts excepted), newest first."""
    assert by.id is not None
    rows = db.scalars(
        select(Note)
        .where(
            (Note.author_id == by.id) | ((Note.subject_id == by.id) & (Note.state != State.DRAFT))
        )
        .order_by(Note.updated_at.desc(), Note.id.desc())
    ).all()
    return [_summary(n) for n in rows]


def shared_about(db: Session, by: AuditActor, subject_id: int) -> list[NoteSummary]:
    """Notes about `subject_id` that this person (neither author nor subject) may open: the
    approved notes with at least one care-team section, when `decide()` permits peer notes.
    One decision for the subject, since for others it does not depend on the note."""
    decision = peer_notes_decision(db, by, subject_id)
    rows: list[Note] = []
    if decision.permitted:
        rows = list(
            db.scalars(
                select(Note)
                .where(shared_with_care_team(subject_id))
                .order_by(Note.approved_at.desc(), Note.id.desc())
            )
        )
    _log(
        db,
        by,
        Action.NOTE_LIST,
        None,
        subject_id,
        Outcome.ALLOWED if decision.permitted else Outcome.DENIED,
        decision.basis,
    )
    return [_summary(n) for n in rows]


def _waiting_for(user_id: int):  # type: ignore[no-untyped-def]
    return ((Note.subject_id == user_id) & (Note.state == State.PROPOSED)) | (
        (Note.author_id == user_id)
        & (
            (Note.state == State.CHANGES_REQUESTED)
            | ((Note.in_person == InPersonReview.DISPUTED) & (Note.state == State.PROPOSED))
        )
    )


def inbox(db: Session, user_id: int) -> list[NoteSummary]:
    """What waits for this person: notes to review (subject), changes asked for or in-person
    reviews disputed (author)."""
    rows = db.scalars(
        select(Note).where(_waiting_for(user_id)).order_by(Note.updated_at.desc())
    ).all()
    return [_summary(n) for n in rows]


#: How long an approval stays in the writer's "recently approved" list.
RECENT_APPROVALS_DAYS = 14


def recently_approved(db: Session, author_id: int) -> list[NoteSummary]:
    """The writer's notes the subject approved lately: good news, listed but not counted."""
    since = utcnow() - timedelta(days=RECENT_APPROVALS_DAYS)
    rows = db.scalars(
        select(Note)
        .where(
            Note.author_id == author_id,
            Note.state == State.SHARED,
            Note.approved_at >= since,
        )
        .order_by(Note.approved_at.desc())
    ).all()
    return [_summary(n) for n in rows]


def inbox_count(db: Session, user_id: int) -> int:
    return db.scalar(select(func.count()).select_from(Note).where(_waiting_for(user_id))) or 0


# Filing into the medical record ------------------------------------------------------------------


def _authored(db: Session, by: AuditActor, note_id: int, action: Action) -> Note:
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
            "not_author",
            note_id=note_id,
        )
        raise NoteNotFound(note_id)
    return note


@step
def file_section(db: Session, by: AuditActor, note_id: int, section: int, category: str) -> int:
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
    _log(db, by, Action.NOTE_FILE, note, note.subject_id, Outcome.ALLOWED, "author")
    return entry.id


def read_subject_id(db: Session, note_id: int) -> int:
    """Whose note this is (for a redirect after filing; the caller has already acted on it)."""
    return db.get_one(Note, note_id).subject_id


def reply_to_correction(
    db: Session, by: AuditActor, note_id: int, correction_id: int, text: str
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
    _log(db, by, Action.NOTE_CORRECTION_REPLY, note, note.subject_id, Outcome.ALLOWED, "author")
