"""Support agreements: one row per version between a worker and the person they support; a version
is never edited once anyone has confirmed it."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class SupportAgreement(Base):
    """Boundaries a worker and the person they support agree on. A change is a new version;
    a version is in force once both have confirmed it, until a newer one is."""

    __tablename__ = "support_agreements"
    __table_args__ = (
        UniqueConstraint("worker_id", "subject_id", "version", name="uq_support_agreement"),
        CheckConstraint("ends_at > starts_at", name="hours_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: Contact methods agreed: a subset of phone, text, email, in_person, video.
    methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Weekdays agreed, 0 = Monday.
    days: Mapped[list[int]] = mapped_column(JSON, default=list)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    #: Where they meet, in their words: sealed under the subject's data key, bound to this row
    #: (`peernotes.crypto.texts`, column "places"); None when not written down.
    places_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    community_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Visiting on the inpatient ward is part of it (peer workers sit with people on the ward).
    ward_visits: Mapped[bool] = mapped_column(Boolean, default=False)
    review_on: Mapped[date] = mapped_column(Date)
    #: "Keep in touch at least every N days", when agreed (the worker's home page watches it).
    contact_every_days: Mapped[int | None] = mapped_column(Integer, default=None)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    worker_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    subject_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
