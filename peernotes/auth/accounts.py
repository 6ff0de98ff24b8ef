"""Account operations: create, authenticate, change password, deactivate.

Every function takes the session explicitly, flushes, and never commits.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.auth import passwords
from peernotes.auth.models import User
from peernotes.auth.roles import Role
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


def find_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    db: Session,
    *,
    email: str,
    display_name: str,
    role: Role | str,
    password: str,
    must_change_password: bool = False,
) -> User:
    """Create an active account.

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
    return user


def authenticate(db: Session, email: str, password: str) -> User | None:
    """The active account for these credentials, or None.

    Unknown email, wrong password and deactivated account all return None after the same
    amount of hashing work, so the answer reveals nothing about which it was.
    """
    user = find_by_email(db, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def change_password(db: Session, user: User, current: str, new: str) -> None:
    """Set a new password and end every session of this person (the caller starts a new one).

    Raises:
        AccountError: the current password is wrong, or the new one breaks the policy.
    """
    if not passwords.verify_password(user.password_hash, current):
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
    db.flush()


def deactivate_user(db: Session, user: User, *, by: User) -> None:
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
    db.flush()


def reactivate_user(db: Session, user: User) -> None:
    """Let a deactivated person sign in again (their old sessions stay revoked)."""
    if user.active:
        raise AccountError("That account is already active.")
    user.active = True
    user.deactivated_at = None
    db.flush()
