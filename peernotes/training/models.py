"""Training records: each completion of a required module, with its expiry. Records are added,
never changed: a correction is a newer completion."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow
from peernotes.types import enum_column


class TrainingModule(StrEnum):
    NOTE_WRITING = "note_writing"
    CONFIDENTIALITY = "confidentiality"
    DUTY_OF_CARE = "duty_of_care"


class TrainingRecord(Base):
    """A completed training module. A newer record for the same module supersedes older ones."""

    __tablename__ = "training_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module: Mapped[TrainingModule] = mapped_column(enum_column(TrainingModule, "training_module"))
    completed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
