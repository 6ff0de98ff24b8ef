"""Lists of notes: one's own, those shared about a person, and what waits for review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.access.decision import Category
from peernotes.access.queries import subjects_naming
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


def _summary(note: Note) -> NoteSummary:
    return NoteSummary(
        note.id, note.kind, note.subject_id, note.author_id, note.state, note.updated_at
    )


def mine(db: Session, by: Acting) -> list[NoteSummary]:
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


def shared_about(db: Session, by: Acting, subject_id: int) -> list[NoteSummary]:
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
