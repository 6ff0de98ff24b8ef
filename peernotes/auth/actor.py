"""The signed-in person, as views and services see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from peernotes.auth.roles import Permission, Role, has_permission


@dataclass(frozen=True)
class Actor:
    """A frozen snapshot of who is acting in this request (also the Flask-Login user)."""

    id: int
    role: Role
    display_name: str
    email: str
    must_change_password: bool
    session_id: int
    #: This request's id, carried into every access-log entry the request writes.
    request_id: str
    #: Their role needs two-step sign-in and they have not set it up yet: every page but
    #: setting it up (and signing out) sends them there (`peernotes.web.routes`).
    must_enrol_mfa: bool = False
    #: The personal access token this request came with (the APIs), None in the web pages.
    #: `session_id` is then 0: an app holds no browser session.
    token_id: int | None = None

    # Flask-Login's user interface.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def can(self, permission: Permission) -> bool:
        return has_permission(self.role, permission)


class Acting(Protocol):
    """Whoever acts, as a service that decides by role sees them: a signed-in `Actor`, or
    someone acting without a session (`peernotes.audit.writer.By`). The access log's own
    `AuditActor` needs only a role's code; this one keeps the `Role`."""

    @property
    def id(self) -> int | None: ...

    @property
    def role(self) -> Role | None: ...

    @property
    def request_id(self) -> str: ...
