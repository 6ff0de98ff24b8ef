"""A risk concern (duty of care): what was observed, sealed under the subject's data key, with its
co-signer and any delay in telling the subject."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class RiskConcern(Base):
    """A peer worker's duty-of-care concern: to the care team at once, without the subject's
    approval. Its text (what was observed, why it matters now, what was done) is encrypted.

    The subject is told, unless a clinician records a reason to delay; a delay lasts until
    `delay_until` and must then be renewed (with a reason) or lifted.
    """

    __tablename__ = "risk_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    #: The raiser's supervising clinician, asked to co-sign.
    cosigner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    cosigned_at: Mapped[datetime | None] = mapped_column(default=None)
    delay_reason: Mapped[str | None] = mapped_column(String(1000), default=None)
    delay_until: Mapped[datetime | None] = mapped_column(default=None)
    delay_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    def delayed_at(self, moment: datetime) -> bool:
        """Is telling the subject delayed at `moment`? ("In force" is `delay_until > now`, so
        a delay runs out by itself; no job ends it.)"""
        return self.delay_until is not None and self.delay_until > moment
