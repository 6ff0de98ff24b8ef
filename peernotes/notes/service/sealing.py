"""Sealing a note's revisions and texts, bound to their rows.

A note in the peer space (no section of it ever given to the care team) is sealed under a
peer-space key kept in the key vault outside the database, so that the person can have it
crypto-shredded (`peernotes.erasure`). Precisely: each note has its own content key
(`notes.wrapped_key`), wrapped by a peer-space key while the note is in the peer space. The
moment the subject approves a revision with a section for the care team, the note enters the
record: its content key is re-wrapped under the subject's data key in that same transaction
(`enter_record`), and it is kept for the retention period like the medical record. Erased
notes stay as tombstones: their rows remain, their words are gone.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.crypto.keys import new_data_key, seal, unseal
from peernotes.crypto.sealing import (
    peer_space_key,
    seal_about,
    seal_in_space,
    unseal_about,
    unseal_in_space,
)
from peernotes.crypto.vault import KeyShredded
from peernotes.notes.models import (
    Audience,
    Note,
    NoteRevision,
    NoteSectionAudience,
)
from peernotes.notes.service import prefetch
from peernotes.notes.service.sections import NoteNotFound, NotesError, Section

#: What an erased note shows in place of its sections.
ERASED_HEADING = "Erased"


#: A note whose peer-space key is gone from the vault though the database still names it.
KEY_GONE = (
    "The words of this note can't be read: its key is not in the key vault. Keys are "
    "destroyed when the person asks for their notes to be erased."
)


def erased_words(when: datetime) -> str:
    return f"Erased at the person's request on {when.day} {when:%B %Y}."


def _aad(table: str, row: int, number: int, subject_id: int) -> bytes:
    return f"{table}:{row}:{number}:{subject_id}".encode()


def _canonical(sections: list[Section]) -> bytes:
    # A content note is written only when there is one, so an untagged revision keeps the
    # exact bytes (and approval hash) it always had.
    return json.dumps(
        [
            {"heading": s.heading, "body": s.body}
            | ({"content_note": s.content_note} if s.content_note else {})
            for s in sections
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def note_key_aad(note_id: int, subject_id: int) -> bytes:
    """What a note's wrapped content key is bound to (public for the data generator)."""
    return f"notes:{note_id}:key:{subject_id}".encode()


def _key_aad(note: Note) -> bytes:
    return note_key_aad(note.id, note.subject_id)


def _note_key(db: Session, note: Note) -> bytes | None:
    """The note's own content key, unwrapped from where it is now (the peer-space key, or the
    subject's data key once the note entered the record). None: a note written before notes
    had their own key, sealed directly under the subject's data key."""
    if note.wrapped_key is None:
        return None
    if note.space_key_id is not None:
        return unseal_in_space(
            db, note.space_key_id, note.subject_id, note.wrapped_key, _key_aad(note)
        )
    return unseal_about(db, note.subject_id, note.wrapped_key, _key_aad(note))


def _seal(db: Session, note: Note, plain: bytes, aad: bytes) -> bytes:
    if note.erased_at is not None:
        raise NotesError("This note was erased at the person's request; nothing can be added.")
    key = _note_key(db, note)
    return seal(key, plain, aad) if key is not None else seal_about(db, note.subject_id, plain, aad)


def _unseal(db: Session, note: Note, sealed: bytes, aad: bytes) -> bytes:
    key = _note_key(db, note)
    if key is None:
        return unseal_about(db, note.subject_id, sealed, aad)
    return unseal(key, sealed, aad)


def _seal_sections(db: Session, note: Note, number: int, sections: list[Section]) -> bytes:
    aad = _aad("note_revisions", note.id, number, note.subject_id)
    return _seal(db, note, _canonical(sections), aad)


def _open_revision(db: Session, note: Note, number: int) -> tuple[list[Section], bytes]:
    """The sections of one revision, and their canonical bytes (what the approval hash covers).
    An erased note has one section saying so, and no bytes."""
    if note.erased_at is not None:
        return [Section(ERASED_HEADING, erased_words(note.erased_at))], b""
    try:
        return open_revision_strictly(db, note, number)
    except KeyShredded:
        # The database does not know yet (restored from a backup taken before the erasure):
        # say so rather than fail. Only author and subject get here: a peer-space note has no
        # section anyone else may read.
        return [Section(ERASED_HEADING, KEY_GONE)], b""


def open_revision_strictly(db: Session, note: Note, number: int) -> tuple[list[Section], bytes]:
    """As `_open_revision`, but a missing key raises (`KeyShredded`): for drills and tests
    that must tell "cannot be decrypted" from anything else."""
    revision = prefetch.revision(db, note.id, number) or db.scalar(
        select(NoteRevision).where(NoteRevision.note_id == note.id, NoteRevision.number == number)
    )
    if revision is None:
        raise NoteNotFound(note.id)
    aad = _aad("note_revisions", note.id, number, note.subject_id)
    plain = _unseal(db, note, revision.ciphertext, aad)
    return [
        Section(s["heading"], s["body"], s.get("content_note")) for s in json.loads(plain)
    ], plain


def _seal_text(db: Session, note: Note, table: str, row_hint: int, text: str) -> bytes:
    return _seal(db, note, text.encode(), _aad(table, note.id, row_hint, note.subject_id))


def _open_text(db: Session, note: Note, table: str, row_hint: int, sealed: bytes) -> str:
    if note.erased_at is not None:
        return ""
    aad = _aad(table, note.id, row_hint, note.subject_id)
    return _unseal(db, note, sealed, aad).decode()


# The peer space and the record ---------------------------------------------------------------


def start_in_peer_space(db: Session, note: Note) -> None:
    """A new note starts in the peer space: its own content key, wrapped by the subject's
    current peer-space key. The note must have its id (flushed)."""
    note.space_key_id = peer_space_key(db, note.subject_id)
    note.wrapped_key = seal_in_space(
        db, note.space_key_id, note.subject_id, new_data_key(), _key_aad(note)
    )
    db.flush()


def entered_record(db: Session, note_id: int) -> bool:
    """Whether the note ever left the peer space: its subject approved a revision with at
    least one section for the care team (filing into the medical record needs one too). From
    then on the care team may have read it and acted on it, so it is kept like the record."""
    return (
        db.scalar(
            select(NoteSectionAudience.id)
            .where(
                NoteSectionAudience.note_id == note_id,
                NoteSectionAudience.audience == Audience.CARE_TEAM,
            )
            .limit(1)
        )
        is not None
    )


def enter_record(db: Session, note: Note) -> None:
    """Called in the transaction that gives a section to the care team: the note's content key
    is re-wrapped under the subject's data key (the header is the one mutable row; revisions,
    comments and statements stay byte for byte as they are), so from now on the note is kept
    for the retention period and no longer shredded with the peer space."""
    if note.space_key_id is None or not entered_record(db, note.id):
        return
    key = _note_key(db, note)
    assert key is not None
    note.wrapped_key = seal_about(db, note.subject_id, key, _key_aad(note))
    note.space_key_id = None
    db.flush()


def forget_key(note: Note, when: datetime) -> None:
    """Make the note a tombstone: its wrapped key is dropped from the live database too (its
    peer-space key is destroyed in the vault by the caller, which covers earlier backups)."""
    note.wrapped_key = None
    note.erased_at = when
