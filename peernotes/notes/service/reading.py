"""Reading one note: what this person may see of it, logged."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from peernotes.access.decision import Act, Category, Decision, Request, decide
from peernotes.access.objects import NoteFacts, decide_note
from peernotes.access.queries import SubjectRef
from peernotes.access.relationships import NO_SUBJECT, relationships
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.auth.actor import Acting
from peernotes.crypto.keys import DecryptionFailed
from peernotes.notes.lifecycle import NoteAction, Party, State
from peernotes.notes.models import (
    Audience,
    InPersonReview,
    Note,
    NoteEvent,
    NoteKind,
    NoteSectionAudience,
    NoteStatement,
    StatementKind,
)
from peernotes.notes.service import prefetch
from peernotes.notes.service.parties import _log, party, still_a_draft
from peernotes.notes.service.sealing import _open_revision, _open_text
from peernotes.notes.service.sections import NoteNotFound


@dataclass(frozen=True)
class ShownSection:
    heading: str
    body: str
    audience: Audience | None
    #: The author's content note (how the section may be shown, never who may read it).
    content_note: str | None = None


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
    listed = prefetch.audiences(db, note.id, revision)
    if listed is not None:
        return dict(listed)
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


def peer_notes_decision(db: Session, by: Acting, subject_id: int) -> Decision:
    """May this person read the care-team sections of `subject_id`'s shared notes? For anyone
    but author and subject this does not depend on the note, so one decision serves a whole
    page, list or timeline."""
    assert by.id is not None and by.role is not None
    rel = relationships(db, by)
    return decide(
        Request(by.id, by.role, subject_id, Act.READ, Category.PEER_NOTES, rel.now),
        rel.consent_facts(subject_id),
    )


def shared_with_care_team(subject_id: SubjectRef) -> ColumnElement[bool]:
    """SQL: the subject's notes that others may open, given a permit: approved, not
    withdrawn, with at least one care-team section in the approved revision. (`subject_id` may
    be a column, for "has any such note" over a list of people.)"""
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


def others_may_read(db: Session, by: Acting, note: Note) -> str | None:
    """For someone who is neither author nor subject: the basis on which they may read this
    note's care-team sections, or None. The note must be approved (and not withdrawn)."""
    if note.approved_revision is None or note.state is State.WITHDRAWN:
        return None
    decision = peer_notes_decision(db, by, note.subject_id)
    return decision.basis if decision.permitted else None


@dataclass(frozen=True)
class Readable:
    """What of one note this person may read now: the note page's decision, also asked by the
    lists that show a note's first words, so that the two can never differ."""

    party: Party
    #: The revision they read: the current one for author and subject, the approved one for
    #: anyone else.
    revision: int
    #: Only the sections they may read, in the note's order.
    sections: list[ShownSection]
    #: The permit's basis, as the access log writes it.
    basis: str
    #: For others: some sections are not shared with them (never how many).
    withheld: bool


@dataclass(frozen=True)
class Refused:
    """Nothing of the note is this person's to read, and why (as the access log writes it)."""

    reason: str


def readable(db: Session, by: Acting, note: Note) -> Readable | Refused:
    """What of `note` this person may read. Author and subject are decided by the note's own
    rule (`decide_note`: a draft is the author's alone); anyone else by `decide()` on the
    subject's peer notes, and then only the care-team sections of the approved revision, whose
    hash is checked. Writes nothing to the access log: the caller logs what it shows.

    Raises:
        DecryptionFailed: the approved revision does not match its hash (never shown).
    """
    who = party(note, by.id)
    if who is not Party.OTHER:
        own = decide_note(
            NoteFacts(by.id, note.author_id, note.subject_id, still_a_draft(db, note))
        )
        if not own.permitted:
            return Refused(own.basis)
        sections, _ = _open_revision(db, note, note.current_revision)
        audiences = (
            _audiences(db, note, note.current_revision)
            if note.approved_revision == note.current_revision
            else {}
        )
        shown = [
            ShownSection(s.heading, s.body, audiences.get(i), s.content_note)
            for i, s in enumerate(sections)
        ]
        return Readable(who, note.current_revision, shown, own.basis, withheld=False)
    if note.erased_at is not None:
        # Erased at the person's request: a tombstone for author and subject, nothing for others.
        return Refused("erased")
    basis = others_may_read(db, by, note)
    approved = note.approved_revision
    shared = _audiences(db, note, approved) if basis and approved is not None else {}
    visible = [i for i, a in sorted(shared.items()) if a is Audience.CARE_TEAM]
    if basis is None or not visible or approved is None:
        return Refused("no_consent" if basis is None else "just_us")
    sections, plain = _open_revision(db, note, approved)
    if hashlib.sha256(plain).hexdigest() != note.approved_sha256:
        # Never show anything but the exact words the subject approved.
        raise DecryptionFailed()
    return Readable(
        who,
        approved,
        [
            ShownSection(
                sections[i].heading, sections[i].body, Audience.CARE_TEAM, sections[i].content_note
            )
            for i in visible
        ],
        basis,
        withheld=len(visible) < len(sections),
    )


def read(db: Session, by: Acting, note_id: int) -> NoteView:
    """One note as this person may see it. Logged, allowed or denied.

    Raises:
        NoteNotFound: missing, or nothing of it is theirs to see (the same answer).
    """
    note = db.get(Note, note_id)
    if note is None:
        peer_notes_decision(db, by, NO_SUBJECT)  # a refusal's work: the time tells nothing
        _log(db, by, Action.NOTE_READ, None, None, Outcome.DENIED, Basis.NOT_FOUND, note_id=note_id)
        raise NoteNotFound(note_id)
    found = readable(db, by, note)
    if isinstance(found, Refused):
        _log(db, by, Action.NOTE_READ, note, note.subject_id, Outcome.DENIED, found.reason)
        raise NoteNotFound(note_id)
    _log(db, by, Action.NOTE_READ, note, note.subject_id, Outcome.ALLOWED, found.basis)
    if found.party is not Party.OTHER:
        return NoteView(
            note.id,
            note.kind,
            note.subject_id,
            note.author_id,
            note.state,
            found.party,
            found.revision,
            found.sections,
            note.approved_revision,
            note.approved_at,
            note.in_person,
            _statements(db, note),
            _events(db, note),
        )
    return NoteView(
        note.id,
        note.kind,
        note.subject_id,
        note.author_id,
        State.SHARED,
        found.party,
        found.revision,
        found.sections,
        found.revision,
        note.approved_at,
        note.in_person,
        _statements(db, note),
        withheld=found.withheld,
    )
