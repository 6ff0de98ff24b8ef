"""Account operations: create, authenticate, change password, deactivate.

Every function takes the session explicitly, flushes, and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.audit import words
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import By, Target, acting_basis, record_event
from peernotes.auth import passwords
from peernotes.auth.actor import Acting
from peernotes.auth.api_tokens import TokenRevokeReason, revoke_all_tokens
from peernotes.auth.models import User
from peernotes.auth.reset_links import end_unused_links
from peernotes.auth.roles import SUBJECT_ROLES, Role
from peernotes.auth.sessions import RevokeReason, revoke_all_sessions
from peernotes.db import utcnow
from peernotes.errors import Refused


class AccountError(Refused):
    """An account operation was refused; the message is safe to show to the person."""


def normalise_email(raw: str) -> str:
    """Lower-cased, validated email address.

    Raises:
        AccountError: the address is not a valid email address.
    """
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(f"That email address doesn't look right: {exc}", "email") from exc
    return result.normalized.lower()


def display_names(db: Session, ids: Iterable[int] | None = None) -> dict[int, str]:
    """Display names by id, for pages that name the people in a list: only `ids` when given
    (a page of a long record names a handful of people, not every account)."""
    query = select(User.id, User.display_name)
    if ids is not None:
        query = query.where(User.id.in_(set(ids)))
    return {user_id: name for user_id, name in db.execute(query)}


def find_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


@step
def create_user(
    db: Session,
    *,
    email: str,
    display_name: str,
    role: Role | str,
    password: str,
    by: Acting,
    must_change_password: bool = False,
) -> User:
    """Create an active account, and record who created it.

    Raises:
        AccountError: unknown role, invalid or duplicate email, empty name, weak password.
    """
    try:
        role = Role(role)
    except ValueError as exc:
        known = ", ".join(r.value for r in Role)
        raise AccountError(f"Unknown role {role!r}; use one of: {known}", "role") from exc
    email = normalise_email(email)
    display_name = display_name.strip()
    if not display_name:
        raise AccountError("Please give a name.", "display_name")
    if len(display_name) > 120:
        raise AccountError("Names can be at most 120 characters.", "display_name")
    problem = passwords.policy_problem(password, email=email)
    if problem:
        raise AccountError(problem, "password")
    if find_by_email(db, email) is not None:
        raise AccountError("An account with that email already exists.", "email")
    user = User(
        email=email,
        display_name=display_name,
        role=role,
        password_hash=passwords.hash_password(password),
        must_change_password=must_change_password,
    )
    db.add(user)
    db.flush()
    _record_account_change(db, by, Action.ACCOUNT_CREATE, user)
    return user


def _record_account_change(db: Session, by: Acting, action: Action, user: User) -> None:
    # A consumer's or carer's account is information about them: it shows on their own
    # "who has looked at my information" page. Staff accounts are about no one's care.
    subject = user.id if user.role in SUBJECT_ROLES else None
    logged = Target("user", user.id)
    record_event(db, by, action, subject, logged, Outcome.ALLOWED, acting_basis(by))


def authenticate(db: Session, email: str, password: str, request_id: str) -> User | None:
    """The active account for these credentials, or None. Either way, it is recorded.

    Unknown email, wrong password and deactivated account all return None after the same
    amount of hashing work, so the answer reveals nothing about which it was. The log keeps
    which it was (never what was typed) for the auditors.
    """
    user = find_by_email(db, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        reason = (
            Basis.UNKNOWN_ACCOUNT
            if user is None
            else Basis.WRONG_PASSWORD
            if not ok
            else Basis.ACCOUNT_INACTIVE
        )
        target = Target("user", user.id) if user is not None else None
        record_event(
            db,
            By(None, None, request_id),
            Action.AUTH_LOGIN_FAILED,
            None,
            target,
            Outcome.DENIED,
            reason,
        )
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    record_event(
        db,
        By(user.id, user.role, request_id),
        Action.AUTH_LOGIN,
        None,
        Target("user", user.id),
        Outcome.ALLOWED,
        Basis.PASSWORD,
    )
    return user


@step
def change_password(db: Session, user: User, current: str, new: str, by: Acting) -> None:
    """Set a new password and end every session of this person (the caller starts a new one)
    and every unused reset link of theirs.

    Raises:
        AccountError: the current password is wrong, or the new one breaks the policy.
    """
    target = Target("user", user.id)
    if not passwords.verify_password(user.password_hash, current):
        # Recorded before refusing: repeated wrong guesses from a live session matter.
        record_event(
            db, by, Action.AUTH_PASSWORD_CHANGE, None, target, Outcome.DENIED, Basis.WRONG_PASSWORD
        )
        raise AccountError("Your current password isn't right.", "current_password")
    problem = passwords.policy_problem(new, email=user.email)
    if problem:
        raise AccountError(problem, "new_password")
    if passwords.verify_password(user.password_hash, new):
        raise AccountError("Choose a password different from your current one.", "new_password")
    user.password_hash = passwords.hash_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    revoke_all_sessions(db, user.id, RevokeReason.PASSWORD_CHANGED)
    # A reset link still lying in a mailbox would undo the change: it ends with it.
    end_unused_links(db, user.id, user.password_changed_at)
    db.flush()
    record_event(db, by, Action.AUTH_PASSWORD_CHANGE, None, target, Outcome.ALLOWED, Basis.SELF)


def deactivate_user(db: Session, user: User, *, by: Acting) -> None:
    """Deactivate an account and end its sessions at once. Nothing about it is deleted.

    Raises:
        AccountError: someone tried to deactivate their own account, or it is already inactive.
    """
    if user.id == by.id:
        raise AccountError("You can't deactivate your own account.")
    if not user.active:
        raise AccountError("That account is already deactivated.")
    user.active = False
    user.deactivated_at = utcnow()
    revoke_all_sessions(db, user.id, RevokeReason.DEACTIVATED)
    revoke_all_tokens(db, user.id, TokenRevokeReason.DEACTIVATED)
    # Reactivating later must not bring an old reset link back to life.
    end_unused_links(db, user.id, user.deactivated_at)
    db.flush()
    _record_account_change(db, by, Action.ACCOUNT_DEACTIVATE, user)


def reactivate_user(db: Session, user: User, *, by: Acting) -> None:
    """Let a deactivated person sign in again (their old sessions stay revoked)."""
    if user.active:
        raise AccountError("That account is already active.")
    user.active = True
    user.deactivated_at = None
    db.flush()
    _record_account_change(db, by, Action.ACCOUNT_REACTIVATE, user)


# The access log in words: an entry about an account names its holder.
words.register("user", "other", display_names)
