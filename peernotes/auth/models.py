"""Accounts and their server-side sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.auth.roles import Role
from peernotes.db import Base, utcnow
from peernotes.types import enum_column


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored normalised (lower case) so that sign-in is case-insensitive and unique.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Set when an admin chose the password: the person picks their own at first sign-in.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:  # no names or emails in reprs: they end up in logs
        return f"<User {self.id} {self.role.value}>"


class LoginSession(Base):
    """One signed-in browser. The cookie carries a random token; only its hash is stored.

    A session is valid while it is not revoked and younger than the absolute lifetime. Sign-out,
    a password change and deactivation revoke rows here, so an old cookie replayed later finds
    its row revoked and is treated as signed out.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    # What the person sees on their sessions page. The browser and system in a few words
    # ("Chrome on Android"), never the whole User-Agent: it is all they need to recognise the
    # device, and keeps less about them.
    device: Mapped[str | None] = mapped_column(String(80), default=None)
    #: The client address the session started from (IPv6 is at most 45 characters).
    client_address: Mapped[str | None] = mapped_column(String(45), default=None)
    #: Updated at most once a minute (`peernotes.auth.sessions.LAST_USED_EVERY`), not on
    #: every request: good enough to say "last used 5 minutes ago" without a write each time.
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)


class PasswordReset(Base):
    """A one-time link to choose a new password. The link carries a random token; only its
    SHA-256 is stored, so a copy of the database opens no account.

    Usable while not used, not superseded (issuing a newer link for the same person ends the
    older unused ones) and not past `expires_at`. Rows are kept, never deleted: they say when
    and by whom a reset was issued and whether it was used.
    """

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The coordinator who issued it, or None for a link the person asked to be emailed.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"<PasswordReset {self.id} user={self.user_id}>"


class ApiToken(Base):
    """A personal access token: what an app presents to the JSON and FHIR APIs on its
    person's behalf (`peernotes.auth.api_tokens`).

    The token is shown once, when it is made. Only its SHA-256 is stored (it is 32 random
    bytes, so a fast hash is enough: there is no password to guess), so a copy of the database
    opens no account. Rows are kept after revocation and expiry: they say which app acted,
    and the access log's `api:call` entries name them by id.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The person's own words for the app ("My diary app").
    name: Mapped[str] = mapped_column(String(80))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: "read" or "write" (`peernotes.auth.api_tokens.TokenScope`); write includes read.
    scope: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(40), default=None)
    #: Updated at most once a minute, like a session's.
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
