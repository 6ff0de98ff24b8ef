"""A "my wishes" statement, its versions, and the care team's written replies.

The header says whose it is, for which transition, and who helps write it; each save is a new
version (the texts sealed under the person's data key, bound to the version's row); nothing is
ever changed in place or deleted. A version is `sent` once the person sends it to their care
team; the care team reads the newest version sent.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow
from peernotes.types import enum_column


class Transition(StrEnum):
    ADMISSION = "admission"
    DISCHARGE = "discharge"

    @property
    def label(self) -> str:
        return "an admission" if self is Transition.ADMISSION else "a discharge"


class Wish(Base):
    """One statement: whose, for which transition, written with which peer worker."""

    __tablename__ = "wishes"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    transition: Mapped[Transition] = mapped_column(enum_column(Transition, "wish_transition"))
    #: The peer worker the person chose to write it with (None: on their own). They help only
    #: while they support the person.
    helper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the person first sent it to their care team (None: not sent yet).
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class WishVersion(Base):
    """One save of the three texts. Append-only."""

    __tablename__ = "wish_versions"
    __table_args__ = (UniqueConstraint("wish_id", "version", name="uq_wish_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: What I want the team to know; who to call; what I do not want. Sealed
    #: (`peernotes.crypto.texts`, table "wish_versions", bound to this row's id).
    know_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    call_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    not_want_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    #: The person sent this version to their care team (set once, by the person alone).
    sent: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class WishReply(Base):
    """A clinician's written reply to the version they read. Append-only."""

    __tablename__ = "wish_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id"), index=True)
    #: The version the reply answers.
    version: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
