"""The API's route decorator: the web's deny-by-default guard, for apps holding a token.

`api_endpoint(permission, scope)` wraps every API view. For each call it:
  1. takes the person from the `Authorization: Bearer` token only, never from a cookie
     (`install_api` hides any browser session from API paths, and CSRF does not apply);
  2. writes one `api:call` entry naming the token, so every entry the call writes is tied to
     the token by the request id;
  3. refuses a read token a write (403 `insufficient_scope`) and a person without the declared
     permission (403, on record as the web's refusals are);
  4. refuses a body that is not a JSON object (415, 400) before any model sees it;
  5. runs the view as one step (`refusable`): a `Refused` is a 422 naming its field, and
     changes nothing but leave its refusal on record;
  6. commits at the boundary, as the web's `requires` does.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from flask import Flask, g, request
from flask_login import AnonymousUserMixin
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from peernotes.api.errors import ApiError
from peernotes.audit.events import Action, Outcome
from peernotes.audit.steps import refusable
from peernotes.audit.writer import By, Target, record_event
from peernotes.auth.actor import Actor
from peernotes.auth.api_tokens import TokenRefusal, TokenScope, check_token, note_token_used
from peernotes.auth.models import ApiToken, User
from peernotes.auth.roles import Permission
from peernotes.auth.throttle import api_token_refusals, note_refused_token
from peernotes.db import request_session
from peernotes.errors import Refused
from peernotes.mfa import service as mfa
from peernotes.requests import current_request_id
from peernotes.web.errors import register_error_body
from peernotes.web.routes import PERMISSION_ATTR, once_more_as_writer

P = ParamSpec("P")
R = TypeVar("R")

#: Paths that are answered for apps, never for a browser session.
API_PREFIXES = ("/api/", "/fhir")
SCOPE_ATTR = "__peernotes_token_scope__"
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_REFUSED_TOKEN = "That token does not work: it may be mistyped, revoked or expired."
_NEEDS_TWO_STEP = (
    "Your role needs two-step sign-in: set it up in the web pages, then make a new token."
)


def api_endpoint(
    permission: Permission, scope: TokenScope = TokenScope.READ
) -> Callable[[Callable[Concatenate[Actor, Session, P], R]], Callable[P, R]]:
    """Declare what an API view needs: the permission (as a page declares) and the token scope.
    The view receives `(actor, db, **url_args)`, and its spectree-validated `json`/`query`."""
    if not isinstance(permission, Permission):
        raise TypeError(f"api_endpoint() takes a Permission, not {permission!r}")

    def decorate(view: Callable[Concatenate[Actor, Session, P], R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            return once_more_as_writer(lambda: _serve(view, permission, scope, kwargs))

        setattr(wrapper, PERMISSION_ATTR, permission)
        setattr(wrapper, SCOPE_ATTR, scope)
        return api_token_refusals(wrapper)

    return decorate


def _serve(view: Callable[..., R], permission: Permission, scope: TokenScope, kwargs: Any) -> R:
    db = request_session()
    try:
        actor, token_scope = _token_actor(db)
        _check_may(db, actor, permission, scope, token_scope)
        _check_body()
        step = refusable(db) if request.method in _WRITE_METHODS else nullcontext()
        try:
            with step:
                result = view(actor, db, **kwargs)
        except Refused as refusal:
            raise ApiError(422, "refused", str(refusal), refusal.field) from None
    except HTTPException:
        db.commit()  # a refusal stays on record
        raise
    db.commit()
    return result


def _token_actor(db: Session) -> tuple[Actor, TokenScope]:
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise ApiError(401)
    check = check_token(db, presented.strip())
    if check.refusal is not None or check.token is None or check.user is None:
        _refuse_token(db, check.user, check.token, check.refusal or TokenRefusal.UNKNOWN)
        raise ApiError(401, "unauthenticated", _REFUSED_TOKEN)
    token, user = check.token, check.user
    actor = Actor(
        id=user.id,
        role=user.role,
        display_name=user.display_name,
        email=user.email,
        must_change_password=False,
        session_id=0,
        request_id=current_request_id(),
        token_id=token.id,
    )
    g._login_user = actor  # the request log and error pages see who acted
    record_event(
        db,
        actor,
        Action.API_CALL,
        None,
        Target("api_token", token.id),
        Outcome.ALLOWED,
        f"scope:{token.scope}",
    )
    if mfa.required_for(user.role) and not mfa.is_enrolled(db, user.id):
        raise ApiError(401, "two_step_required", _NEEDS_TWO_STEP)
    note_token_used(db, token)
    return actor, TokenScope(token.scope)


def _refuse_token(
    db: Session, user: User | None, token: ApiToken | None, refusal: TokenRefusal
) -> None:
    note_refused_token()
    by = By(user.id if user else None, user.role if user else None, current_request_id())
    target = Target("api_token", token.id) if token is not None else None
    record_event(
        db, by, Action.API_TOKEN_REFUSED, None, target, Outcome.DENIED, f"token:{refusal.value}"
    )


def _check_may(
    db: Session, actor: Actor, permission: Permission, scope: TokenScope, token_scope: TokenScope
) -> None:
    route = Target("route", request.endpoint or "unknown")
    if not token_scope.allows(scope):
        record_event(
            db, actor, Action.ACCESS_DENIED, None, route, Outcome.DENIED, "token_scope:read"
        )
        raise ApiError(403, "insufficient_scope", "This token may read, not change anything.")
    if not actor.can(permission):
        record_event(db, actor, Action.ACCESS_DENIED, None, route, Outcome.DENIED, "no_permission")
        raise ApiError(403)


def _check_body() -> None:
    """A body is a JSON object, or absent: what is not is refused before any model reads it
    (a form post would otherwise skip the JSON model entirely)."""
    if request.method not in _WRITE_METHODS:
        return
    # A form body is parsed (and its stream read) before any view runs: its length tells it.
    if not request.content_length and not request.get_data(cache=True):
        return
    if request.mimetype != "application/json":
        raise ApiError(415)
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "malformed_json", "The body is not valid JSON.")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "The body must be a JSON object.")


def install_api(app: Flask, error_body: Callable[[int, str | None], Any]) -> None:
    """Hide browser sessions from API paths (an app acts only with its token), and answer
    their errors in the API's shape."""

    @app.before_request
    def _no_cookie_session_for_apps() -> None:
        if request.path.startswith(API_PREFIXES):
            g._login_user = AnonymousUserMixin()

    register_error_body(app, "/api/", error_body)
