"""Contacts a peer worker records with the people they support: when, how and where. Added, never
changed."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class Contact(Base):
    """A contact a worker records without writing a note. Never changed once recorded."""

    __tablename__ = "contacts"
    __table_args__ = (CheckConstraint("minutes > 0 AND minutes <= 720", name="minutes_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    at_time: Mapped[time | None] = mapped_column(Time, default=None)
    minutes: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(120), default="")
    group: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Plain-language reasons this contact falls outside the agreement in force (empty: inside).
    outside_agreement: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
