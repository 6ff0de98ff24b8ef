"""A person's sessions: list them, end one, end all but this one; a coordinator ends all of a
person's. Every ending is on the access log. The session rows are `auth`'s; ending one is
revoking it there, which the very next request of that browser sees (`auth.login`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting, Actor
from peernotes.auth.api_tokens import TokenRevokeReason, revoke_all_tokens
from peernotes.auth.devices import UNKNOWN_DEVICE
from peernotes.auth.models import User
from peernotes.auth.roles import SUBJECT_ROLES
from peernotes.auth.sessions import (
    RevokeReason,
    SessionLimits,
    live_sessions,
    revoke_all_sessions,
    revoke_other_sessions,
    revoke_session,
)
from peernotes.errors import Refused


class NoSuchSession(Exception):
    """Not a live session of this person (someone else's, ended, or made up): a 404."""


@dataclass(frozen=True)
class SessionView:
    """One session as its owner sees it."""

    id: int
    device: str
    client_address: str
    started_at: datetime
    last_used_at: datetime | None
    current: bool


def sessions_of(db: Session, actor: Actor, limits: SessionLimits) -> list[SessionView]:
    """The actor's own live sessions, the one they are using first."""
    views = [
        SessionView(
            id=row.id,
            # Sessions that began before devices were noted have none.
            device=row.device or UNKNOWN_DEVICE,
            client_address=row.client_address or "unknown",
            started_at=row.created_at,
            last_used_at=row.last_used_at,
            current=row.id == actor.session_id,
        )
        for row in live_sessions(db, actor.id, limits)
    ]
    return sorted(views, key=lambda v: not v.current)


def end_own_session(db: Session, actor: Actor, session_id: int) -> None:
    """End one of the actor's own sessions (possibly the one they are using).

    Raises:
        NoSuchSession: it is not a live session of theirs; the refusal is on record.
    """
    if not revoke_session(db, actor.id, session_id, RevokeReason.ENDED_BY_PERSON):
        target = Target("login_session", session_id)
        record_event(db, actor, Action.SESSION_END, None, target, Outcome.DENIED, Basis.NOT_FOUND)
        raise NoSuchSession
    target = Target("login_session", session_id)
    record_event(db, actor, Action.SESSION_END, None, target, Outcome.ALLOWED, Basis.SELF)


def end_other_sessions(db: Session, actor: Actor) -> int:
    """Sign out everywhere else: every live session of the actor's but this one."""
    ended = revoke_other_sessions(db, actor.id, actor.session_id, RevokeReason.ENDED_BY_PERSON)
    target = Target("user", actor.id)
    record_event(db, actor, Action.SESSION_END_OTHERS, None, target, Outcome.ALLOWED, Basis.SELF)
    return ended


def end_all_sessions_of(db: Session, person: User, *, by: Acting) -> int:
    """A coordinator signs `person` out on every device (a lost phone, a shared computer left
    signed in), and ends the tokens their apps hold: a lost phone holds those too. Their
    account stays as it is; they can sign in again, and make new tokens.

    Raises:
        Refused: the coordinator chose themselves (their own sessions page does that).
    """
    if person.id == by.id:
        raise Refused("To sign yourself out everywhere, use your own sessions page.")
    ended = revoke_all_sessions(db, person.id, RevokeReason.ENDED_BY_COORDINATOR)
    revoke_all_tokens(db, person.id, TokenRevokeReason.ENDED_BY_COORDINATOR)
    # A consumer's or carer's account is about them: it shows on their own access history.
    subject = person.id if person.role in SUBJECT_ROLES else None
    target = Target("user", person.id)
    record_event(db, by, Action.SESSION_END_ALL, subject, target, Outcome.ALLOWED, acting_basis(by))
    return ended
