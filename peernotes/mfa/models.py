"""A person's authenticator enrolments and their one-time recovery codes.

Rows are kept, never deleted: an enrolment that is disabled or reset by a coordinator is ended
(`ended_at`, `ended_reason`), and a recovery code that was used or replaced says when. The
TOTP secret is sealed under the person's data key, bound to its row; recovery codes are stored
only as argon2 hashes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base, utcnow


class MfaEnrolment(Base):
    """One authenticator app set up for one person.

    Started when the enrolment page is first shown (the secret must survive a reload of the
    QR page), in force once a first code confirms it, until it is ended.
    """

    __tablename__ = "mfa_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The base32 TOTP secret, sealed with `seal_about(user_id, …, aad=secret_aad(row))`.
    secret_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The newest 30-second time step whose code was accepted: a code is accepted once, so a
    #: code of this step or an earlier one is a replay.
    last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    #: "disabled" (by the person), "reset" (by a coordinator), "replaced" (enrolled anew).
    ended_reason: Mapped[str | None] = mapped_column(String(20), default=None)

    def __repr__(self) -> str:
        return f"<MfaEnrolment {self.id} user={self.user_id}>"


def secret_aad(enrolment: MfaEnrolment) -> bytes:
    """The associated data that binds a sealed secret to its row and its person: a secret
    copied onto another row, or another person's, does not open."""
    return f"mfa_enrolments:{enrolment.id}:{enrolment.user_id}".encode("ascii")


class RecoveryCode(Base):
    """A one-time code to use instead of the authenticator. Only its argon2 hash is stored."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("mfa_enrolments.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Set when a new set replaced this one, or the enrolment ended.
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
