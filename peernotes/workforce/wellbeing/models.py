"""Workplace concerns (sealed under the worker's data key, with their append-only messages)
and each person's topics to show collapsed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class WorkplaceConcern(Base):
    """A peer worker's concern about their workplace (bullying, stigma, unsafe demands),
    raised with the one reader they chose: their supervisor then, or a coordinator instead.

    The header holds what a list needs (who, to whom, what kind, its status); what the worker
    wrote is sealed under the worker's own data key, bound to the row's token, the worker and
    the reader. Status moves open -> acknowledged -> closed; the words that moved it are kept
    in `workplace_concern_messages`, which is append-only.
    """

    __tablename__ = "workplace_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The one person, besides the worker, who reads it. Fixed when it is raised: a later
    #: supervisor or another coordinator never gains it.
    reader_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: "supervisor" or "coordinator": which the worker chose.
    reader_kind: Mapped[str] = mapped_column(String(16))
    #: One of `service.KINDS`.
    kind: Mapped[str] = mapped_column(String(24))
    #: "open", "acknowledged" or "closed".
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    #: nonce || AES-GCM(what the worker wrote), under the worker's data key.
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class WorkplaceConcernMessage(Base):
    """A reply on a workplace concern, by the worker or the reader; an acknowledgement or a
    closing is a message too (`status_after`). Never updated or deleted."""

    __tablename__ = "workplace_concern_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("workplace_concerns.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The status this message moved the concern to, if it moved it.
    status_after: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    #: nonce || AES-GCM(text), under the worker's data key.
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class CollapsedTopic(Base):
    """A topic (`topics.CONTENT_NOTES`) this person asked to see collapsed. Private to them:
    only they ever see the list; others see only that content was tagged, as before."""

    __tablename__ = "collapsed_topics"
    __table_args__ = (UniqueConstraint("user_id", "topic", name="uq_collapsed_topics_user_topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    topic: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
