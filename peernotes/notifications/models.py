"""Notifications, each person's email choices, and the outbox that email waits in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow
from peernotes.notifications.kinds import Kind
from peernotes.types import enum_column


class Notification(Base):
    """Something is waiting for one person: what kind, where to act, and whether they opened it.

    It holds no text about anyone: its words come from its kind, and the page it links to
    decides, as always, what the person may see there.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_person_id_read_at", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, "notification_kind"))
    #: The id of what it is about (a note, a concern, …), the kind says of what.
    about_id: Mapped[int] = mapped_column(Integer)
    #: The path on this site where the person acts on it.
    link: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


class EmailPreference(Base):
    """One person's choice to be emailed, or not, about one kind. No row: not emailed."""

    __tablename__ = "notification_email_preferences"
    __table_args__ = (UniqueConstraint("person_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, "notification_email_kind"))
    email: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """One email, written in the transaction of the action it tells of, sent after it commits.

    The body is sealed (it may hold a one-time link) under a key kept in `wrapped_secrets`, and
    emptied once the message is sent. A failed send is tried again later: `attempts` counts the
    tries, `next_try_at` says when the next one is due (None once it is sent or given up).
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_sent_at_next_try_at", "sent_at", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    #: The notification it tells of, if any: it is not sent while that one is held back.
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
