"""A risk concern (duty of care): what was observed, sealed under the subject's data key, with its
co-signer and every delay in telling the subject (each with its sealed reason)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class RiskConcern(Base):
    """A peer worker's duty-of-care concern: to the care team at once, without the subject's
    approval. Its text (what was observed, why it matters now, what was done) is encrypted.

    The subject is told, unless a clinician records a reason to delay; a delay lasts until
    `delay_until` and must then be renewed (with a reason) or lifted. Every delay, with its
    reason, is kept in `risk_concern_delays`; the two columns here are the one in force (or
    the last), for access decisions and lists.
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
    delay_until: Mapped[datetime | None] = mapped_column(default=None)
    delay_set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    def delayed_at(self, moment: datetime) -> bool:
        """Is telling the subject delayed at `moment`? ("In force" is `delay_until > now`, so
        a delay runs out by itself; no job ends it.)"""
        return self.delay_until is not None and self.delay_until > moment


class RiskDelay(Base):
    """One delay (or renewal) of telling the subject, with its reason. Added, never changed:
    a concern keeps every reason it was given, not only the last."""

    __tablename__ = "risk_concern_delays"
    __table_args__ = (
        # Its place in the concern's story, which the sealed reason is bound to.
        UniqueConstraint("concern_id", "number", name="uq_risk_concern_delays_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(ForeignKey("risk_concerns.id"))
    #: 1, 2, ... in the order they were set.
    number: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: None only for a delay set before delays were kept one by one (its time was not stored).
    set_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    until: Mapped[datetime]
    #: nonce || AES-GCM(reason) under the subject's data key, bound to (table, column,
    #: "<concern id>.<number>", subject) by `peernotes.crypto.texts`.
    reason_sealed: Mapped[bytes] = mapped_column(LargeBinary)
