"""A person's erasure request: recorded, never deleted, and what became of it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class ErasureRequest(Base):
    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Peer-space notes whose key was destroyed at once, when the request was made.
    notes_shredded: Mapped[int] = mapped_column(Integer, default=0)
    #: What the person wrote about themselves and kept with their peer worker, emptied at once:
    #: their "about me" (1 if it held anything) plus each item of their skills and resources.
    personal_emptied: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The end of retention as it stood then (last contact + the retention period). Later
    #: contact moves it; `peernotes retention run` recomputes it each time.
    retain_until: Mapped[date] = mapped_column(Date)
    #: When the rest was erased (the person's data key destroyed); None: still pending.
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
