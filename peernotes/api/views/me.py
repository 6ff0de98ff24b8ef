"""`/api/v1/me`: who the token acts for, and the token itself."""

from __future__ import annotations

from sqlalchemy.orm import Session

from peernotes.api.blueprint import bp
from peernotes.api.endpoint import api_endpoint
from peernotes.api.schemas.me import MeOut, TokenOut
from peernotes.api.spec import answers, spec
from peernotes.auth.actor import Actor
from peernotes.auth.models import ApiToken
from peernotes.auth.roles import ROLE_LABELS, Permission


@bp.get("/me")
@api_endpoint(Permission.SESSION_USE)
@spec.validate(resp=answers(HTTP_200=MeOut), tags=["me"])
def get_me(actor: Actor, db: Session) -> MeOut:
    """The person this token acts for."""
    token = db.get(ApiToken, actor.token_id)
    assert token is not None  # the token was just checked  # nosec B101
    return MeOut(
        id=actor.id,
        display_name=actor.display_name,
        role=actor.role.value,
        role_label=ROLE_LABELS[actor.role],
        permissions=sorted(p.value for p in Permission if actor.can(p)),
        token=TokenOut(
            id=token.id, name=token.name, scope=token.scope, expires_at=token.expires_at
        ),
    )
