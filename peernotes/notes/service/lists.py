"""Lists of notes: one's own, those shared about a person or with oneself, and what waits for
review; each with the first words of the notes its reader may read (`excerpts`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import BindParameter, Integer, Select, bindparam, func, select
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
from peernotes.notes.service.parties import _log, put_to_subject
from peernotes.notes.service.reading import peer_notes_decision, shared_with_care_team
from peernotes.parsing import parse_cursor


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


#: Notes a list shows at a time: the notes page's own notes, the notes waiting for review, and
#: a person's list of what they shared; older ones are a link away (keyset-paged, so a later
#: page costs what the first does). Each shown note's first words are a logged read, so the
#: bound is on those reads too.
LIST_PAGE = 25


@dataclass(frozen=True)
class ListCursor:
    """Where the next page of a list of notes starts: after (time, id) in newest-first order."""

    at: datetime
    id: int

    def token(self) -> str:
        return f"{self.at.isoformat()}|{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> ListCursor | None:
        """None for no cursor; ValueError for one the app could not have written (a 400)."""
        if not token:
            return None
        at, ident = token.split("|")
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError(at)
        try:
            when = when.astimezone(UTC)
        except OverflowError:
            raise ValueError(at) from None
        number = parse_cursor(ident)
        if number is None:
            raise ValueError(ident)
        return cls(when, number)


def _page_of(
    rows: list[Note], at: Callable[[Note], datetime | None], size: int = LIST_PAGE
) -> tuple[list[Note], ListCursor | None]:
    """The first `size` of rows fetched one beyond it, and the cursor after them when there
    are more."""
    shown = rows[:size]
    if len(rows) <= size or not shown:
        return shown, None
    last = shown[-1]
    when = at(last)
    assert when is not None
    return shown, ListCursor(when, last.id)


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


def _mine_query(by: Acting) -> Select[Note]:
    assert by.id is not None
    return (
        select(Note)
        .where((Note.author_id == by.id) | ((Note.subject_id == by.id) & put_to_subject()))
        .order_by(Note.updated_at.desc(), Note.id.desc())
    )


def _mine(db: Session, by: Acting, before: ListCursor | None) -> list[Note]:
    """One page more than a list shows (to know whether there is another), after `before`."""
    query = _mine_query(by)
    if before is not None:
        query = query.where(
            (Note.updated_at < before.at) | ((Note.updated_at == before.at) & (Note.id < before.id))
        )
    return list(db.scalars(query.limit(LIST_PAGE + 1)))


def mine(db: Session, by: Acting) -> list[NoteSummary]:
    """Notes this person wrote, or that are about them (drafts excepted), newest first."""
    return [_summary(n) for n in db.scalars(_mine_query(by))]


@dataclass(frozen=True)
class Listing:
    """Notes as a list shows them: each one's summary, and the first words of those this
    person may read something of (by note id; the read is logged, `excerpts.words_for`)."""

    notes: list[NoteSummary]
    words: dict[int, str] = field(default_factory=dict)
    #: Where the next (older) page starts, when there is one.
    older: ListCursor | None = None


def shared_about(
    db: Session,
    by: Acting,
    subject_id: int,
    *,
    before: ListCursor | None = None,
    size: int = LIST_PAGE,
) -> Listing:
    """Notes about `subject_id` that this person (neither author nor subject) may open: the
    approved notes with at least one care-team section, when `decide()` permits peer notes,
    a page at a time (`size`, the notes page's `LIST_PAGE` unless an app asked for another;
    newest first, after `before`). One decision for the subject, since for others it does not
    depend on the note. The list is logged once (allowed or denied); each note whose first
    words it shows, once more: only the notes of this page, so a smaller page logs fewer
    reads. `shared_about_count` counts the same notes."""
    if size < 1:
        raise ValueError(size)
    decision = peer_notes_decision(db, by, subject_id)
    rows: list[Note] = []
    older: ListCursor | None = None
    if decision.permitted:
        query = select(Note).where(shared_with_care_team(subject_id))
        if before is not None:
            query = query.where(
                (Note.approved_at < before.at)
                | ((Note.approved_at == before.at) & (Note.id < before.id))
            )
        rows, older = _page_of(
            list(
                db.scalars(query.order_by(Note.approved_at.desc(), Note.id.desc()).limit(size + 1))
            ),
            lambda n: n.approved_at,
            size,
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
    return Listing([_summary(n) for n in rows], words_for(db, by, rows), older)


def shared_about_count(db: Session, by: Acting, subject_id: int) -> int:
    """How many notes `shared_about` would list for this person, over all its pages: the same
    decision and the same condition, counted (0 when the decision withholds them, so a count
    never tells of notes this person may not open). Reads no note and logs nothing: a number
    is not a read of any note, and the list that shows them logs itself."""
    if not peer_notes_decision(db, by, subject_id).permitted:
        return 0
    counted = select(func.count(Note.id)).where(shared_with_care_team(subject_id))
    return int(db.scalar(counted) or 0)


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
    #: How many wait for them in all (`waiting` holds the newest `LIST_PAGE`).
    waiting_total: int = 0
    #: Where the next page of their own notes starts, when there is one.
    older: ListCursor | None = None
    #: A later page of their own notes: that list alone.
    continued: bool = False


def notes_page(
    db: Session,
    by: Acting,
    *,
    shared_limit: int = SHARED_ON_NOTES_PAGE,
    before: ListCursor | None = None,
) -> NotesPage:
    """One person's notes page: what waits for them, their own notes (written by them or about
    them), and what others shared with them; with the first words of each (logged once per
    note, however many of the page's lists it is in). Each list holds at most a page
    (`LIST_PAGE`); their own notes go on, older, from `before`. The later pages of their own
    notes show that list alone."""
    assert by.id is not None
    own, older = _page_of(_mine(db, by, before), lambda n: n.updated_at)
    if before is None:
        waiting = _inbox(db, by.id)
        waiting_total = inbox_count(db, by.id) if len(waiting) == LIST_PAGE else len(waiting)
        approved = _recently_approved(db, by.id)
        shared, sharers = _shared_with(db, by, shared_limit)
    else:
        waiting, waiting_total, approved, shared, sharers = [], 0, [], [], []
    words = words_for(db, by, [*waiting, *approved, *own, *shared])
    return NotesPage(
        [_summary(n) for n in waiting],
        [_summary(n) for n in approved],
        [_summary(n) for n in own],
        [_summary(n) for n in shared],
        sharers,
        words,
        waiting_total,
        older,
        before is not None,
    )


def _waiting_for(user_id: int | BindParameter[int]):  # type: ignore[no-untyped-def]
    return ((Note.subject_id == user_id) & (Note.state == State.PROPOSED)) | (
        (Note.author_id == user_id)
        & (
            (Note.state == State.CHANGES_REQUESTED)
            | ((Note.in_person == InPersonReview.DISPUTED) & (Note.state == State.PROPOSED))
        )
    )


def _inbox_query(user_id: int) -> Select[Note]:
    return (
        select(Note).where(_waiting_for(user_id)).order_by(Note.updated_at.desc(), Note.id.desc())
    )


def _inbox(db: Session, user_id: int) -> list[Note]:
    """The newest `LIST_PAGE` waiting (the page says how many in all)."""
    return list(db.scalars(_inbox_query(user_id).limit(LIST_PAGE)))


def inbox(db: Session, user_id: int) -> list[NoteSummary]:
    """What waits for this person: notes to review (subject), changes asked for or in-person
    reviews disputed (author)."""
    return [_summary(n) for n in db.scalars(_inbox_query(user_id))]


#: How long an approval stays in the writer's "recently approved" list.
RECENT_APPROVALS_DAYS = 14


def _recently_approved_query(author_id: int) -> Select[Note]:
    since = utcnow() - timedelta(days=RECENT_APPROVALS_DAYS)
    return (
        select(Note)
        .where(
            Note.author_id == author_id,
            Note.state == State.SHARED,
            Note.approved_at >= since,
        )
        .order_by(Note.approved_at.desc(), Note.id.desc())
    )


def _recently_approved(db: Session, author_id: int) -> list[Note]:
    """The newest `LIST_PAGE` (good news; the rest are in their own notes)."""
    return list(db.scalars(_recently_approved_query(author_id).limit(LIST_PAGE)))


def recently_approved(db: Session, author_id: int) -> list[NoteSummary]:
    """The writer's notes the subject approved lately: good news, listed but not counted."""
    return [_summary(n) for n in db.scalars(_recently_approved_query(author_id))]


#: Built once: the count runs on every page (the navigation's badge), and building the
#: statement cost as much as running it.
_INBOX_COUNT = (
    select(func.count()).select_from(Note).where(_waiting_for(bindparam("user_id", type_=Integer)))
)


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
