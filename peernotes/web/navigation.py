"""The main navigation, built from permissions: a link is shown to whoever holds what its page
needs, never chosen by role name in a template.

Links are grouped into a handful of areas. One order serves every role: the areas in the order
of `Area`, and inside each area the links in the order of `NAVIGATION`. An area nobody's links
fall into is not shown, so each person sees only their own few (a consumer: notes and record,
privacy and sharing, peer support, their account; a coordinator: people, service, account).
`badge` names a template value shown as a count beside the link (the notes waiting for the
person); the names are the keys of `badges` in base.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache

from flask import Flask, request
from flask_login import current_user

from peernotes.auth.roles import Permission, Role, has_permission


class Area(Enum):
    """The areas of the navigation, in the order they are shown; the value is the heading."""

    #: Home alone, before every area: where "Needs attention" is.
    HOME = ""
    NOTES = "Notes and records"
    PRIVACY = "Privacy and sharing"
    SUPPORT = "Peer support"
    PEOPLE = "People"
    SERVICE = "Service"
    AUDIT = "Audit"
    #: Last: one's password, and anything else about one's own account.
    ACCOUNT = "Your account"


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    area: Area
    #: Shown when the person holds every one of these...
    needs: frozenset[Permission]
    #: ...and at least one of these, when there are any.
    any_of: frozenset[Permission] = frozenset()
    badge: str | None = None

    def shown_to(self, role: Role) -> bool:
        return all(has_permission(role, p) for p in self.needs) and (
            not self.any_of or any(has_permission(role, p) for p in self.any_of)
        )


@dataclass(frozen=True)
class NavArea:
    """One area as a person sees it: its heading and their links in it."""

    area: Area
    items: tuple[NavItem, ...]

    @property
    def label(self) -> str:
        return self.area.value

    @property
    def badges(self) -> tuple[str, ...]:
        return tuple(item.badge for item in self.items if item.badge)


def _item(label: str, endpoint: str, area: Area, *needs: Permission, **kwargs: object) -> NavItem:
    return NavItem(label, endpoint, area, frozenset(needs), **kwargs)  # type: ignore[arg-type]


P = Permission
A = Area
NAVIGATION: tuple[NavItem, ...] = (
    _item("Home", "home.show_home", A.HOME, P.SESSION_USE, badge="attention_count"),
    _item(
        "Notifications",
        "notifications.index",
        A.HOME,
        P.NOTIFICATIONS_OWN,
        badge="notifications_unread",
    ),
    _item(
        "Notes",
        "notes.index",
        A.NOTES,
        # Whoever reads notes: their own, those they write, and those shared with them.
        P.NOTES_READ,
        badge="notes_waiting",
    ),
    # A record of one's own, and consent over it: the person the record is about.
    _item("Your record", "records.show_own_record", A.NOTES, P.RECORD_VIEW, P.RECORD_OWN),
    _item("Contacts", "contacts.log", A.NOTES, P.CONTACTS_LOG),
    _item("Risk concerns", "risk.for_clinician", A.NOTES, P.RISK_MANAGE),
    _item("Emergency access", "emergency.start", A.NOTES, P.EMERGENCY_ACCESS),
    _item("Concerns raised about me", "risk.about_me", A.NOTES, P.NOTES_REVIEW_OWN),
    # Who can see what, changing it, and checking it: one area, the map at its top.
    _item("Privacy and sharing", "care.show_sharing", A.PRIVACY, P.SHARING_VIEW_OWN),
    _item("Your carers", "care.manage_carers", A.PRIVACY, P.CARERS_NOMINATE),
    _item(
        "Who has looked at my information",
        "accesslog.show_own_log",
        A.PRIVACY,
        P.ACCESS_LOG_VIEW_OWN,
    ),
    _item("Download my information", "export.information", A.PRIVACY, P.INFORMATION_DOWNLOAD_OWN),
    _item("Erase my information", "erasure.request_own", A.PRIVACY, P.ERASURE_REQUEST_OWN),
    _item("Your peer worker", "choosing.overview", A.SUPPORT, P.WORKER_CHOOSE),
    _item("Supervision", "supervision.dashboard", A.SUPPORT, P.SUPERVISION_LEAD),
    _item("Support agreements", "agreements.mine", A.SUPPORT, P.AGREEMENTS_USE),
    _item("Groups", "groups.facilitating", A.SUPPORT, P.GROUPS_FACILITATE),
    _item("Accounts", "admin.list_accounts", A.PEOPLE, P.ADMIN_ACCOUNTS),
    _item("Teams", "admin.list_teams", A.PEOPLE, P.ADMIN_TEAMS),
    _item("Care assignments", "admin.list_assignments", A.PEOPLE, P.ADMIN_ASSIGNMENTS),
    _item("Peer worker requests", "choosing.requests_list", A.PEOPLE, P.ADMIN_MATCHES),
    # Coordinators see them among people (so as not to close an account still due an erasure).
    _item("Erasure requests", "erasure.pending", A.PEOPLE, P.ERASURE_REVIEW, P.ADMIN_ACCOUNTS),
    _item("Training", "training.manage", A.SERVICE, P.ADMIN_TRAINING),
    _item("Supervision", "supervision.manage", A.SERVICE, P.ADMIN_SUPERVISION),
    _item("Groups", "groups.manage", A.SERVICE, P.ADMIN_GROUPS),
    _item("Language list", "language.manage", A.SERVICE, P.ADMIN_LANGUAGE),
    _item("On-call for carers", "oncall.manage", A.SERVICE, P.ADMIN_ON_CALL),
    _item("Service settings", "settings.manage", A.SERVICE, P.ADMIN_SETTINGS),
    _item("Access log", "accesslog.list_entries", A.AUDIT, P.AUDIT_REVIEW),
    _item("Insight", "insight.dashboard", A.AUDIT, P.AUDIT_REVIEW),
    _item("Emergency access reviews", "emergency.list_reviews", A.AUDIT, P.EMERGENCY_REVIEW),
    _item("Erasure requests", "erasure.pending", A.AUDIT, P.ERASURE_REVIEW, P.AUDIT_REVIEW),
    _item("Your profile", "profiles.edit", A.ACCOUNT, P.PROFILE_OWN),
    _item("Password", "signin.change_password", A.ACCOUNT, P.SESSION_USE),
    _item("Where you're signed in", "sessions.list_sessions", A.ACCOUNT, P.SESSION_USE),
    _item("Two-step sign-in", "mfa.settings", A.ACCOUNT, P.SESSION_USE),
    _item("Apps and tokens", "tokens.list_tokens", A.ACCOUNT, P.SESSION_USE),
    # Care for the peer workforce: a worker's own page; the concerns a worker chose one to read.
    _item("My wellbeing at work", "wellbeing.mine", A.SUPPORT, P.WELLBEING_OWN),
    # Supervisors meet them beside supervision; coordinators beside the service's supervision.
    _item(
        "Workplace concerns",
        "wellbeing.inbox",
        A.SUPPORT,
        P.WELLBEING_RECEIVE,
        P.SUPERVISION_LEAD,
    ),
    _item(
        "Workplace concerns",
        "wellbeing.inbox",
        A.SERVICE,
        P.WELLBEING_RECEIVE,
        P.ADMIN_SUPERVISION,
    ),
    # The person's own words, and what they practise with their peer worker.
    _item("About me", "aboutme.mine", A.SUPPORT, P.ABOUT_ME_OWN),
    _item("My wishes", "wishes.mine", A.SUPPORT, P.WISHES_OWN),
    _item("Skills and resources", "skills.mine", A.SUPPORT, P.SKILLS_USE, P.ABOUT_ME_OWN),
)


def navigation_for(role: Role) -> list[NavItem]:
    """Every link someone with this role's permissions is shown, in the one order."""
    return list(_navigation_of(role))


def areas_for(role: Role) -> list[NavArea]:
    """This role's links grouped by area, areas in `Area` order; empty areas left out."""
    return list(_areas_of(role))


# Both depend on the role alone (permissions are fixed in code), and every page asks: worked
# out once per role, not once per page view.
@cache
def _navigation_of(role: Role) -> tuple[NavItem, ...]:
    return tuple(item for item in NAVIGATION if item.shown_to(role))


@cache
def _areas_of(role: Role) -> tuple[NavArea, ...]:
    items = _navigation_of(role)
    grouped = (NavArea(area, tuple(i for i in items if i.area is area)) for area in Area)
    return tuple(group for group in grouped if group.items)


def install_navigation(app: Flask) -> None:
    @app.context_processor
    def _navigation() -> dict[str, object]:
        if not current_user.is_authenticated:
            return {"navigation": [], "navigation_areas": []}
        return {
            "navigation": navigation_for(current_user.role),
            "navigation_areas": areas_for(current_user.role),
            "current_endpoint": request.endpoint,
        }
