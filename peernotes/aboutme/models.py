"""One row per version of a person's "about me": a save never changes an earlier version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class AboutMeVersion(Base):
    """What the person wrote, as one sealed JSON object of its parts (`service.PARTS`), under
    their data key and bound to this row (`peernotes.crypto.texts`, column "body")."""

    __tablename__ = "about_me_versions"
    __table_args__ = (UniqueConstraint("subject_id", "version", name="uq_about_me_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The person it is about, who alone writes it.
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
