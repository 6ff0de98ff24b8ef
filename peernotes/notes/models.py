"""Co-authored notes: a header, its append-only encrypted revisions, the audience the subject
chose for each section of the revision they approved, and the lifecycle events.

What the note says lives only in `note_revisions.ciphertext` (and comments in
`note_events.ciphertext`, statements in `note_statements.ciphertext`), AES-GCM under the
subject's data key. Revisions, audiences, events and statements are append-only in the
database; the header holds the current state and pointers, and may be updated.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow
from peernotes.notes.lifecycle import NoteAction, State
from peernotes.types import enum_column


class NoteKind(StrEnum):
    PEER = "peer"  # a consumer peer worker with a consumer
    CARER_SUPPORT = "carer_support"  # a carer peer worker with a carer


class Audience(StrEnum):
    JUST_US = "just_us"  # the author and the subject
    CARE_TEAM = "care_team"  # also those the consent decision lets read peer notes


class InPersonReview(StrEnum):
    ATTESTED = "attested"  # the worker says they reviewed it together
    CONFIRMED = "confirmed"  # the subject agrees
    DISPUTED = "disputed"  # the subject does not


class StatementKind(StrEnum):
    OWN_WORDS = "own_words"  # "in my own words", by the subject
    CORRECTION = "correction"  # the subject asks for a correction
    CORRECTION_REPLY = "correction_reply"  # the author's answer (made, or not and why)


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (
        # The timeline's page of one person's notes, newest first.
        Index("ix_notes_subject_id_created_at", "subject_id", "created_at", "id"),
        # A writer's notes in one state (the home page's "back with you").
        Index("ix_notes_author_id_state", "author_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoteKind] = mapped_column(enum_column(NoteKind, "note_kind"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[State] = mapped_column(enum_column(State, "note_state"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The newest revision's number (what author and subject work on).
    current_revision: Mapped[int] = mapped_column(Integer, default=1)
    #: The revision the subject approved, and its SHA-256: exactly what others are shown.
    approved_revision: Mapped[int | None] = mapped_column(Integer, default=None)
    approved_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    in_person: Mapped[InPersonReview | None] = mapped_column(
        enum_column(InPersonReview, "in_person_review"), default=None
    )
    #: The note's own content key (every text of the note is sealed under it), wrapped by
    #: the peer-space key below while the note is in the peer space (no section ever given to
    #: the care team), else by the subject's data key. None: a note written before notes had
    #: their own key (sealed directly under the data key), or an erased one.
    wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary(60), default=None)
    #: The peer-space key, kept outside the database so that it can be destroyed at the
    #: person's request (`peernotes.erasure`); None once the note entered the record.
    space_key_id: Mapped[int | None] = mapped_column(ForeignKey("space_keys.id"), default=None)
    #: When its words were erased at the person's request; the row stays as a tombstone.
    erased_at: Mapped[datetime | None] = mapped_column(default=None)


class NoteRevision(Base):
    __tablename__ = "note_revisions"
    __table_args__ = (UniqueConstraint("note_id", "number", name="uq_note_revisions_note"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: nonce || AES-GCM(JSON list of {heading, body}), bound to (table, note, number, subject).
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class NoteSectionAudience(Base):
    """The audience of one section of one approved revision. A new approval adds new rows."""

    __tablename__ = "note_section_audiences"
    __table_args__ = (
        UniqueConstraint("note_id", "revision", "section", name="uq_note_section_audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    section: Mapped[int] = mapped_column(Integer)
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, "note_audience"))
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoteEvent(Base):
    """Something that happened to a note; a comment (encrypted) when there is one."""

    __tablename__ = "note_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[NoteAction] = mapped_column(enum_column(NoteAction, "note_action"))
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class NoteStatement(Base):
    """The subject's own voice on a note, and correction requests with their answers."""

    __tablename__ = "note_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[StatementKind] = mapped_column(enum_column(StatementKind, "statement_kind"))
    #: For a reply: the correction request it answers.
    replies_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("note_statements.id"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
