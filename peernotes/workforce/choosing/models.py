"""Choosing a peer worker: a person's preferences, their requests for a worker (decided, never
removed) and the handover summary a previous worker writes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow
from peernotes.types import enum_column


class MatchPreference(Base):
    """A consumer's (or carer's) wishes for a peer worker."""

    __tablename__ = "match_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: [{"attribute": "language", "value": "Vietnamese", "importance": "must"|"nice"}, ...]
    criteria: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    frequency: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RequestState(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class WorkerRequest(Base):
    """A consumer or carer asks for a particular peer worker; a coordinator decides.

    A change of worker is a request with `previous_assignment_id`: no reason is asked for.
    Confirming creates the new care assignment and ends the previous one in the same moment.
    """

    __tablename__ = "worker_requests"
    __table_args__ = (
        # One open request per person, held by the database as well as by `request_worker`:
        # two requests sent at the same moment cannot both be waiting.
        Index(
            "uq_worker_requests_one_open",
            "subject_id",
            unique=True,
            postgresql_where=text("state = 'requested'"),
            sqlite_where=text("state = 'requested'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    previous_assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_assignments.id"), default=None
    )
    #: The subject agrees that the previous worker's handover summary reaches the new one.
    handover_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    handover_consent_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState, "worker_request_state"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: The coordinator's words to the subject when they cannot confirm (None otherwise).
    #: Sealed under the subject's data key, bound to this row (`peernotes.crypto.texts`,
    #: column "decision_note").
    decision_note_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: Why the coordinator confirmed without the handover the person agreed to (None when
    #: they did not): the person reads it, as they read a decline's note. Sealed the same way
    #: (column "handover_override_reason").
    handover_override_reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("care_assignments.id"), default=None
    )


class HandoverSummary(Base):
    """What the previous worker writes for the next one. Encrypted under the subject's key;
    the subject always reads it, the new worker only with the subject's consent."""

    __tablename__ = "handover_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One summary per change; the ciphertext is bound to the request and the subject.
    request_id: Mapped[int] = mapped_column(ForeignKey("worker_requests.id"), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
