"""Safety flags (family violence, serious harm): set and lifted by a clinician, with a reason;
while one is in force, carers and carer peer workers see nothing."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow
from peernotes.types import enum_column


class FlagKind(StrEnum):
    FAMILY_VIOLENCE = "family_violence"
    SERIOUS_HARM = "serious_harm"


class SafetyFlag(Base):
    __tablename__ = "safety_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[FlagKind] = mapped_column(enum_column(FlagKind, "flag_kind"))
    #: Why, sealed under the subject's data key (`peernotes.crypto.texts`, column "reason");
    #: always given, None only while the row is being written.
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When not None, the consumer is not told, and this says why (sealed the same way, column
    #: "not_told_because").
    not_told_because_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
