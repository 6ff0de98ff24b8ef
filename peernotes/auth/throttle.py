"""Sign-in throttling with Flask-Limiter, per account and per client address.

Only failed attempts count (a successful sign-in redirects, and is not deducted). The
per-account limit is the tighter one, so a person guessing at one account is stopped without
locking out other people who share an address (a clinic's network, say).
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from config import Config

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def _config() -> Config:
    config: Config = current_app.config["PEERNOTES"]
    return config


def _account_key() -> str:
    # The normalised email typed in, whether or not an account has it: unknown emails are
    # throttled exactly like real ones, so a 429 reveals nothing either.
    return "account:" + (request.form.get("email") or "").strip().lower()


def _address_key() -> str:
    return "address:" + get_remote_address()


def _per_account() -> str:
    c = _config()
    return f"{c.login_attempts_per_account} per {c.login_window_minutes} minutes"


def _per_address() -> str:
    c = _config()
    return f"{c.login_attempts_per_address} per {c.login_window_minutes} minutes"


def _failed(response: Response) -> bool:
    return response.status_code != 302


login_per_account = limiter.limit(
    _per_account, key_func=_account_key, methods=["POST"], deduct_when=_failed
)
login_per_address = limiter.limit(
    _per_address, key_func=_address_key, methods=["POST"], deduct_when=_failed
)


def record_throttled_sign_in() -> None:
    """Put a refused (throttled) sign-in on record. Called from the 429 page."""
    from peernotes.audit.events import Action, Basis, Outcome
    from peernotes.audit.writer import By, Target, record_event
    from peernotes.auth.accounts import find_by_email
    from peernotes.db import request_session
    from peernotes.requests import current_request_id

    db = request_session()
    email = (request.form.get("email") or "").strip()
    user = find_by_email(db, email) if email else None
    record_event(
        db,
        By(None, None, current_request_id()),
        Action.AUTH_LOGIN_THROTTLED,
        None,
        Target("user", user.id) if user is not None else None,
        Outcome.DENIED,
        Basis.THROTTLED,
    )
    db.commit()


def _reauth_key() -> str:
    from flask_login import current_user

    return f"reauth:{current_user.get_id()}"


def _wrong_password(_response: Response) -> bool:
    # Only a wrong password counts: a clinician who mistypes the reason in an emergency must
    # not be locked out for it.
    return bool(g.get("reauth_failed", False))


def note_wrong_password() -> None:
    """Tell the limiter that this request's password re-entry was wrong."""
    g.reauth_failed = True


#: Re-entering one's password (emergency access): the same budget as signing in.
reauth_per_person = limiter.limit(
    _per_account, key_func=_reauth_key, methods=["POST"], deduct_when=_wrong_password
)


def record_throttled_emergency_access() -> None:
    """Put a throttled break-the-glass attempt on record (its password check never ran)."""
    from flask_login import current_user

    from peernotes.audit.events import Action, Basis, Outcome
    from peernotes.audit.writer import By, record_event
    from peernotes.auth.models import User
    from peernotes.auth.roles import Role
    from peernotes.db import request_session
    from peernotes.requests import current_request_id

    if not current_user.is_authenticated:
        return
    db = request_session()
    raw = request.form.get("subject", "")
    subject = db.get(User, int(raw)) if raw.isdigit() and len(raw) < 12 else None
    record_event(
        db,
        By(current_user.id, Role(current_user.role), current_request_id()),
        Action.EMERGENCY_START,
        subject.id if subject is not None and subject.role is Role.CONSUMER else None,
        None,
        Outcome.DENIED,
        Basis.THROTTLED,
    )
    db.commit()
