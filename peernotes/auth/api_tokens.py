"""Personal access tokens: made in the web pages, presented by apps to the APIs.

A token reads `pn_<id>_<secret>`. The id finds the row without a scan; the secret (32 random
bytes) is checked against its SHA-256 in constant time. Only the hash is stored, and the
token is shown once, when it is made.

A token never does more than its person could in the web pages (the API asks the same
access layer), and less: a read token cannot change anything, and what needs two-step
sign-in in the moment (emergency access) has no API at all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from peernotes.auth.models import ApiToken, User
from peernotes.db import utcnow, write_at_end
from peernotes.errors import Refused


class TokenScope(StrEnum):
    READ = "read"
    #: Read and write: every change the person could make in the web pages, but emergency access.
    WRITE = "write"

    def allows(self, needed: TokenScope) -> bool:
        return self is TokenScope.WRITE or needed is TokenScope.READ


class TokenRevokeReason:
    BY_PERSON = "revoked_by_person"
    DEACTIVATED = "deactivated"
    PASSWORD_RESET = "password_reset"
    MFA_RESET = "mfa_reset"
    #: A coordinator signed the person out everywhere (a lost phone).
    ENDED_BY_COORDINATOR = "ended_by_coordinator"


#: How long a token may last: a person picks up to a year; 90 days is offered first.
MAX_LIFETIME_DAYS = 365
DEFAULT_LIFETIME_DAYS = 90
NAME_MAX = 80
#: `last_used_at` moves at most once a minute, like a session's.
LAST_USED_EVERY = timedelta(minutes=1)

_TOKEN = re.compile(r"^pn_([1-9][0-9]{0,9})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: `secret` is the whole token, shown once and never again."""

    row: ApiToken
    secret: str


class TokenRefusal(StrEnum):
    """Why a presented token did not count (for the access log; the app reads one message)."""

    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"
    ACCOUNT_INACTIVE = "account_inactive"


@dataclass(frozen=True)
class TokenCheck:
    token: ApiToken | None
    user: User | None
    refusal: TokenRefusal | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def create_token(
    db: Session, user: User, name: str, scope: TokenScope, lifetime_days: int
) -> IssuedToken:
    """Make a token for `user`. The caller logs it (`peernotes.tokens.service`).

    Raises:
        Refused: an empty or long name, or a lifetime outside 1..MAX_LIFETIME_DAYS days.
    """
    name = name.strip()
    if not name:
        raise Refused("Give the token a name, so you know later which app it is for.", "name")
    if len(name) > NAME_MAX:
        raise Refused(f"Keep the name to {NAME_MAX} characters.", "name")
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        raise Refused(f"A token may last from 1 to {MAX_LIFETIME_DAYS} days.", "lifetime_days")
    now = utcnow()
    row = ApiToken(
        user_id=user.id,
        name=name,
        # A placeholder until the id is known: the stored hash covers the whole token.
        secret_hash=secrets.token_hex(32),
        scope=scope.value,
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days),
    )
    db.add(row)
    db.flush()
    secret = f"pn_{row.id}_{secrets.token_urlsafe(32)}"
    row.secret_hash = _hash(secret)
    db.flush()
    return IssuedToken(row, secret)


def check_token(db: Session, presented: str, now: datetime | None = None) -> TokenCheck:
    """Which token and person `presented` is, or why it does not count. Never raises on what
    an app sends: anything unexpected is MALFORMED."""
    match = _TOKEN.match(presented)
    if match is None:
        return TokenCheck(None, None, TokenRefusal.MALFORMED)
    row = db.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.id == int(match.group(1)))
    ).one_or_none()
    if row is None:
        return TokenCheck(None, None, TokenRefusal.UNKNOWN)
    token, user = row
    if not hmac.compare_digest(token.secret_hash, _hash(presented)):
        return TokenCheck(None, None, TokenRefusal.UNKNOWN)
    now = now or utcnow()
    if token.revoked_at is not None:
        return TokenCheck(token, user, TokenRefusal.REVOKED)
    if now >= token.expires_at:
        return TokenCheck(token, user, TokenRefusal.EXPIRED)
    if not user.active or user.must_change_password:
        return TokenCheck(token, user, TokenRefusal.ACCOUNT_INACTIVE)
    return TokenCheck(token, user, None)


def note_token_used(db: Session, token: ApiToken, now: datetime | None = None) -> None:
    """Move `last_used_at` forward at most once a minute, written at the end of the request
    (a reader never becomes a writer for bookkeeping)."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    token_id = token.id

    def touch(session: Session) -> None:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token_id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )

    write_at_end(db, touch)


def tokens_of(db: Session, user_id: int) -> list[ApiToken]:
    """Every token `user_id` has made, newest first (revoked and expired ones too)."""
    return list(
        db.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(db: Session, user_id: int, token_id: int, reason: str) -> ApiToken | None:
    """Revoke one of `user_id`'s own tokens. None when it is not theirs, or already revoked."""
    token = db.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)
        )
    )
    if token is None:
        return None
    token.revoked_at = utcnow()
    token.revoked_reason = reason
    db.flush()
    return token


def revoke_all_tokens(db: Session, user_id: int, reason: str) -> int:
    """End every live token of `user_id` (deactivation, a coordinator's reset). Returns how many."""
    result = db.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
