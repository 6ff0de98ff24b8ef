"""Sign-in throttling with Flask-Limiter, per account and per client address.

Only failed attempts count (a successful sign-in redirects, and is not deducted). The
per-account limit is the tighter one, so a person guessing at one account is stopped without
locking out other people who share an address (a clinic's network, say).

A browser that presents a valid device cookie for the account it signs in to
(`peernotes.auth.device_cookies`) is spared both of those limits, which strangers can spend,
and has its own instead: `login_attempts_per_device` failures in the window lock that cookie
out (OWASP's device cookies). Every other attempt stays under both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Response as FlaskResponse
from flask import current_app, g, make_response, render_template, request, session
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from config import Config
from peernotes.audit.events import Action
from peernotes.auth.device_cookies import trusted_device
from peernotes.auth.roles import Permission

_P = ParamSpec("_P")
_R = TypeVar("_R")

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)


def _config() -> Config:
    config: Config = current_app.config["PEERNOTES"]
    return config


#: The signed session's record of a right password awaiting its code (`peernotes.signin`).
PENDING_CODE = "mfa_pending"


def _email_signing_in() -> str:
    """The normalised email this sign-in attempt is for, whether or not an account has it:
    unknown emails are throttled exactly like real ones, so a 429 reveals nothing either."""
    if request.endpoint == "signin.login_code":
        # The code step counts against the account whose password was right, named by the
        # signed session, never by anything the form says.
        # (Kept in `g` by the view too, as the view ends the pending state before the limiter
        # counts a wrong code.)
        pending = session.get(PENDING_CODE)
        email = g.get(PENDING_CODE) or (pending.get("email") if isinstance(pending, dict) else None)
        return (email if isinstance(email, str) else "").strip().lower()
    return (request.form.get("email") or "").strip().lower()


def _account_key() -> str:
    return "account:" + _email_signing_in()


def _address_key() -> str:
    return "address:" + get_remote_address()


def _per_account() -> str:
    c = _config()
    return f"{c.login_attempts_per_account} per {c.login_window_minutes} minutes"


def _per_address() -> str:
    c = _config()
    return f"{c.login_attempts_per_address} per {c.login_window_minutes} minutes"


def _per_device() -> str:
    c = _config()
    return f"{c.login_attempts_per_device} per {c.login_window_minutes} minutes"


def _failed(response: Response) -> bool:
    return response.status_code != 302


def _device_nonce() -> str | None:
    return trusted_device(_email_signing_in())


def _from_trusted_device() -> bool:
    return _device_nonce() is not None


def _from_untrusted_device() -> bool:
    return _device_nonce() is None


def _device_key() -> str:
    return f"device:{_device_nonce()}"


# Shared between the password step and the code step (two-step sign-in), so that a wrong code
# counts exactly like a wrong password: one budget per account and per address for both. A
# browser trusted for the account (device cookie) is spared both, and has its own budget.
login_per_account = limiter.shared_limit(
    _per_account,
    "sign-in",
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_from_trusted_device,
)
_login_per_address_only = limiter.shared_limit(
    _per_address,
    "sign-in",
    key_func=_address_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_from_trusted_device,
)
_login_per_device_cookie = limiter.shared_limit(
    _per_device,
    "sign-in-device",
    key_func=_device_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_from_untrusted_device,
)


def login_per_address(view: Callable[_P, _R]) -> Callable[_P, _R]:
    """The client address's limit, or, for a trusted device, that device cookie's own limit
    in its place (one decorator, so the sign-in view names the two limits it had before)."""
    return _login_per_address_only(_login_per_device_cookie(view))


def record_throttled_sign_in() -> None:
    """Put a refused (throttled) sign-in on record. Called from the 429 page."""
    from peernotes.audit.events import Action, Basis, Outcome
    from peernotes.audit.writer import By, Target, record_event
    from peernotes.auth.accounts import find_by_email
    from peernotes.db import request_session
    from peernotes.requests import current_request_id

    db = request_session()
    email = _account_key().removeprefix("account:")
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


# Password reset links ----------------------------------------------------------------------
#
# Each limit answers a breach in its own words (`on_breach`), and puts the refusal on the
# access log. Asking for a link counts every request, for known and unknown addresses alike,
# so that a refusal reveals nothing about who has an account.


def _in_window(count: int) -> str:
    return f"{count} per {_config().login_window_minutes} minutes"


def _refused_reset(action: Action, message: str) -> Callable[[RequestLimit], FlaskResponse]:
    def on_breach(_limit: RequestLimit) -> FlaskResponse:
        from flask_login import current_user

        from peernotes.audit.events import Basis, Outcome
        from peernotes.audit.writer import By, record_event
        from peernotes.auth.roles import Role
        from peernotes.db import request_session
        from peernotes.requests import current_request_id

        db = request_session()
        by: By[Role]
        if current_user.is_authenticated:
            by = By(int(current_user.id), Role(current_user.role), current_request_id())
        else:
            by = By(None, None, current_request_id())
        record_event(db, by, action, None, None, Outcome.DENIED, Basis.THROTTLED)
        db.commit()
        page = render_template(
            "errors/error.html", code=429, title="Too many attempts", message=message
        )
        return make_response(page, 429)

    return on_breach


def _coordinator_key() -> str:
    from flask_login import current_user

    return f"reset-issue:{current_user.get_id()}"


def _not_a_coordinator() -> bool:
    # Only coordinators' issuing counts: anyone else is refused by the route (and logged)
    # without reaching the limit, and a signed-out visitor is sent to sign in.
    from flask_login import current_user

    return not (current_user.is_authenticated and current_user.can(Permission.ADMIN_ACCOUNTS))


def _reset_account_key() -> str:
    return "reset-account:" + (request.form.get("email") or "").strip().lower()


def _reset_address_key() -> str:
    return "reset-address:" + get_remote_address()


def _reset_use_key() -> str:
    return "reset-use:" + get_remote_address()


def _link_failed(_response: Response) -> bool:
    return bool(g.get("reset_link_failed", False))


def note_unusable_reset_link() -> None:
    """Tell the limiter that this request tried a reset link that does not work."""
    g.reset_link_failed = True


#: Links one coordinator may issue in the window.
reset_issue_per_coordinator = limiter.limit(
    lambda: _in_window(_config().reset_issues_per_coordinator),
    key_func=_coordinator_key,
    methods=["POST"],
    exempt_when=_not_a_coordinator,
    on_breach=_refused_reset(
        Action.AUTH_RESET_ISSUE,
        "You have issued many reset links in a short time. For everyone's safety, please wait "
        "a few minutes before issuing another.",
    ),
)

_TOO_MANY_REQUESTS = (
    "We have had several requests for reset links from here or for that address. Please wait "
    "a few minutes before asking again, check your email (including junk mail), or ask your "
    "coordinator."
)
#: Emailed links asked for one address, and from one client address, in the window.
reset_request_per_account = limiter.limit(
    lambda: _in_window(_config().reset_requests_per_account),
    key_func=_reset_account_key,
    methods=["POST"],
    on_breach=_refused_reset(Action.AUTH_RESET_REQUEST, _TOO_MANY_REQUESTS),
)
reset_request_per_address = limiter.limit(
    lambda: _in_window(_config().reset_requests_per_address),
    key_func=_reset_address_key,
    methods=["POST"],
    on_breach=_refused_reset(Action.AUTH_RESET_REQUEST, _TOO_MANY_REQUESTS),
)
#: Reset links that do not work, tried from one client address in the window.
reset_use_per_address = limiter.limit(
    lambda: _in_window(_config().reset_attempts_per_address),
    key_func=_reset_use_key,
    deduct_when=_link_failed,
    on_breach=_refused_reset(
        Action.AUTH_RESET_USE,
        "Too many reset links that don't work were tried from here. Please wait a few "
        "minutes, then open the newest link you were given.",
    ),
)


def note_refused_token() -> None:
    """Tell the limiter that this API request came with a token that does not count."""
    g.api_token_refused = True


def _token_refused(_response: Response) -> bool:
    return bool(g.get("api_token_refused", False))


def _api_address_key() -> str:
    return "api-token:" + get_remote_address()


#: Refused tokens from one client address: guessing is hopeless (256 random bits), but an app
#: left retrying a revoked token should not fill the access log. Its budget is the sign-in
#: per-address budget, in the same window.
api_token_refusals = limiter.limit(
    _per_address, key_func=_api_address_key, deduct_when=_token_refused
)
