"""Flask-Login wiring: who is signed in, checked against the server-side session each request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, current_app, flash, request, session
from flask_login import LoginManager, login_user

from config import Config
from peernotes.auth.actor import Actor
from peernotes.auth.devices import describe_user_agent
from peernotes.auth.models import LoginSession, User
from peernotes.auth.sessions import SessionLimits, find_valid_session, note_used
from peernotes.db import request_session, utcnow
from peernotes.requests import current_request_id

login_manager = LoginManager()
login_manager.login_view = "signin.login"
login_manager.login_message = "Please sign in to continue."
# Our own server-side sessions replace Flask-Login's IP/user-agent heuristics, which sign out
# people on mobile networks whose address changes.
login_manager.session_protection = None


def session_limits() -> SessionLimits:
    config: Config = current_app.config["PEERNOTES"]
    return SessionLimits(
        idle=timedelta(minutes=config.idle_timeout_minutes),
        absolute=timedelta(hours=config.session_lifetime_hours),
    )


#: In the signed session cookie while a person whose role needs two-step sign-in has not set
#: it up: set when their session starts, removed when they enrol. (A coordinator's MFA reset
#: revokes the person's sessions, so a cookie never outlives the state it describes.)
MUST_ENROL_MFA = "enrol_mfa"


def _actor(user: User, login_session: LoginSession) -> Actor:
    return Actor(
        id=user.id,
        role=user.role,
        display_name=user.display_name,
        email=user.email,
        must_change_password=user.must_change_password,
        session_id=login_session.id,
        request_id=current_request_id(),
        must_enrol_mfa=bool(session.get(MUST_ENROL_MFA)),
    )


@login_manager.user_loader
def load_actor(user_id: str) -> Actor | None:
    token = session.get("sid")
    seen = session.get("seen")
    if not isinstance(token, str) or not isinstance(seen, int):
        session.clear()
        return None
    last_seen = datetime.fromtimestamp(seen, UTC)
    found = find_valid_session(request_session(), token, last_seen, session_limits())
    if found is None or str(found[1].id) != user_id:
        session.clear()
        flash("For your privacy, you were signed out. Please sign in again.", "info")
        return None
    login_session, user = found
    session["seen"] = int(utcnow().timestamp())
    note_used(login_session)
    return _actor(user, login_session)


def begin_browser_session(
    user: User, login_session: LoginSession, token: str, *, must_enrol_mfa: bool = False
) -> Actor:
    """Replace whatever the browser had with a fresh session for `user` (no fixation), and
    note which device and address it is, for the person's sessions page."""
    login_session.device = describe_user_agent(request.headers.get("User-Agent"))
    # The proxy-corrected address (`ProxyFix` honours PEERNOTES_TRUSTED_PROXIES).
    login_session.client_address = (request.remote_addr or "")[:45] or None
    session.clear()
    session["sid"] = token
    session["seen"] = int(utcnow().timestamp())
    if must_enrol_mfa:
        session[MUST_ENROL_MFA] = True
    session.permanent = True
    actor = _actor(user, login_session)
    login_user(actor)
    return actor


def mfa_enrolled() -> None:
    """This browser's person has just set up two-step sign-in: every page opens again."""
    session.pop(MUST_ENROL_MFA, None)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
