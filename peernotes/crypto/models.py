"""The key material the database keeps: each subject's data key and the app's other secrets,
all wrapped (AES-GCM) by a master key that lives outside the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class DataKey(Base):
    """A subject's data key, wrapped (AES-GCM) by the master key that lives outside the DB."""

    __tablename__ = "data_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    #: Which master key wrapped it (a fingerprint, never the key): rotation re-wraps row by row.
    master_key_id: Mapped[str] = mapped_column(String(16))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WrappedSecret(Base):
    """A secret the app keeps in the database, wrapped (AES-GCM) by the master key.

    The access log's chain key lives here: it must outlive every master-key rotation (old
    entries verify under it forever), so it is re-wrapped, never re-derived.
    """

    __tablename__ = "wrapped_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: Which master key wrapped it, as for data keys.
    master_key_id: Mapped[str] = mapped_column(String(16))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
