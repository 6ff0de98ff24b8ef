"""The medical record: entries and their append-only, encrypted revisions.

An entry is a header (whose record, which category, who opened it). What it says lives in its
revisions: the first, each amendment, and "entered in error" are all revisions, and none is
ever changed or deleted (database triggers refuse it). Bodies are AES-GCM ciphertext under the
subject's data key; nothing here decrypts on load.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.access.decision import Category
from peernotes.db import Base, utcnow
from peernotes.types import enum_column


class RevisionKind(StrEnum):
    ORIGINAL = "original"
    AMENDMENT = "amendment"
    ENTERED_IN_ERROR = "entered_in_error"


class RecordEntry(Base):
    __tablename__ = "record_entries"
    __table_args__ = (
        # The keyset page of one record, newest first.
        Index("ix_record_entries_subject_id_id", "subject_id", "id"),
        # "Is an entry of this category withheld?": one step per category (records.service).
        Index("ix_record_entries_subject_id_category_id", "subject_id", "category", "id"),
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
