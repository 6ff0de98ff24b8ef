"""The one route decorator, and the deny-by-default guard behind it.

Every view is wrapped by `requires(permission)` or `public`. The wrapper:
  1. checks sign-in (redirecting to the sign-in page) and the declared permission (403);
  2. sends someone whose password was set by an admin to choose their own first, and then
     someone whose role needs two-step sign-in to set it up;
  3. calls the view with `actor` and `db` passed in explicitly;
  4. commits at the boundary: on a normal return, and on an HTTP error the view raised on
     purpose (a denial must stay on record); any other exception rolls everything back.

`install_guard` refuses, at request time, any endpoint that declared nothing, so a view that
forgot its decorator fails closed instead of open. A test walks `app.url_map` for the same.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from peernotes.access.authorize import NotInCare, person_in_care
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import refusable
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.db import WriteInReadPhase, get_database, request_session
from peernotes.errors import Refused
from peernotes.web.forms import ConfirmForm

P = ParamSpec("P")
R = TypeVar("R")

PERMISSION_ATTR = "__peernotes_permission__"
PUBLIC = "public"

#: Endpoints that anyone may reach without signing in. Nothing else is public. The crisis
#: lines are among them: someone who cannot sign in may need them most.
PUBLIC_ENDPOINTS = frozenset(
    {
        "signin.login",
        "signin.login_code",
        "signin.forgot_password",
        "signin.reset_password",
        "home.health",
        "home.ready",
        "help.crisis_lines",
        "static",
        # The API's reference document: it describes the doors and opens none.
        "api.openapi",
        "fhir.metadata",  # the FHIR CapabilityStatement: it describes the doors, opens none
    }
)

#: Endpoints a person who must change their password may still reach.
_PASSWORD_CHANGE_ENDPOINTS = frozenset({"signin.change_password", "signin.logout"})
#: Endpoints a person who must set up two-step sign-in may still reach.
_MFA_ENROL_ENDPOINTS = frozenset({"mfa.enrol", "signin.logout"})


def requires(
    permission: Permission,
) -> Callable[[Callable[Concatenate[Actor, Session, P], R]], Callable[P, R | Response]]:
    """Declare the permission a view needs; the view receives `(actor, db, **url_args)`."""
    if not isinstance(permission, Permission):
        raise TypeError(f"requires() takes a Permission, not {permission!r}")

    def decorate(view: Callable[Concatenate[Actor, Session, P], R]) -> Callable[P, R | Response]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            return once_more_as_writer(lambda: _guarded(view, permission, *args, **kwargs))

        setattr(wrapper, PERMISSION_ATTR, permission)
        return wrapper

    return decorate


def _guarded(
    view: Callable[..., R], permission: Permission, *args: Any, **kwargs: Any
) -> R | Response:
    if not current_user.is_authenticated:
        return redirect(url_for("signin.login", next=safe_next(request.full_path)))
    actor: Actor = current_user._get_current_object()
    if actor.must_change_password and request.endpoint not in _PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("signin.change_password"))
    if actor.must_enrol_mfa and request.endpoint not in _MFA_ENROL_ENDPOINTS:
        return redirect(url_for("mfa.enrol"))
    if not actor.can(permission):
        record_denial(actor, request.endpoint or "unknown")
        abort(403)
    return run_and_commit(view, actor, *args, **kwargs)


def once_more_as_writer(run: Callable[[], R]) -> R:
    """Run a request's work; if it began as a SQLite reader and turned out to change
    something, run it again from the start as a writer.

    Nothing of the first run stays: its transaction rolls back (entries and all, as it wrote
    nothing: `peernotes.db.WriteInReadPhase`), and what it flashed is taken back, so the
    second run is the request as if it had been a writer from the start.
    """
    flashes = list(session.get("_flashes", []))
    try:
        return run()
    except WriteInReadPhase as write:
        # Worth knowing: a GET that often writes pays for two runs (README, "Performance").
        current_app.logger.info(
            "%s changed data (%s): run again as a writer", request.endpoint, write
        )
        get_database().as_writer(request_session())
        if flashes:
            session["_flashes"] = flashes
        else:
            session.pop("_flashes", None)
        return run()


def public(view: Callable[Concatenate[Session, P], R]) -> Callable[P, R]:
    """Declare a view reachable without signing in; it receives `(db, **url_args)`."""

    def run(*args: Any, **kwargs: Any) -> R:
        db = request_session()
        try:
            result = view(db, *args, **kwargs)
        except HTTPException:
            db.commit()
            raise
        db.commit()
        return result

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return once_more_as_writer(lambda: run(*args, **kwargs))

    setattr(wrapper, PERMISSION_ATTR, PUBLIC)
    return wrapper


def record_denial(actor: Actor, endpoint: str) -> None:
    """A refused route is on record, committed even though the request fails."""
    db = request_session()
    logged = Target("route", endpoint)
    record_event(db, actor, Action.ACCESS_DENIED, None, logged, Outcome.DENIED, Basis.NO_PERMISSION)
    db.commit()


def run_and_commit(view: Callable[..., R], actor: Actor, *args: Any, **kwargs: Any) -> R:
    db = request_session()
    try:
        result = view(actor, db, *args, **kwargs)
    except HTTPException:
        db.commit()
        raise
    db.commit()
    return result


def declared_permission(view: Callable[..., Any]) -> Permission | str | None:
    value: Permission | str | None = getattr(view, PERMISSION_ATTR, None)
    return value


def install_guard(app: Flask) -> None:
    """Refuse any request whose endpoint declared no permission (deny by default)."""

    @app.before_request
    def _deny_undeclared() -> None:
        endpoint = request.endpoint
        if endpoint is None:
            return None  # no route matched: Flask answers 404 / 405 itself
        if endpoint == "static":
            return None
        view = app.view_functions.get(endpoint)
        if view is None or declared_permission(view) is None:
            app.logger.error("endpoint %s declares no permission; refused", endpoint)
            abort(403)
        return None


def safe_next(target: str | None) -> str | None:
    """Only ever redirect back to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if target.endswith("?"):
        target = target[:-1]
    return target


def field_error(form: Any, refusal: Refused, default_field: str) -> None:
    """Show a refusal next to the field it concerns (or `default_field`)."""
    field = getattr(form, refusal.field or default_field, None) or getattr(form, default_field)
    field.errors = [*field.errors, str(refusal)]


def confirmed_action(action: Callable[[], str], back: str) -> Response:
    """Run a one-button action that was confirmed with a CSRF-checked form, then go `back`.

    `action` returns the message to show on success; a `Refused` is shown as an error and
    leaves everything as it was, but for the refusal on the access log (it runs as one step).
    """
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with refusable(request_session()):
            message = action()
    except Refused as refusal:
        flash(str(refusal), "error")
    else:
        flash(message, "info")
    return redirect(back)


def person_in_care_or_404(
    db: Session, actor: Actor, person_id: int, action: Action, kind: Role
) -> User:
    """The person of role `kind` in this worker's care, or the 404 a missing page gets (the
    refusal is on record, about them: `access.authorize.person_in_care`)."""
    try:
        return person_in_care(db, actor, person_id, action, kind)
    except NotInCare:
        abort(404)
