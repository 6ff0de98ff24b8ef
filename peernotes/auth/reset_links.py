"""Reset links at rest: make one, find one by its token, end the unused ones.

The link carries `secrets.token_urlsafe(32)`: 256 random bits. The database keeps only the
token's SHA-256. A fast hash is enough for a token nobody can guess (a slow one protects
guessable passwords), and it lets the token be looked up by its hash. Nothing here records
anything: the audited operations are in `peernotes.auth.resets`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peernotes.auth.models import PasswordReset, User

TOKEN_BYTES = 32
#: Longer than any token we make (43 characters): anything longer is not ours, unhashed.
_MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class NewLink:
    """A link just made: the token goes into the link once, and is never stored."""

    reset: PasswordReset
    token: str

    @property
    def expires_at(self) -> datetime:
        return self.reset.expires_at


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def make_link(
    db: Session, user: User, *, issued_by: int | None, lifetime: timedelta, now: datetime
) -> NewLink:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    reset = PasswordReset(
        user_id=user.id,
        token_hash=hash_token(token),
        issued_by_id=issued_by,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.add(reset)
    db.flush()
    return NewLink(reset, token)


def find_link(db: Session, token: str) -> PasswordReset | None:
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    return db.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_token(token)))


def claim(db: Session, reset: PasswordReset, now: datetime) -> bool:
    """Mark the link used, unless another request already did (or ended it) in the meantime.

    One conditional UPDATE, so two requests racing with the same link cannot both use it: on
    PostgreSQL the second waits for the first's row lock and then matches nothing.
    """
    result = db.execute(
        update(PasswordReset)
        .where(
            PasswordReset.id == reset.id,
            PasswordReset.used_at.is_(None),
            PasswordReset.superseded_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.refresh(reset)
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


def end_unused_links(
    db: Session, user_id: int, now: datetime, *, emailed_only: bool = False
) -> int:
    """End every unused link of `user_id` (only the emailed ones when `emailed_only`).
    Returns how many were ended."""
    query = update(PasswordReset).where(
        PasswordReset.user_id == user_id,
        PasswordReset.used_at.is_(None),
        PasswordReset.superseded_at.is_(None),
    )
    if emailed_only:
        query = query.where(PasswordReset.issued_by_id.is_(None))
    result = db.execute(
        query.values(superseded_at=now).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
