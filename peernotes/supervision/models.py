"""Who supervises each peer worker (one current supervisor, history kept), and the supervision
sessions they log, sealed under the worker's data key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class Supervision(Base):
    """A peer worker's supervising clinician. One current supervisor per worker."""

    __tablename__ = "supervisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class SupervisionSession(Base):
    """A supervision session. Topics, the wellbeing check-in and the agreed actions are
    encrypted under the worker's own data key: only the worker and the supervisor read them;
    a coordinator sees only that a session happened."""

    __tablename__ = "supervision_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A random name for the row, chosen before it is stored, that the ciphertext is bound to
    #: (the table is append-only, so the ciphertext cannot wait for the row id).
    token: Mapped[str] = mapped_column(String(32), unique=True)
    #: nonce || AES-GCM(JSON {topics, wellbeing, actions}), bound to the token and the worker.
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
