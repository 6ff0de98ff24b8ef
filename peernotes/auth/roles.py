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
#: Staff who can hold a care assignment, and the kinds of subject each may support. A consumer
#: peer worker may support carers too ("most participants thought that consumer peer workers
#: could support carers"), but only while the service allows it: `SETTING_GATED` pairs are
#: offered for NEW assignments, matches and facilitation only when the setting is on
#: (`peernotes.settings.service.may_newly_support`). An assignment already made goes on
#: working until it ends, so the pairing itself stays valid here.
ASSIGNABLE: dict[Role, frozenset[Role]] = {
    Role.CLINICIAN: frozenset({Role.CONSUMER}),
    Role.CONSUMER_PEER_WORKER: frozenset({Role.CONSUMER, Role.CARER}),
    Role.CARER_PEER_WORKER: frozenset({Role.CARER}),
}
#: (worker role, subject role) pairs a service may switch off for new work.
SETTING_GATED: frozenset[tuple[Role, Role]] = frozenset({(Role.CONSUMER_PEER_WORKER, Role.CARER)})


def may_support(worker: Role | None, subject: Role | None) -> bool:
    """Whether a worker of this role may support a subject of that role (ever: an existing
    assignment's pairing). New work also asks the service's setting."""
    return worker is not None and subject is not None and subject in ASSIGNABLE.get(worker, ())


def newly_assignable(
    worker: Role | None, *, consumer_peer_workers_support_carers: bool
) -> frozenset[Role]:
    """The kinds of subject a worker of this role may be newly assigned, matched or facilitate
    for, given the service's setting. Pure: the setting arrives as a value."""
    if worker is None:
        return frozenset()
    return frozenset(
        subject
        for subject in ASSIGNABLE.get(worker, frozenset())
        if consumer_peer_workers_support_carers or (worker, subject) not in SETTING_GATED
    )


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
    #: Write one's own "my wishes" for an admission or a discharge, and send it (consumers).
    WISHES_OWN = "wishes:own"
    #: Open "my wishes" pages (what is shown is decided per statement: the person, the peer
    #: worker they chose, their care team once sent).
    WISHES_READ = "wishes:read"
    #: Save a version of a "my wishes" statement (the person, or the peer worker they chose).
    WISHES_WRITE = "wishes:write"
    #: Reply in writing to a "my wishes" statement of someone in one's care (clinicians).
    WISHES_REPLY = "wishes:reply"
    #: Add and retire the service's own recovery-oriented language terms (coordinators).
    ADMIN_LANGUAGE = "admin:language"
    #: Set the on-call times of the service's carer peer workers (coordinators).
    ADMIN_ON_CALL = "admin:on_call"
    #: Change the service's settings (coordinators), e.g. whether consumer peer workers may
    #: support carers.
    ADMIN_SETTINGS = "admin:settings"
    #: Raise workplace concerns and choose topics to see collapsed (peer workers).
    WELLBEING_OWN = "wellbeing:own"
    #: Read and answer the workplace concerns a peer worker chose one to read (clinicians, who
    #: supervise; coordinators). Which ones is decided per concern: only those addressed to one.
    WELLBEING_RECEIVE = "wellbeing:receive"
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
            Permission.WISHES_OWN,
            Permission.WISHES_READ,
            Permission.WISHES_WRITE,
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
            Permission.WISHES_READ,
            Permission.WISHES_WRITE,
            Permission.WELLBEING_OWN,
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
            Permission.WELLBEING_OWN,
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
            Permission.WISHES_READ,
            Permission.WISHES_REPLY,
            Permission.WELLBEING_RECEIVE,
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
            Permission.ADMIN_LANGUAGE,
            Permission.ADMIN_ON_CALL,
            Permission.ADMIN_SETTINGS,
            Permission.WELLBEING_RECEIVE,
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
