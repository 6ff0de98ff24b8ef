"""Roles and permissions: enum constants, never string literals scattered through views.

A permission is named `area:verb`. Each role holds an explicit set; nothing is implied by
another role, and an unknown role holds nothing (deny by default).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CONSUMER = "consumer"
    CARER = "carer"
    CONSUMER_PEER_WORKER = "consumer_peer_worker"
    CARER_PEER_WORKER = "carer_peer_worker"
    CLINICIAN = "clinician"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def keeps_record(self) -> bool:
        """Whether someone with this role has a medical record (consumers do)."""
        return self is Role.CONSUMER


ROLE_LABELS: dict[Role, str] = {
    Role.CONSUMER: "consumer",
    Role.CARER: "carer",
    Role.CONSUMER_PEER_WORKER: "peer worker",
    Role.CARER_PEER_WORKER: "carer peer worker",
    Role.CLINICIAN: "clinician",
    Role.AUDITOR: "auditor",
    Role.ADMIN: "coordinator",
}

#: People who receive care: the subjects of notes and records.
SUBJECT_ROLES = frozenset({Role.CONSUMER, Role.CARER})
#: Staff who can hold a care assignment, and the kind of subject each may be assigned to.
ASSIGNABLE: dict[Role, Role] = {
    Role.CLINICIAN: Role.CONSUMER,
    Role.CONSUMER_PEER_WORKER: Role.CONSUMER,
    Role.CARER_PEER_WORKER: Role.CARER,
}
#: Roles that can belong to a team.
STAFF_ROLES = frozenset({Role.CLINICIAN, Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER})
#: Roles that must use two-step sign-in (`peernotes.mfa`): clinicians, auditors, and
#: coordinators (`Role.ADMIN`), who can read or change the most. Everyone else may turn it on.
MFA_REQUIRED_ROLES = frozenset({Role.CLINICIAN, Role.AUDITOR, Role.ADMIN})


class Permission(StrEnum):
    #: Any signed-in person: their home page, sign out, change their password.
    SESSION_USE = "session:use"
    #: Retention and erasure: ask for one's own information to be erased (consumers, carers);
    #: see the pending requests, never any content (coordinators, auditors).
    ERASURE_REQUEST_OWN = "erasure:request_own"
    ERASURE_REVIEW = "erasure:review"
    ADMIN_ACCOUNTS = "admin:accounts"
    ADMIN_TEAMS = "admin:teams"
    ADMIN_ASSIGNMENTS = "admin:assignments"
    CARERS_NOMINATE = "carers:nominate"
    SHARING_VIEW_OWN = "sharing:view_own"
    CASELOAD_VIEW = "caseload:view"
    #: Review the access log (metadata only) and verify its integrity.
    AUDIT_REVIEW = "audit:review"
    #: Read the access-log entries about oneself.
    ACCESS_LOG_VIEW_OWN = "access_log:view_own"
    #: Download a copy of everything about oneself that one may see (APP 12; consumers, carers).
    INFORMATION_DOWNLOAD_OWN = "information:download_own"
    #: Open record pages (what is shown is then decided per entry by consent).
    RECORD_VIEW = "record:view"
    #: Have a medical record of one's own (consumers; carers have carer-support notes only).
    RECORD_OWN = "record:own"
    #: Write and amend medical record entries (for people in one's care).
    RECORD_WRITE = "record:write"
    #: Change one's own consent.
    CONSENT_MANAGE_OWN = "consent:manage_own"
    #: Record a consent change for a consumer in one's care, with them present.
    CONSENT_WITNESS = "consent:witness"
    #: Open notes pages (what is shown is decided per note and per section).
    NOTES_READ = "notes:read"
    #: Write notes with the people one supports (peer workers).
    NOTES_WRITE = "notes:write"
    #: Review, approve and add one's own words to notes about oneself.
    NOTES_REVIEW_OWN = "notes:review_own"
    #: Raise a duty-of-care risk concern about someone one supports (peer workers).
    RISK_RAISE = "risk:raise"
    #: Read, co-sign and delay telling about risk concerns (clinicians).
    RISK_MANAGE = "risk:manage"
    #: Set peer workers' supervising clinicians (coordinators).
    ADMIN_SUPERVISION = "admin:supervision"
    #: Break the glass: time-limited, reviewed, read-only access without another basis.
    EMERGENCY_ACCESS = "emergency:access"
    #: Review uses of emergency access (justified or not).
    EMERGENCY_REVIEW = "emergency:review"
    #: Set and lift safety flags on consumers in one's care.
    SAFETY_FLAG_MANAGE = "safety_flag:manage"
    #: Record peer workers' training.
    ADMIN_TRAINING = "admin:training"
    #: Keep one's own peer-worker profile, pause new matches, see one's own training (peer
    #: workers).
    PROFILE_OWN = "workforce:profile_own"
    #: State preferences, see matches, request or change one's peer worker (consumers, carers).
    WORKER_CHOOSE = "workforce:choose_worker"
    #: Confirm or decline requests for a peer worker (coordinators).
    ADMIN_MATCHES = "admin:matches"
    #: Agree and confirm support agreements (each side reads only their own; supervisors read
    #: their workers').
    AGREEMENTS_USE = "agreements:use"
    #: Record contacts with the people one supports (peer workers).
    CONTACTS_LOG = "contacts:log"
    #: Log supervision sessions with one's workers and see their dashboard (clinicians).
    SUPERVISION_LEAD = "supervision:lead"
    #: Read one's own supervision sessions (peer workers).
    SUPERVISION_VIEW_OWN = "supervision:view_own"
    #: Set up groups and their sessions (coordinators).
    ADMIN_GROUPS = "admin:groups"
    #: Record a session's topic and attendance for a group one facilitates (staff).
    GROUPS_FACILITATE = "groups:facilitate"
    #: See the groups one attended (consumers, carers).
    GROUPS_VIEW_OWN = "groups:view_own"
    #: Read one's own notifications and choose which are emailed (everyone).
    NOTIFICATIONS_OWN = "notifications:own"
    #: Write one's own "about me" (consumers, carers).
    ABOUT_ME_OWN = "about_me:own"
    #: Open someone's "about me" page (what is shown is then decided by their consent).
    ABOUT_ME_READ = "about_me:read"
    #: Open skills-and-resources pages: one's own, one's pair's, or one shared by consent
    #: (who may read or change a list is then decided per list).
    SKILLS_USE = "skills:use"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CONSUMER: frozenset(
        {
            Permission.SESSION_USE,
            Permission.NOTIFICATIONS_OWN,
            Permission.CARERS_NOMINATE,
            Permission.SHARING_VIEW_OWN,
            Permission.ACCESS_LOG_VIEW_OWN,
            Permission.INFORMATION_DOWNLOAD_OWN,
            Permission.RECORD_VIEW,
            Permission.RECORD_OWN,
            Permission.CONSENT_MANAGE_OWN,
            Permission.NOTES_READ,
            Permission.NOTES_REVIEW_OWN,
            Permission.WORKER_CHOOSE,
            Permission.AGREEMENTS_USE,
            Permission.GROUPS_VIEW_OWN,
            Permission.ERASURE_REQUEST_OWN,
            Permission.ABOUT_ME_OWN,
            Permission.SKILLS_USE,
        }
    ),
    Role.CARER: frozenset(
        {
            Permission.SESSION_USE,
            Permission.NOTIFICATIONS_OWN,
            # Carers choose who reads their carer-support notes, with the same map and receipts.
            Permission.SHARING_VIEW_OWN,
            Permission.CONSENT_MANAGE_OWN,
            Permission.ACCESS_LOG_VIEW_OWN,
            Permission.INFORMATION_DOWNLOAD_OWN,
            Permission.RECORD_VIEW,
            Permission.NOTES_READ,
            Permission.NOTES_REVIEW_OWN,
            Permission.WORKER_CHOOSE,
            Permission.AGREEMENTS_USE,
            Permission.GROUPS_VIEW_OWN,
            Permission.ERASURE_REQUEST_OWN,
            Permission.ABOUT_ME_OWN,
            Permission.ABOUT_ME_READ,
            Permission.SKILLS_USE,
        }
    ),
    Role.CONSUMER_PEER_WORKER: frozenset(
        {
            Permission.SESSION_USE,
            Permission.NOTIFICATIONS_OWN,
            Permission.CASELOAD_VIEW,
            Permission.RECORD_VIEW,
            Permission.CONSENT_WITNESS,
            Permission.NOTES_READ,
            Permission.NOTES_WRITE,
            Permission.RISK_RAISE,
            Permission.PROFILE_OWN,
            Permission.AGREEMENTS_USE,
            Permission.CONTACTS_LOG,
            Permission.SUPERVISION_VIEW_OWN,
            Permission.GROUPS_FACILITATE,
            Permission.ABOUT_ME_READ,
            Permission.SKILLS_USE,
        }
    ),
    Role.CARER_PEER_WORKER: frozenset(
        {
            Permission.SESSION_USE,
            Permission.NOTIFICATIONS_OWN,
            Permission.CASELOAD_VIEW,
            Permission.RECORD_VIEW,
            Permission.NOTES_READ,
            Permission.NOTES_WRITE,
            Permission.RISK_RAISE,
            Permission.PROFILE_OWN,
            Permission.AGREEMENTS_USE,
            Permission.CONTACTS_LOG,
            Permission.SUPERVISION_VIEW_OWN,
            Permission.GROUPS_FACILITATE,
            Permission.ABOUT_ME_READ,
            Permission.SKILLS_USE,
        }
    ),
    Role.CLINICIAN: frozenset(
        {
            Permission.SESSION_USE,
            Permission.NOTIFICATIONS_OWN,
            Permission.CASELOAD_VIEW,
            Permission.RECORD_VIEW,
            Permission.RECORD_WRITE,
            Permission.EMERGENCY_ACCESS,
            Permission.SAFETY_FLAG_MANAGE,
            Permission.CONSENT_WITNESS,
            Permission.NOTES_READ,
            Permission.RISK_MANAGE,
            Permission.AGREEMENTS_USE,
            Permission.SUPERVISION_LEAD,
            Permission.GROUPS_FACILITATE,
            Permission.ABOUT_ME_READ,
            Permission.SKILLS_USE,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Permission.SESSION_USE,
            Permission.NOTIFICATIONS_OWN,
            Permission.AUDIT_REVIEW,
            Permission.EMERGENCY_REVIEW,
            Permission.ERASURE_REVIEW,
        }
    ),
    Role.ADMIN: frozenset(
        {
            Permission.SESSION_USE,
            Permission.NOTIFICATIONS_OWN,
            Permission.ADMIN_ACCOUNTS,
            Permission.ADMIN_TEAMS,
            Permission.ADMIN_ASSIGNMENTS,
            Permission.ADMIN_TRAINING,
            Permission.ADMIN_SUPERVISION,
            Permission.ADMIN_MATCHES,
            Permission.ADMIN_GROUPS,
            Permission.ERASURE_REVIEW,
        }
    ),
}


def has_permission(role: Role, permission: Permission) -> bool:
    """True when `role` holds `permission`.

    Raises:
        ValueError: `role` or `permission` is not one of the enum members.
    """
    if not isinstance(role, Role):
        raise ValueError(f"unknown role {role!r}")
    if not isinstance(permission, Permission):
        raise ValueError(f"unknown permission {permission!r}")
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
