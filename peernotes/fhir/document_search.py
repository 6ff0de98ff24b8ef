"""The `DocumentReference` search of one person: their record entries, then their shared notes.

One stable order over both kinds: the record entries the caller may read, newest first (the
record page's list, `records.service.list_entries`), then the notes shared with them, newest
approval first (the person's notes list, `notes.service.shared_about`). Each page asks each
list for no more than it shows, so the access log holds the lists' own entries and a read of
exactly the notes whose first words the page carries. The cursor names the kind and where in
it the next page starts: `[0, entry id]` in the entries, `[1]` at the first note,
`[1, approval time, note id]` after a note. `total` is each list's own count of what the
caller may read, added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fhir.resources.R4B.documentreference import DocumentReference
from sqlalchemy.orm import Session

from peernotes.api.errors import ApiError
from peernotes.api.paging import decode_cursor
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.fhir import documents
from peernotes.fhir.bundle import CURSOR, Search
from peernotes.fhir.outcome import FhirError
from peernotes.notes import service as notes
from peernotes.records import service as records

_ENTRIES, _NOTES = 0, 1
Key = tuple[int | datetime, ...]


@dataclass(frozen=True)
class _Start:
    """Where a page starts: in the entries (after `entry`), or in the notes (after `note`)."""

    in_notes: bool
    entry: int | None = None
    note: notes.ListCursor | None = None


def _start(found: Search) -> _Start:
    """The page's start from its cursor (the first entry when there is none).

    Raises:
        FhirError: 400 naming `_cursor` for one this search did not give out.
    """
    if found.cursor is None:
        return _Start(in_notes=False)
    for kinds in (("id", "id"), ("id",), ("id", "time", "id")):
        try:
            key = decode_cursor(found.cursor, *kinds)
        except ApiError:
            continue
        match key:
            case (0, int(entry)):
                return _Start(in_notes=False, entry=entry)
            case (1,):
                return _Start(in_notes=True)
            case (1, datetime() as at, int(note)):
                try:  # the notes list's own check of a position (an aware time, in range)
                    position = notes.ListCursor.parse(f"{at.isoformat()}|{note}")
                except ValueError:
                    break
                return _Start(in_notes=True, note=position)
    raise FhirError(400, "That cursor isn't one we gave out.", CURSOR)


@dataclass(frozen=True)
class Found:
    resources: list[DocumentReference]
    total: int
    next_key: Key | None


def _notes_after(note: notes.ListCursor | None) -> Key | None:
    return (_NOTES, note.at, note.id) if note is not None else None


def search(db: Session, actor: Actor, subject_id: int, found: Search) -> Found:
    """One page of the person's documents this caller may read, and how many there are."""
    start = _start(found)
    # Notes are listed to whoever may open notes at all (the notes pages' own permission);
    # which notes, the notes service decides.
    with_notes = actor.can(Permission.NOTES_READ)
    note_total = notes.shared_about_count(db, actor, subject_id) if with_notes else 0
    total = documents.readable_entry_count(db, actor, subject_id) + note_total
    resources: list[DocumentReference] = []
    room = found.count
    before_note = start.note
    if not start.in_notes:
        page = records.list_entries(db, actor, subject_id, before=start.entry, size=room)
        resources += documents.summaries(subject_id, page.entries)
        if page.older is not None:
            return Found(resources, total, (_ENTRIES, page.older))
        room -= len(page.entries)
        if room == 0:  # the notes start on the next page, if there are any
            return Found(resources, total, (_NOTES,) if note_total else None)
    if not with_notes:
        return Found(resources, total, None)
    # Asked even when none may be read, so that the look is on record (denied) as the notes
    # list's page records it.
    listing = notes.shared_about(db, actor, subject_id, before=before_note, size=room)
    resources += [documents.note_summary(n, listing.words.get(n.id)) for n in listing.notes]
    return Found(resources, total, _notes_after(listing.older))
