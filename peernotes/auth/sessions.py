"""Server-side session records: start, check and revoke.

The browser's signed cookie carries a random token and the time of its last request. The
database keeps the token's hash, the start time and whether it was revoked. That split lets
the server end every session of a person at once (sign-out, password change, deactivation),
which a cookie-only session cannot do.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peernotes.auth.models import LoginSession, User
from peernotes.db import utcnow


class RevokeReason:
    SIGNED_OUT = "signed_out"
    PASSWORD_CHANGED = "password_changed"
    DEACTIVATED = "deactivated"
    PASSWORD_RESET = "password_reset"


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_session(db: Session, user: User) -> tuple[LoginSession, str]:
    """Record a new session for `user`; return it and the token for the cookie."""
    token = secrets.token_urlsafe(32)
    login_session = LoginSession(user_id=user.id, token_hash=_hash_token(token))
    db.add(login_session)
    db.flush()
    return login_session, token


def find_valid_session(
    db: Session,
    token: str,
    last_seen: datetime,
    limits: SessionLimits,
    now: datetime | None = None,
) -> tuple[LoginSession, User] | None:
    """The session and its (active) user, or None when the session no longer counts."""
    now = now or utcnow()
    if now - last_seen > limits.idle:
        return None
    row = db.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == _hash_token(token))
    ).one_or_none()
    if row is None:
        return None
    login_session, user = row
    if login_session.revoked_at is not None or not user.active:
        return None
    if now - login_session.created_at > limits.absolute:
        return None
    return login_session, user


def revoke_all_sessions(db: Session, user_id: int, reason: str) -> int:
    """End every live session of `user_id`. Returns how many were ended."""
    result = db.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
