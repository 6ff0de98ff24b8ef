"""Making and revoking one's own tokens, each on record (the token functions themselves are in
`peernotes.auth.api_tokens`, which the APIs use to check a token)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Actor
from peernotes.auth.api_tokens import (
    IssuedToken,
    TokenRevokeReason,
    TokenScope,
    create_token,
    revoke_token,
)
from peernotes.auth.models import User


class NoSuchToken(Exception):
    """Not a live token of the person's own: someone else's, revoked already, or none."""


@step
def make(db: Session, actor: Actor, name: str, scope: TokenScope, days: int) -> IssuedToken:
    """Make a token for the person themselves. The whole token is in the answer, once.

    Raises:
        Refused: an empty or long name, or a lifetime out of range (nothing is stored).
    """
    issued = create_token(db, db.get_one(User, actor.id), name, scope, days)
    target = Target("api_token", issued.row.id)
    record_event(
        db, actor, Action.API_TOKEN_CREATE, None, target, Outcome.ALLOWED, f"scope:{scope.value}"
    )
    return issued


@step
def revoke(db: Session, actor: Actor, token_id: int) -> None:
    """Revoke one of the person's own tokens: apps holding it are refused from now on.

    Raises:
        NoSuchToken: not a live token of theirs; the attempt is on record, nothing changes.
    """
    target = Target("api_token", token_id)
    if revoke_token(db, actor.id, token_id, TokenRevokeReason.BY_PERSON) is None:
        record_event(
            db, actor, Action.API_TOKEN_REVOKE, None, target, Outcome.DENIED, Basis.NOT_FOUND
        )
        raise NoSuchToken(token_id)
    record_event(db, actor, Action.API_TOKEN_REVOKE, None, target, Outcome.ALLOWED, Basis.SELF)
