"""Emergency access (break the glass): who, about whom, why, for how long, and its review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow
from peernotes.types import enum_column


class ReviewOutcome(StrEnum):
    JUSTIFIED = "justified"
    NOT_JUSTIFIED = "not_justified"


class EmergencyAccess(Base):
    """Break the glass: a clinician's time-limited, read-only access, reviewed by an auditor."""

    __tablename__ = "emergency_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinician_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: Why the clinician needed it, sealed under the subject's data key (`peernotes.crypto.texts`,
    #: column "reason"); always given, None only while the row is being written.
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[datetime]
    review_outcome: Mapped[ReviewOutcome | None] = mapped_column(
        enum_column(ReviewOutcome, "review_outcome"), default=None
    )
    #: The auditor's comment, sealed the same way (column "review_comment").
    review_comment_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
