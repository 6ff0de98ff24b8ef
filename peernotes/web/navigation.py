"""The main navigation, built from permissions: a link is shown to whoever holds what its page
needs, never chosen by role name in a template.

One order serves every role (each role's links keep the order they always had); `badge` names
a template value shown as a count beside the link (the notes waiting for the person).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_login import current_user

from peernotes.auth.roles import Permission, Role, has_permission


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    #: Shown when the person holds every one of these...
    needs: frozenset[Permission]
    #: ...and at least one of these, when there are any.
    any_of: frozenset[Permission] = frozenset()
    badge: str | None = None

    def shown_to(self, role: Role) -> bool:
        return all(has_permission(role, p) for p in self.needs) and (
            not self.any_of or any(has_permission(role, p) for p in self.any_of)
        )


def _item(label: str, endpoint: str, *needs: Permission, **kwargs: object) -> NavItem:
    return NavItem(label, endpoint, frozenset(needs), **kwargs)  # type: ignore[arg-type]


P = Permission
NAVIGATION: tuple[NavItem, ...] = (
    _item(
        "Notes",
        "notes.index",
        any_of=frozenset({P.NOTES_REVIEW_OWN, P.NOTES_WRITE}),
        badge="notes_waiting",
    ),
    # A record of one's own, and consent over it: the person the record is about.
    _item("Your record", "records.show_own_record", P.RECORD_VIEW, P.RECORD_OWN),
    # Who can see what, changing it, and checking it: one area, the map at its top.
    _item("Privacy and sharing", "care.show_sharing", P.SHARING_VIEW_OWN),
    _item("Your carers", "care.manage_carers", P.CARERS_NOMINATE),
    _item("Your peer worker", "choosing.overview", P.WORKER_CHOOSE),
    _item("Contacts", "contacts.log", P.CONTACTS_LOG),
    _item("Emergency access", "emergency.start", P.EMERGENCY_ACCESS),
    _item("Risk concerns", "risk.for_clinician", P.RISK_MANAGE),
    _item("Supervision", "supervision.dashboard", P.SUPERVISION_LEAD),
    _item("Support agreements", "agreements.mine", P.AGREEMENTS_USE),
    _item("Who has looked at my information", "accesslog.show_own_log", P.ACCESS_LOG_VIEW_OWN),
    _item("Concerns raised about me", "risk.about_me", P.NOTES_REVIEW_OWN),
    _item("Groups", "groups.facilitating", P.GROUPS_FACILITATE),
    _item("Your profile", "profiles.edit", P.PROFILE_OWN),
    _item("Accounts", "admin.list_accounts", P.ADMIN_ACCOUNTS),
    _item("Teams", "admin.list_teams", P.ADMIN_TEAMS),
    _item("Care assignments", "admin.list_assignments", P.ADMIN_ASSIGNMENTS),
    _item("Training", "training.manage", P.ADMIN_TRAINING),
    _item("Supervision", "supervision.manage", P.ADMIN_SUPERVISION),
    _item("Peer worker requests", "choosing.requests_list", P.ADMIN_MATCHES),
    _item("Groups", "groups.manage", P.ADMIN_GROUPS),
    _item("Access log", "accesslog.list_entries", P.AUDIT_REVIEW),
    _item("Insight", "insight.dashboard", P.AUDIT_REVIEW),
    _item("Emergency access reviews", "emergency.list_reviews", P.EMERGENCY_REVIEW),
)


def navigation_for(role: Role) -> list[NavItem]:
    """The links between "Home" and "Password" for someone with this role's permissions."""
    return [item for item in NAVIGATION if item.shown_to(role)]


def install_navigation(app: Flask) -> None:
    @app.context_processor
    def _navigation() -> dict[str, object]:
        if not current_user.is_authenticated:
            return {"navigation": []}
        return {"navigation": navigation_for(current_user.role)}
