"""What a list of notes needs to show each one's first words, loaded for the whole list at
once: the revisions, the sections' audiences and the peer-space key rows of every note on it,
in three queries, instead of three for each note (`excerpts.words_for`).

The rows are kept in the session only while the list is built (`prefetched`), and the single
readers (`sealing.open_revision_strictly`, `reading._audiences`) look there first and query
as before when a row is not there, so a note's page and a list can never read differently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.crypto.models import SpaceKey
from peernotes.notes.models import Audience, Note, NoteRevision, NoteSectionAudience

PREFETCHED = "peernotes.notes.prefetched"


@dataclass
class Prefetched:
    revisions: dict[tuple[int, int], NoteRevision] = field(default_factory=dict)
    #: Every (note, revision) of the listed notes, with its audiences (empty when none set).
    audiences: dict[tuple[int, int], dict[int, Audience]] = field(default_factory=dict)
    #: Held so that the session's identity map keeps them for `db.get` (it holds only what
    #: someone refers to).
    space_keys: list[SpaceKey] = field(default_factory=list)


def revision(db: Session, note_id: int, number: int) -> NoteRevision | None:
    """The revision if a list loaded it; None when nothing was prefetched for it."""
    found: Prefetched | None = db.info.get(PREFETCHED)
    return None if found is None else found.revisions.get((note_id, number))


def audiences(db: Session, note_id: int, number: int) -> dict[int, Audience] | None:
    """The audiences of one revision if a list loaded them; None when not prefetched."""
    found: Prefetched | None = db.info.get(PREFETCHED)
    return None if found is None else found.audiences.get((note_id, number))


@contextmanager
def prefetched(db: Session, notes: Iterable[Note]) -> Iterator[None]:
    """Load what `readable` reads of these notes, for the time of the block."""
    listed = list(notes)
    ids = sorted({n.id for n in listed})
    if not ids or PREFETCHED in db.info:
        yield
        return
    found = Prefetched()
    for row in db.scalars(select(NoteRevision).where(NoteRevision.note_id.in_(ids))):
        found.revisions[row.note_id, row.number] = row
    for key in found.revisions:
        found.audiences[key] = {}
    for a in db.scalars(select(NoteSectionAudience).where(NoteSectionAudience.note_id.in_(ids))):
        found.audiences.setdefault((a.note_id, a.revision), {})[a.section] = a.audience
    spaces = {n.space_key_id for n in listed if n.space_key_id is not None}
    if spaces:
        found.space_keys = list(db.scalars(select(SpaceKey).where(SpaceKey.id.in_(spaces))))
    db.info[PREFETCHED] = found
    try:
        yield
    finally:
        db.info.pop(PREFETCHED, None)
