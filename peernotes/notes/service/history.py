"""A note's earlier revisions, for someone who has just been shown the note (`read`).

Which revisions a person may see follows from who they are to the note: its author wrote every
one of them; its subject was shown the note from the moment it was first proposed to them, so
every revision from that one on; anyone else only ever reads the approved revision `read` gave
them, so nothing more here. Nothing is logged: the read that
produced the `NoteView` already was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.access.objects import Relation, note_revisions_from
from peernotes.notes.lifecycle import NoteAction, Party
from peernotes.notes.models import Note, NoteRevision
from peernotes.notes.service.reading import NoteView
from peernotes.notes.service.sealing import _open_revision
from peernotes.notes.service.sections import Section


@dataclass(frozen=True)
class RevisionView:
    number: int
    author_id: int
    created_at: datetime
    sections: list[Section]


def first_shown_to_subject(view: NoteView) -> int | None:
    """The revision the subject first saw: the one proposed to them first. None when it never
    was (a draft, or a draft withdrawn before it was proposed)."""
    steps = [e.revision for e in view.events if e.action is NoteAction.PROPOSE]
    return min(steps) if steps else None


def revisions(db: Session, view: NoteView) -> list[RevisionView]:
    """Every revision of the note that the person `view` was built for may see, oldest first
    (the one `view` shows among them). Call only with a `NoteView` from `read`."""
    relation = {Party.AUTHOR: Relation.AUTHOR, Party.SUBJECT: Relation.SUBJECT}.get(view.party)
    first = note_revisions_from(relation, first_shown_to_subject(view))
    if first is None:
        return []
    note = db.get_one(Note, view.id)
    rows = db.scalars(
        select(NoteRevision)
        .where(
            NoteRevision.note_id == note.id,
            NoteRevision.number >= first,
            NoteRevision.number <= view.revision,
        )
        .order_by(NoteRevision.number)
    ).all()
    return [
        RevisionView(r.number, r.author_id, r.created_at, _open_revision(db, note, r.number)[0])
        for r in rows
    ]
