"""The peer workforce: profiles, preferences, requests for a worker, support agreements,
contacts, supervision sessions and groups.

History stays: a request is decided, never removed; an agreement is replaced by a newer
version, never edited once confirmed; a contact, a supervision session or a group session is
added, never changed. Profiles and preferences are the people's own settings and are the only
rows that change in place (each change is in the access log).
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow
from peernotes.types import enum_column


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
    #: The attribute names the worker shows; anything else stays private to them.
    shown: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: How many people they can support at once (their own figure, a wellbeing measure too);
    #: a worker at it is full and left out of matching.
    capacity: Mapped[int] = mapped_column(Integer, default=6)
    #: "I need a break": no new matches while set. Current people are not affected.
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


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
    #: The coordinator's words to the subject when they cannot confirm.
    decision_note: Mapped[str] = mapped_column(String(500), default="")
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
    places: Mapped[str] = mapped_column(String(300), default="")
    community_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    review_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    worker_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    subject_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)


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


class GroupKind(StrEnum):
    CONSUMER = "consumer"
    CARER = "carer"


class Group(Base):
    """A standing group, such as a DBT skills group or a carer support group."""

    __tablename__ = "peer_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[GroupKind] = mapped_column(enum_column(GroupKind, "group_kind"))
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupSession(Base):
    """One meeting of a group: its date and topic. Never any individual's details."""

    __tablename__ = "group_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("peer_groups.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupRole(StrEnum):
    FACILITATOR = "facilitator"
    ATTENDEE = "attendee"


class GroupParticipant(Base):
    """Who facilitated or attended one session."""

    __tablename__ = "group_participants"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_group_participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[GroupRole] = mapped_column(enum_column(GroupRole, "group_role"))
