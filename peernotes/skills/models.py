"""Skills and resources: an item a person keeps with a peer worker, and its versions. Nothing
is deleted: a change is a new version, and an item no longer used is retired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class SkillItem(Base):
    """One skill being practised or one resource, kept by the person (`subject_id`) with the
    peer worker who added it with them or supported them when they added it (`worker_id`)."""

    __tablename__ = "skill_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: None when the person added it on their own.
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True, default=None)
    #: "skill" or "resource" (`service.Kind`).
    kind: Mapped[str] = mapped_column(String(16))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Put aside: no longer practised or used. Kept, and shown as such.
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class SkillItemVersion(Base):
    """What an item says at one version: its name, what it is or where, and what worked, as one
    sealed JSON object under the subject's data key, bound to this row (column "body")."""

    __tablename__ = "skill_item_versions"
    __table_args__ = (UniqueConstraint("item_id", "version", name="uq_skill_item_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("skill_items.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
