"""One-time password reset links: a coordinator issues one, a person asks for one by email,
and whoever holds it chooses a new password with it, once.

- The newest link a coordinator issues is the only one of that person's that works: issuing
  ends every earlier unused link. An emailed request ends only earlier *emailed* links, so
  that a stranger typing someone's address cannot cancel the link their coordinator gave
  them. Using any link ends all the others, and so does changing one's password.
- Using a link ends every session of that person and does not start one: they sign in with
  the new password, so a link read over someone's shoulder does not open a session by itself.
- Every issue, request and use is on the access log, and so is every link that did not work,
  with why (for auditors). The token itself is never written anywhere but into the link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import By, Target, acting_basis, record_event
from peernotes.auth import passwords
from peernotes.auth.accounts import AccountError, find_by_email
from peernotes.auth.actor import Acting
from peernotes.auth.api_tokens import TokenRevokeReason, revoke_all_tokens
from peernotes.auth.models import PasswordReset, User
from peernotes.auth.reset_links import NewLink, claim, end_unused_links, find_link, make_link
from peernotes.auth.roles import Role
from peernotes.auth.sessions import RevokeReason, revoke_all_sessions
from peernotes.db import utcnow
from peernotes.errors import Refused

#: One answer for every link that does not work (unknown, expired, used, replaced by a newer
#: one, or for a deactivated account), so the page tells its holder nothing more.
LINK_UNUSABLE = (
    "This link doesn't work any more. Reset links work once and for a limited time, and a "
    "newer link replaces an older one. Ask for a new link, or ask your coordinator."
)


class ResetLinkUnusable(Refused):
    """The link cannot be used; its message is `LINK_UNUSABLE` whatever the reason."""

    def __init__(self) -> None:
        super().__init__(LINK_UNUSABLE)


@dataclass(frozen=True)
class IssuedLink:
    """A new link's token (to put into the link, once) and when it stops working."""

    token: str
    expires_at: datetime


def _issued(link: NewLink) -> IssuedLink:
    return IssuedLink(link.token, link.expires_at)


@step
def issue_reset(db: Session, user: User, *, by: Acting, lifetime: timedelta) -> IssuedLink:
    """A coordinator's reset link for `user`, ending every earlier unused link of theirs.

    Raises:
        AccountError: it is the coordinator's own account, or the account is deactivated.
    """
    if user.id == by.id:
        raise AccountError("To change your own password, use “Change password” instead.")
    if not user.active:
        raise AccountError(
            f"{user.display_name}'s account is deactivated. Reactivate it first, then issue "
            "a reset link."
        )
    now = utcnow()
    end_unused_links(db, user.id, now)
    link = make_link(db, user, issued_by=by.id, lifetime=lifetime, now=now)
    record_event(
        db,
        by,
        Action.AUTH_RESET_ISSUE,
        None,
        Target("user", user.id),
        Outcome.ALLOWED,
        acting_basis(by),
    )
    return _issued(link)


def request_emailed_reset(
    db: Session, email: str, *, request_id: str, lifetime: timedelta
) -> tuple[User, IssuedLink] | None:
    """A link to email to the active account with this address, or None when there is none.

    The caller answers the same whatever this returns. The log keeps which it was (an unknown
    address, a deactivated account) for the auditors, never the address typed.
    """
    visitor: By[Role] = By(None, None, request_id)
    user = find_by_email(db, email)
    if user is None or not user.active:
        reason = Basis.UNKNOWN_ACCOUNT if user is None else Basis.ACCOUNT_INACTIVE
        target = Target("user", user.id) if user is not None else None
        record_event(db, visitor, Action.AUTH_RESET_REQUEST, None, target, Outcome.DENIED, reason)
        return None
    now = utcnow()
    end_unused_links(db, user.id, now, emailed_only=True)
    link = make_link(db, user, issued_by=None, lifetime=lifetime, now=now)
    record_event(
        db,
        visitor,
        Action.AUTH_RESET_REQUEST,
        None,
        Target("user", user.id),
        Outcome.ALLOWED,
        Basis.RESET_EMAILED,
    )
    return user, _issued(link)


def _unusable_because(reset: PasswordReset | None, user: User | None, now: datetime) -> str | None:
    if reset is None or user is None:
        return Basis.RESET_UNKNOWN
    if reset.used_at is not None:
        return Basis.RESET_USED
    if reset.superseded_at is not None:
        return Basis.RESET_SUPERSEDED
    if now >= reset.expires_at:
        return Basis.RESET_EXPIRED
    if not user.active:
        return Basis.ACCOUNT_INACTIVE
    return None


def _refuse(db: Session, request_id: str, user: User | None, reason: str) -> ResetLinkUnusable:
    target = Target("user", user.id) if user is not None else None
    visitor: By[Role] = By(None, None, request_id)
    record_event(db, visitor, Action.AUTH_RESET_USE, None, target, Outcome.DENIED, reason)
    return ResetLinkUnusable()


def _usable(db: Session, token: str, request_id: str, now: datetime) -> tuple[PasswordReset, User]:
    reset = find_link(db, token)
    user = db.get(User, reset.user_id) if reset is not None else None
    reason = _unusable_because(reset, user, now)
    if reason is not None or reset is None or user is None:
        raise _refuse(db, request_id, user, reason or Basis.RESET_UNKNOWN)
    return reset, user


@step
def check_link(db: Session, token: str, *, request_id: str) -> User:
    """The person whose link this is, while it works. Opening the page uses nothing.

    Raises:
        ResetLinkUnusable: it does not work (the refusal, with why, is on the log).
    """
    _reset, user = _usable(db, token, request_id, utcnow())
    return user


@step
def reset_password(db: Session, token: str, new_password: str, *, request_id: str) -> User:
    """Set the new password with this link: it is used up, every other link of the person's
    ends, and so does every session of theirs. Nobody is signed in.

    Raises:
        ResetLinkUnusable: the link does not work (the refusal is on the log).
        AccountError: the new password breaks the policy (the link still works).
    """
    now = utcnow()
    reset, user = _usable(db, token, request_id, now)
    problem = passwords.policy_problem(new_password, email=user.email)
    if problem:
        raise AccountError(problem, "new_password")
    if not claim(db, reset, now):
        raise _refuse(db, request_id, user, Basis.RESET_USED)
    end_unused_links(db, user.id, now)
    user.password_hash = passwords.hash_password(new_password)
    # They chose it themselves, so a password a coordinator once set no longer stands.
    user.must_change_password = False
    user.password_changed_at = now
    revoke_all_sessions(db, user.id, RevokeReason.PASSWORD_RESET)
    # Whoever took over the account may have made tokens: a reset ends them too.
    revoke_all_tokens(db, user.id, TokenRevokeReason.PASSWORD_RESET)
    db.flush()
    # The link stood for its holder's identity, as a password does at sign-in.
    record_event(
        db,
        By(user.id, user.role, request_id),
        Action.AUTH_RESET_USE,
        None,
        Target("user", user.id),
        Outcome.ALLOWED,
        Basis.RESET_LINK,
    )
    return user
