"""Terms a coordinator added for their service. Never deleted: a term no longer wanted is
retired, so the log's entries about it keep pointing at something."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class ServiceTerm(Base):
    """One term of the service's own list, with its suggestion (checked like the packaged
    list's entries: same matching rules, never blocking a save)."""

    __tablename__ = "language_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(80))
    suggestion: Mapped[str] = mapped_column(String(300))
    why: Mapped[str] = mapped_column(String(300), default="")
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when a coordinator retires the term: from then on it is no longer checked.
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    @property
    def active(self) -> bool:
        return self.retired_at is None
