"""Peer workers' profiles, all of it optional and in their own words, used to match them with the
people who ask for a worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class WorkerProfile(Base):
    """What a peer worker chooses to say about themselves. Every field is optional, and each
    is shown to consumers only when named in `shown`. Hidden means unknown to matching too."""

    __tablename__ = "worker_profiles"
    __table_args__ = (CheckConstraint("capacity >= 0 AND capacity <= 60", name="capacity_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    gender: Mapped[str] = mapped_column(String(60), default="")
    age_band: Mapped[str] = mapped_column(String(20), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    culture: Mapped[str] = mapped_column(String(120), default="")
    lived_experience: Mapped[list[str]] = mapped_column(JSON, default=list)
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    availability: Mapped[str] = mapped_column(String(200), default="")
    about: Mapped[str] = mapped_column(String(600), default="")
    # What the study's participants named (issue 17), each shown only when ticked in `shown`.
    #: A key of `vocabulary.RECOVERY_STAGES`, or "".
    recovery_stage: Mapped[str] = mapped_column(String(30), default="")
    #: "Further along in recovery": a consumer peer worker's own word for themselves.
    further_along: Mapped[bool] = mapped_column(Boolean, default=False)
    sexual_orientation: Mapped[str] = mapped_column(String(60), default="")
    #: A carer peer worker's years in a carer role (at least; a key of `vocabulary.CARER_YEARS`),
    #: or "".
    carer_years: Mapped[str] = mapped_column(String(4), default="")
    #: The attribute names the worker shows; anything else stays private to them.
    shown: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: How many people they can support at once (their own figure, a wellbeing measure too);
    #: a worker at it is full and left out of matching.
    capacity: Mapped[int] = mapped_column(Integer, default=6)
    #: "I need a break": no new matches while set. Current people are not affected.
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
