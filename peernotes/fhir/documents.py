"""`DocumentReference`: record entries (`record-<id>`) and co-authored notes (`note-<id>`).

A read is the web page's read: `records.service.read_entry` or `notes.service.read`, so the same
decision is taken and the same entry written to the access log, and only what that person may
read is in it (for a note, only the sections shared with them, byte for byte as approved). The
subject's own words and correction requests travel with the item, as each page shows them.

A search (`subject=Patient/<id>`, `document_search`) is the record page's list
(`records.service.list_entries`) followed by the person's shared notes list
(`notes.service.shared_about`), each logged as its page is: an entry carries no content, a note
only the first words its list shows (a logged read), and each links to the read that has the
rest. Its `total` is counted with the very conditions that filter the two lists.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B.documentreference import DocumentReference
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.access.decision import Category
from peernotes.access.queries import readable_entries
from peernotes.access.relationships import relationships, through_app
from peernotes.auth.actor import Acting
from peernotes.fhir.consents import CATEGORY_SYSTEM, fhir_time
from peernotes.fhir.people import USER_SYSTEM
from peernotes.notes.lifecycle import State
from peernotes.notes.service.lists import NoteSummary
from peernotes.notes.service.reading import NoteView
from peernotes.records.models import RecordEntry
from peernotes.records.service import EntrySummary, EntryView

NOTE_KIND_SYSTEM = "urn:peernotes:note-kind"
STATEMENT_SYSTEM = "urn:peernotes:statement-kind"
_STATEMENT_TITLES = {
    "own_words": "In my own words",
    "correction": "Asked for a correction",
    "correction_reply": "Answer to a correction request",
}


def _text(text: str, title: str) -> dict[str, Any]:
    return {
        "contentType": "text/plain; charset=utf-8",
        "data": base64.b64encode(text.encode()).decode(),
        "title": title,
    }


def _author(author_id: int) -> dict[str, Any]:
    return {"type": "Practitioner", "identifier": {"system": USER_SYSTEM, "value": str(author_id)}}


def _category(category: Category) -> dict[str, Any]:
    return {
        "coding": [{"system": CATEGORY_SYSTEM, "code": category.value, "display": category.label}]
    }


def _entry_head(entry: EntryView | EntrySummary, subject_id: int) -> dict[str, Any]:
    """What a record entry's DocumentReference says of it whether read or listed: which entry,
    its status (entered in error, amended), its kind, whose record and who wrote it."""
    return {
        "resourceType": "DocumentReference",
        "id": f"record-{entry.id}",
        "status": "entered-in-error" if entry.entered_in_error else "current",
        "docStatus": "amended" if entry.revision > 1 else "final",
        "type": {"text": entry.category.label},
        "category": [_category(entry.category)],
        "subject": {"reference": f"Patient/{subject_id}"},
        "author": [_author(entry.author_id)],
    }


def entry_document(entry: EntryView) -> DocumentReference:
    """A record entry as read, with its latest revision and the subject's statements."""
    content = [{"attachment": _text(f"{entry.title}\n\n{entry.body}", entry.title)}]
    content += [
        {"attachment": _text(s.text, _STATEMENT_TITLES.get(s.kind.value, s.kind.value))}
        for s in entry.statements
    ]
    return DocumentReference.model_validate(
        {
            **_entry_head(entry, entry.subject_id),
            "date": fhir_time(entry.revised_at),
            "description": entry.title,
            "content": content,
        }
    )


def entry_summary(subject_id: int, entry: EntrySummary) -> DocumentReference:
    """A listed entry: what the record page's list shows (no title, no text), and a link to
    the read, which is logged as the page's read is."""
    return DocumentReference.model_validate(
        {
            **_entry_head(entry, subject_id),
            "date": fhir_time(entry.created_at),
            "content": [
                {
                    "attachment": {
                        "contentType": "application/fhir+json",
                        "url": f"DocumentReference/record-{entry.id}",
                        "title": "The entry, when read",
                    }
                }
            ],
        }
    )


_NOTE_STATUS = {State.WITHDRAWN: "superseded"}
_DOC_STATUS = {State.SHARED: "final", State.DRAFT: "preliminary", State.PROPOSED: "preliminary"}


def note_document(note: NoteView) -> DocumentReference:
    """A note as this person may read it: only the sections they may read."""
    body = "\n\n".join(f"{s.heading}\n\n{s.body}" for s in note.sections)
    content = [{"attachment": _text(body, "Note")}]
    content += [
        {"attachment": _text(s.text, _STATEMENT_TITLES.get(s.kind.value, s.kind.value))}
        for s in note.statements
    ]
    return DocumentReference.model_validate(
        {
            "resourceType": "DocumentReference",
            "id": f"note-{note.id}",
            "status": _NOTE_STATUS.get(note.state, "current"),
            "docStatus": _DOC_STATUS.get(note.state, "preliminary"),
            "type": {"coding": [{"system": NOTE_KIND_SYSTEM, "code": note.kind.value}]},
            "category": [_category(Category.PEER_NOTES)],
            "subject": {"reference": f"Patient/{note.subject_id}"},
            "date": fhir_time(note.approved_at) if note.approved_at else None,
            "author": [_author(note.author_id)],
            "content": content,
        }
    )


def note_summary(note: NoteSummary, words: str | None) -> DocumentReference:
    """A listed note: what the person's notes list shows (its first words, when the list
    showed and logged them), and a link to the read of the sections shared with the reader.
    The list holds shared notes only, each as the version the person approved: its live state
    (the writer amending it, the person asking for changes) is not the reader's to know."""
    return DocumentReference.model_validate(
        {
            "resourceType": "DocumentReference",
            "id": f"note-{note.id}",
            "status": "current",
            "docStatus": "final",
            "type": {"coding": [{"system": NOTE_KIND_SYSTEM, "code": note.kind.value}]},
            "category": [_category(Category.PEER_NOTES)],
            "subject": {"reference": f"Patient/{note.subject_id}"},
            "date": fhir_time(note.approved_at) if note.approved_at else None,
            "author": [_author(note.author_id)],
            "description": words or None,
            "content": [
                {
                    "attachment": {
                        "contentType": "application/fhir+json",
                        "url": f"DocumentReference/note-{note.id}",
                        "title": "The note, when read",
                    }
                }
            ],
        }
    )


def readable_entry_count(db: Session, actor: Acting, subject_id: int) -> int:
    """How many of the subject's entries this person may read now: the list's own condition
    (`access.queries.readable_entries`) at the list's own moment, counted."""
    assert actor.id is not None and actor.role is not None  # nosec B101
    now = relationships(db, actor).now
    return int(
        db.scalar(
            select(func.count(RecordEntry.id)).where(
                RecordEntry.subject_id == subject_id,
                readable_entries(actor.id, actor.role, now, emergency=not through_app(actor)),
            )
        )
        or 0
    )


def summaries(subject_id: int, entries: Sequence[EntrySummary]) -> list[DocumentReference]:
    return [entry_summary(subject_id, e) for e in entries]
