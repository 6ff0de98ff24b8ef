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
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from peernotes.auth.models import LoginSession, User
from peernotes.db import utcnow, write_at_end


class RevokeReason:
    SIGNED_OUT = "signed_out"
    PASSWORD_CHANGED = "password_changed"
    DEACTIVATED = "deactivated"
    PASSWORD_RESET = "password_reset"
    #: The person ended it from their sessions page (one, or "everywhere else").
    ENDED_BY_PERSON = "ended_by_person"
    #: A coordinator ended all of the person's sessions.
    ENDED_BY_COORDINATOR = "ended_by_coordinator"
    #: Open when two-step sign-in came (migration 5b1e7c2f9a40): started with the password
    #: alone.
    TWO_STEP_INTRODUCED = "two_step_introduced"


#: How stale `LoginSession.last_used_at` may be: one write a minute per session at most.
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_session(db: Session, user: User) -> tuple[LoginSession, str]:
    """Record a new session for `user`; return it and the token for the cookie. The browser's
    details (device, address) are added by `peernotes.auth.login.begin_browser_session`."""
    token = secrets.token_urlsafe(32)
    login_session = LoginSession(
        user_id=user.id, token_hash=_hash_token(token), last_used_at=utcnow()
    )
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


def _touch(db: Session, session_id: int, now: datetime) -> None:
    """Bookkeeping, never worth waiting for: on PostgreSQL a row another request is updating
    right now (to much the same time) is skipped, so this never waits on a row lock while the
    transaction may go on to take the access log's lock, the order that could deadlock."""
    row = select(LoginSession.id).where(LoginSession.id == session_id)
    if db.get_bind().dialect.name == "postgresql":
        row = row.with_for_update(skip_locked=True)
    db.execute(
        update(LoginSession)
        .where(LoginSession.id.in_(row.scalar_subquery()))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def note_used(login_session: LoginSession, now: datetime | None = None) -> None:
    """Move `last_used_at` forward when it is more than `LAST_USED_EVERY` old (the request's
    commit writes it), so a busy session costs one small write a minute, not one a request."""
    now = now or utcnow()
    last = login_session.last_used_at
    if last is None or now - last >= LAST_USED_EVERY:
        db = object_session(login_session)
        if db is None:
            login_session.last_used_at = now
            return
        # At the end: a GET request's reader must not become a writer for this.
        session_id = login_session.id
        write_at_end(db, lambda session: _touch(session, session_id, now))
        set_committed_value(login_session, "last_used_at", now)


def live_sessions(
    db: Session, user_id: int, limits: SessionLimits, now: datetime | None = None
) -> list[LoginSession]:
    """`user_id`'s sessions that still count, newest first. Idle ones are left out when their
    last use is known to be older than the idle timeout (the cookie is the exact judge)."""
    now = now or utcnow()
    rows = db.scalars(
        select(LoginSession)
        .where(
            LoginSession.user_id == user_id,
            LoginSession.revoked_at.is_(None),
            LoginSession.created_at > now - limits.absolute,
        )
        .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())
    ).all()
    return [
        row
        for row in rows
        if row.last_used_at is None or now - row.last_used_at <= limits.idle + LAST_USED_EVERY
    ]


def revoke_session(db: Session, user_id: int, session_id: int, reason: str) -> bool:
    """End one live session of `user_id`. False when there is no such live session of theirs
    (someone else's, an ended one, or none at all): the caller answers that with a 404."""
    result = db.execute(
        update(LoginSession)
        .where(
            LoginSession.id == session_id,
            LoginSession.user_id == user_id,
            LoginSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_other_sessions(db: Session, user_id: int, keep_session_id: int, reason: str) -> int:
    """End every live session of `user_id` but `keep_session_id`. Returns how many."""
    result = db.execute(
        update(LoginSession)
        .where(
            LoginSession.user_id == user_id,
            LoginSession.id != keep_session_id,
            LoginSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def revoke_all_sessions(db: Session, user_id: int, reason: str) -> int:
    """End every live session of `user_id`. Returns how many were ended."""
    result = db.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
