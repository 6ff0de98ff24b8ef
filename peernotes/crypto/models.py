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
    #: When it was destroyed at the end of retention after an erasure request
    #: (`peernotes.erasure`); the wrapped key is emptied then, so nothing about them opens.
    destroyed_at: Mapped[datetime | None] = mapped_column(default=None)


class SpaceKey(Base):
    """A peer-space key: what a person's notes are sealed under while they stay in the peer
    space (never shared with the care team). The key itself is not here but in the key vault
    outside the database (`peernotes.crypto.vault`), under `ref`, so that destroying it at the
    person's request also makes every earlier database backup of those notes unreadable."""

    __tablename__ = "space_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The vault entry's name: random, never reused, not a secret.
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When it was destroyed (recorded before the vault entry is removed).
    destroyed_at: Mapped[datetime | None] = mapped_column(default=None)


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
