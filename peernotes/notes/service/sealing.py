"""Sealing a note's revisions and texts under its subject's data key, bound to their rows."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.crypto.sealing import seal_about, unseal_about
from peernotes.notes.models import (
    Note,
    NoteRevision,
)
from peernotes.notes.service.sections import NoteNotFound, Section


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
