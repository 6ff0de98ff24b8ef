"""A person's timeline: the notes and record entries about them that the viewer may see, in
time order (newest first), keyset-paged on (time, kind, id) so that page 100 costs page 1.

Both sources are filtered in SQL by the same rules the single reads apply: record entries by
`readable_entries` (the SQL twin of `decide()`), notes by who the viewer is to each note
(author, subject, or someone `decide()` lets read the care-team sections of shared notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from peernotes.access.queries import readable_entries
from peernotes.access.relationships import relationships, through_app
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import record_event
from peernotes.auth.actor import Acting
from peernotes.db import utcnow
from peernotes.notes import service as note_service
from peernotes.notes.models import Note
from peernotes.parsing import parse_cursor
from peernotes.records.models import RecordEntry

PAGE_SIZE = 25
# Within the same instant, notes sort after record entries (rank), then by id.
_RANK = {"record": 0, "note": 1}


@dataclass(frozen=True)
class Item:
    kind: str  # "record" or "note"
    id: int
    at: datetime
    author_id: int
    label: str  # a record category's label, or a note's state


@dataclass(frozen=True)
class Cursor:
    at: datetime
    kind: str
    id: int

    def token(self) -> str:
        return f"{self.at.isoformat()}|{self.kind}|{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """None for no cursor; raises ValueError for a malformed one (a 400 for the page).

        Only what `token` writes is accepted: an aware time (the columns refuse naive ones),
        a kind, and an id in the database's range (a longer one overflowed the driver)."""
        if not token:
            return None
        at, kind, ident = token.split("|")
        if kind not in _RANK:
            raise ValueError(kind)
        when = datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError(at)
        try:
            when = when.astimezone(UTC)
        except OverflowError:  # an offset that pushes year 1 or 9999 out of range
            raise ValueError(at) from None
        number = parse_cursor(ident)
        if number is None:
            raise ValueError(ident)
        return cls(when, kind, number)


@dataclass(frozen=True)
class Page:
    items: list[Item]
    older: Cursor | None
    #: The first words of the notes on the page that the viewer may read, by note id.
    words: dict[int, str] = field(default_factory=dict)


def _before(
    at_column: InstrumentedAttribute[datetime],
    id_column: InstrumentedAttribute[int],
    kind: str,
    cursor: Cursor | None,
) -> ColumnElement[bool] | None:
    """Rows strictly after the cursor in (time desc, rank desc, id desc) order."""
    if cursor is None:
        return None
    if _RANK[kind] < _RANK[cursor.kind]:
        same_instant = at_column <= cursor.at
    elif _RANK[kind] > _RANK[cursor.kind]:
        same_instant = at_column < cursor.at
    else:
        same_instant = or_(
            at_column < cursor.at, and_(at_column == cursor.at, id_column < cursor.id)
        )
    return same_instant


def _visible_notes(db: Session, viewer: Acting, subject_id: int) -> ColumnElement[bool]:
    assert viewer.id is not None and viewer.role is not None
    if viewer.id == subject_id:
        return and_(Note.subject_id == subject_id, note_service.put_to_subject())
    mine = and_(Note.subject_id == subject_id, Note.author_id == viewer.id)
    if not note_service.peer_notes_decision(db, viewer, subject_id).permitted:
        return mine
    return or_(mine, note_service.shared_with_care_team(subject_id))


def page(
    db: Session,
    viewer: Acting,
    subject_id: int,
    *,
    cursor: Cursor | None = None,
    size: int = PAGE_SIZE,
    exists: bool = True,
) -> Page:
    """One page of the timeline; logged once (allowed when anything is visible), and once more
    for each note whose first words it shows.

    For an id that names no one (`exists=False`) the page is still built, empty, and the
    attempt logged about nobody: a miss does a refusal's work, so its time tells nothing."""
    assert viewer.id is not None and viewer.role is not None
    now = utcnow()
    entries = select(RecordEntry).where(
        RecordEntry.subject_id == subject_id,
        readable_entries(viewer.id, viewer.role, now, emergency=not through_app(viewer)),
    )
    after = _before(RecordEntry.created_at, RecordEntry.id, "record", cursor)
    if after is not None:
        entries = entries.where(after)
    notes = select(Note).where(_visible_notes(db, viewer, subject_id))
    after = _before(Note.created_at, Note.id, "note", cursor)
    if after is not None:
        notes = notes.where(after)
    items = [
        Item("record", e.id, e.created_at, e.author_id, e.category.label)
        for e in db.scalars(
            entries.order_by(RecordEntry.created_at.desc(), RecordEntry.id.desc()).limit(size + 1)
        )
    ]
    found_notes = {
        n.id: n
        for n in db.scalars(notes.order_by(Note.created_at.desc(), Note.id.desc()).limit(size + 1))
    }
    items += [
        Item("note", n.id, n.created_at, n.author_id, n.state.value) for n in found_notes.values()
    ]
    items.sort(key=lambda i: (i.at, _RANK[i.kind], i.id), reverse=True)
    shown = items[:size]
    older = (
        Cursor(shown[-1].at, shown[-1].kind, shown[-1].id) if len(items) > size and shown else None
    )
    record_event(
        db,
        viewer,
        Action.TIMELINE_VIEW,
        subject_id if exists else None,
        None,
        Outcome.ALLOWED if shown or viewer.id == subject_id else Outcome.DENIED,
        Basis.SELF if viewer.id == subject_id else ("filtered" if shown else "nothing_shared"),
    )
    # Each note's first words are a read of it, logged once per note shown (`words_for`).
    words = note_service.words_for(
        db, viewer, [found_notes[i.id] for i in shown if i.kind == "note"]
    )
    return Page(shown, older, words)


def may_show(db: Session, viewer: Acting, subject_id: int, found: Page) -> bool:
    """Whether the page shows at all: to the person themselves, to anyone with something on it,
    and, empty, to a worker in the person's care (who knows them already, so an empty page
    tells them nothing a missing one would hide). To anyone else an empty timeline is the same
    404 as no such person."""
    return (
        viewer.id == subject_id
        or bool(found.items)
        or relationships(db, viewer).in_care(subject_id)
    )
