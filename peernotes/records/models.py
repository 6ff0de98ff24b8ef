"""The medical record: entries and their append-only, encrypted revisions.

An entry is a header (whose record, which category, who opened it). What it says lives in its
revisions: the first, each amendment, and "entered in error" are all revisions, and none is
ever changed or deleted (database triggers refuse it). Bodies are AES-GCM ciphertext under the
subject's data key; nothing here decrypts on load.

The subject's own voice on an entry (their own words, a request for a correction, and a
clinician's answer to it) lives in `record_entry_statements`: sealed the same way, and
append-only too.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.access.decision import Category
from peernotes.db import Base, utcnow
from peernotes.types import enum_column


class RevisionKind(StrEnum):
    ORIGINAL = "original"
    AMENDMENT = "amendment"
    ENTERED_IN_ERROR = "entered_in_error"


class StatementKind(StrEnum):
    """What the subject adds to an entry about them, and a clinician's answer (as on notes)."""

    OWN_WORDS = "own_words"  # "in my own words", by the subject
    CORRECTION = "correction"  # the subject asks for a correction
    CORRECTION_REPLY = "correction_reply"  # a clinician's answer (made, or not and why)


class RecordEntry(Base):
    __tablename__ = "record_entries"
    __table_args__ = (
        # The keyset page of one record, newest first.
        Index("ix_record_entries_subject_id_id", "subject_id", "id"),
        # The timeline's page of one person's record, newest first.
        Index("ix_record_entries_subject_id_created_at", "subject_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    category: Mapped[Category] = mapped_column(enum_column(Category, "record_category"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The newest revision's number, kept on the header so that lists need no extra query.
    #: (Headers may be updated; revisions never are.)
    latest_revision: Mapped[int] = mapped_column(Integer, default=1)
    entered_in_error: Mapped[bool] = mapped_column(default=False)
    #: The author's content note (`workforce.wellbeing.topics.CONTENT_NOTES`), if any: shown
    #: collapsed behind it to a reader who asked for that topic, never withheld.
    content_note: Mapped[str | None] = mapped_column(String(24), default=None)


class RecordRevision(Base):
    __tablename__ = "record_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "number", name="uq_record_revisions_entry"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("record_entries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RevisionKind] = mapped_column(enum_column(RevisionKind, "revision_kind"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: nonce || AES-GCM(title, body, reason), bound to (table, entry, revision, subject).
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class RecordEntryStatement(Base):
    """The subject's own words on a record entry, and correction requests with their answers.

    Never updated or deleted (database triggers refuse it): what the person said stays said,
    whatever later revisions of the entry say.
    """

    __tablename__ = "record_entry_statements"
    __table_args__ = (
        # The place of each statement in the entry's story, which the ciphertext is bound to:
        # two statements sent at the same moment cannot both take it. (Its index also serves
        # "the statements of these entries", so entry_id needs none of its own.)
        UniqueConstraint("entry_id", "number", name="uq_record_entry_statements_entry"),
        # One answer per correction request, held by the database as well as the service.
        UniqueConstraint("answers_id", name="uq_record_entry_statements_answers_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("record_entries.id"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[StatementKind] = mapped_column(enum_column(StatementKind, "record_statement_kind"))
    #: For an answer: the correction request it answers. (Not `replies_to_id` as on notes:
    #: its foreign key's conventional name would pass PostgreSQL's 63-character limit.)
    answers_id: Mapped[int | None] = mapped_column(
        ForeignKey("record_entry_statements.id"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: nonce || AES-GCM(text), bound to (table, entry, number, subject, kind, author, answers).
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
