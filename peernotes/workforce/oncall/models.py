"""A carer peer worker's weekly on-call time. Never deleted: a time no longer kept is ended,
so the roster's history (who was on call when) stays."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class OnCallSlot(Base):
    """Every week on `weekday` (0 is Monday), from `start_minute` to `end_minute` after the
    service's local midnight. An end at or before the start runs past midnight into the next
    day (22:00 to 06:00); 1440 is the midnight that ends the day (00:00 to 24:00 is all day)."""

    __tablename__ = "on_call_slots"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_minute BETWEEN 0 AND 1439", name="start_minute"),
        CheckConstraint("end_minute BETWEEN 1 AND 1440", name="end_minute"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_minute: Mapped[int] = mapped_column(SmallInteger)
    end_minute: Mapped[int] = mapped_column(SmallInteger)
    #: How carers reach the worker while on call (a work phone, the carer line), as carers read it.
    reach: Mapped[str] = mapped_column(String(200))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
