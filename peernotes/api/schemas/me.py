"""The current user, as the token's app sees them."""

from __future__ import annotations

from peernotes.api.schemas.common import Out, UtcTime


class TokenOut(Out):
    id: int
    name: str
    scope: str
    expires_at: UtcTime


class MeOut(Out):
    id: int
    display_name: str
    role: str
    role_label: str
    #: What the person may do (the permissions their role grants), for an app to shape itself.
    permissions: list[str]
    token: TokenOut
