"""Teams, care assignments and carer nominations: who is connected to whom, and since when.

Nothing here is ever deleted. Ending a membership, an assignment or a nomination records
the end, so "who was in this person's care team on 3 May" always has an answer.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from peernotes.auth.models import User
from peernotes.db import Base, utcnow


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


class TeamMembership(Base):
    __tablename__ = "team_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(lazy="joined")
    team: Mapped[Team] = relationship(lazy="joined")


class CareAssignment(Base):
    """A worker supports a subject from `starts_on` to `ends_on` (inclusive; open when None).

    Clinicians and consumer peer workers are assigned to consumers; carer peer workers to
    carers. The assignment is the base of every relationship: when it ends, so does the
    access it gave.
    """

    __tablename__ = "care_assignments"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint("worker_id <> subject_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    #: Set when the assignment is ended early: access stops at this moment, not at midnight.
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    worker: Mapped[User] = relationship(foreign_keys=[worker_id], lazy="joined")
    subject: Mapped[User] = relationship(foreign_keys=[subject_id], lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")

    def is_active_at(self, moment: datetime) -> bool:
        day = moment.date()
        return (
            self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
            and (self.ended_at is None or moment < self.ended_at)
        )

    @classmethod
    def active_at(
        cls,
        moment: datetime | ColumnElement[datetime],
        day: date | ColumnElement[date] | None = None,
    ) -> ColumnElement[bool]:
        """SQL twin of `is_active_at`, for filtering lists. `moment` may be a parameter of a
        statement built once; then `day` must be the parameter for its date."""
        if day is None:
            assert isinstance(moment, datetime), "a parameter for the moment needs one for its day"
            day = moment.date()
        return and_(
            cls.starts_on <= day,
            or_(cls.ends_on.is_(None), cls.ends_on >= day),
            or_(cls.ended_at.is_(None), cls.ended_at > moment),
        )


class CarerNomination(Base):
    """A consumer names someone as their carer. What that carer may see is a consent matter."""

    __tablename__ = "carer_nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    carer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    relationship_label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)

    consumer: Mapped[User] = relationship(foreign_keys=[consumer_id], lazy="joined")
    carer: Mapped[User] = relationship(foreign_keys=[carer_id], lazy="joined")
