"""Lists of notes: one's own, those shared about a person or with oneself, and what waits for
review; each with the first words of the notes its reader may read (`excerpts`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from peernotes.access.decision import Category
from peernotes.access.queries import subjects_decide_may_permit, subjects_naming
from peernotes.access.relationships import relationships
from peernotes.audit.events import Action, Outcome
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import utcnow
from peernotes.notes.lifecycle import State
from peernotes.notes.models import (
    InPersonReview,
    Note,
    NoteKind,
)
from peernotes.notes.service.excerpts import words_for
from peernotes.notes.service.parties import _log
from peernotes.notes.service.reading import peer_notes_decision, shared_with_care_team


@dataclass(frozen=True)
class NoteSummary:
    id: int
    kind: NoteKind
    subject_id: int
    author_id: int
    state: State
    updated_at: datetime
    created_at: datetime | None = None
    approved_at: datetime | None = None
    in_person: InPersonReview | None = None


def _summary(note: Note) -> NoteSummary:
    return NoteSummary(
        note.id,
        note.kind,
        note.subject_id,
        note.author_id,
        note.state,
        note.updated_at,
        note.created_at,
        note.approved_at,
        note.in_person,
    )


def _mine(db: Session, by: Acting) -> list[Note]:
    assert by.id is not None
    return list(
        db.scalars(
            select(Note)
            .where(
                (Note.author_id == by.id)
                | ((Note.subject_id == by.id) & (Note.state != State.DRAFT))
            )
            .order_by(Note.updated_at.desc(), Note.id.desc())
        )
    )


def mine(db: Session, by: Acting) -> list[NoteSummary]:
    """Notes this person wrote, or that are about them (drafts excepted), newest first."""
    return [_summary(n) for n in _mine(db, by)]


@dataclass(frozen=True)
class Listing:
    """Notes as a list shows them: each one's summary, and the first words of those this
    person may read something of (by note id; the read is logged, `excerpts.words_for`)."""

    notes: list[NoteSummary]
    words: dict[int, str] = field(default_factory=dict)


def shared_about(db: Session, by: Acting, subject_id: int) -> Listing:
    """Notes about `subject_id` that this person (neither author nor subject) may open: the
    approved notes with at least one care-team section, when `decide()` permits peer notes.
    One decision for the subject, since for others it does not depend on the note. The list
    is logged once (allowed or denied); each note whose first words it shows, once more."""
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
    return Listing([_summary(n) for n in rows], words_for(db, by, rows))


#: How many notes about other people the notes page shows; each person's own list (reached
#: from the same page) has all of theirs. It bounds the reads one page view logs.
SHARED_ON_NOTES_PAGE = 20


def _shared_with(db: Session, by: Acting, limit: int) -> tuple[list[Note], list[int]]:
    """Notes about other people that this person may open although they neither wrote them nor
    are they about them (the newest `limit`, by approval), and everyone whose notes they may
    open. Candidates from the access layer; `decide()` on each person has the last word."""
    assert by.id is not None and by.role is not None
    now = relationships(db, by).now
    candidates = subjects_decide_may_permit(by.id, by.role, Category.PEER_NOTES, now).where(
        User.id != by.id,
        select(Note.id).where(shared_with_care_team(User.id)).exists(),
    )
    people = sorted(s for s in db.scalars(candidates) if peer_notes_decision(db, by, s).permitted)
    if not people:
        return [], []
    rows = db.scalars(
        select(Note)
        .where(
            Note.subject_id.in_(people),
            shared_with_care_team(Note.subject_id),
            Note.author_id != by.id,  # their own notes are on the same page already
        )
        .order_by(Note.approved_at.desc(), Note.id.desc())
        .limit(limit)
    )
    return list(rows), people


@dataclass(frozen=True)
class NotesPage:
    """Everything on one person's notes page."""

    waiting: list[NoteSummary]
    approved: list[NoteSummary]
    mine: list[NoteSummary]
    #: Notes about other people that they shared with this person (the newest few).
    shared: list[NoteSummary]
    #: Everyone whose shared notes this person may open, for a link to each one's list.
    sharers: list[int]
    words: dict[int, str]


def notes_page(db: Session, by: Acting, *, shared_limit: int = SHARED_ON_NOTES_PAGE) -> NotesPage:
    """One person's notes page: what waits for them, their own notes (written by them or about
    them), and what others shared with them; with the first words of each (logged once per
    note, however many of the page's lists it is in)."""
    assert by.id is not None
    waiting = _inbox(db, by.id)
    approved = _recently_approved(db, by.id)
    own = _mine(db, by)
    shared, sharers = _shared_with(db, by, shared_limit)
    words = words_for(db, by, [*waiting, *approved, *own, *shared])
    return NotesPage(
        [_summary(n) for n in waiting],
        [_summary(n) for n in approved],
        [_summary(n) for n in own],
        [_summary(n) for n in shared],
        sharers,
        words,
    )


def _waiting_for(user_id: int):  # type: ignore[no-untyped-def]
    return ((Note.subject_id == user_id) & (Note.state == State.PROPOSED)) | (
        (Note.author_id == user_id)
        & (
            (Note.state == State.CHANGES_REQUESTED)
            | ((Note.in_person == InPersonReview.DISPUTED) & (Note.state == State.PROPOSED))
        )
    )


def _inbox(db: Session, user_id: int) -> list[Note]:
    return list(
        db.scalars(
            select(Note)
            .where(_waiting_for(user_id))
            .order_by(Note.updated_at.desc(), Note.id.desc())
        )
    )


def inbox(db: Session, user_id: int) -> list[NoteSummary]:
    """What waits for this person: notes to review (subject), changes asked for or in-person
    reviews disputed (author)."""
    return [_summary(n) for n in _inbox(db, user_id)]


#: How long an approval stays in the writer's "recently approved" list.
RECENT_APPROVALS_DAYS = 14


def _recently_approved(db: Session, author_id: int) -> list[Note]:
    since = utcnow() - timedelta(days=RECENT_APPROVALS_DAYS)
    return list(
        db.scalars(
            select(Note)
            .where(
                Note.author_id == author_id,
                Note.state == State.SHARED,
                Note.approved_at >= since,
            )
            .order_by(Note.approved_at.desc(), Note.id.desc())
        )
    )


def recently_approved(db: Session, author_id: int) -> list[NoteSummary]:
    """The writer's notes the subject approved lately: good news, listed but not counted."""
    return [_summary(n) for n in _recently_approved(db, author_id)]


#: Built once: the count runs on every page (the navigation's badge), and building the
#: statement cost as much as running it.
_INBOX_COUNT = select(func.count()).select_from(Note).where(_waiting_for(bindparam("user_id")))


def inbox_count(db: Session, user_id: int) -> int:
    return db.scalar(_INBOX_COUNT, {"user_id": user_id}) or 0


def carers_sharing_with(db: Session, by: Acting) -> list[User]:
    """Carers who share their carer-support notes with this person and have one to read: for
    their home page, so a share is found without knowing where to look. The candidates come
    from `subjects_naming`; the peer-notes decision (`decide()`) has the last word on each."""
    assert by.id is not None and by.role is not None
    now = utcnow()
    candidates = subjects_naming(by.id, by.role, Category.PEER_NOTES, now).where(
        User.role == Role.CARER,
        select(Note.id).where(shared_with_care_team(User.id)).exists(),
    )
    ids = set(db.scalars(candidates))
    carers = db.scalars(select(User).where(User.id.in_(ids)).order_by(User.display_name))
    return [c for c in carers if peer_notes_decision(db, by, c.id).permitted]
