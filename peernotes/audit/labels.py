"""The log's action codes in words, grouped by area, for the people who review the log.

An auditor filters the log by what happened ("Read a record entry"), not by its code
(`record:read`); the code stays beside the words, small, for whoever needs it. Every `Action`
has exactly one group and one label here (a test holds it), so a new action cannot reach the
auditor's filter as a bare code: add it to its area below.

`READS` names the actions that read a person's information. The auditors' dashboard
(`peernotes.insight`) counts and flags them, and the log's filter offers them as one choice so
that a flag's link can show exactly the reads behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from peernotes.audit.events import Action

A = Action


@dataclass(frozen=True)
class ActionGroup:
    """One area of the service, and its actions with their labels, in the filter's order."""

    label: str
    actions: tuple[tuple[Action, str], ...]


ACTION_GROUPS: tuple[ActionGroup, ...] = (
    ActionGroup(
        "Sign-in and accounts",
        (
            (A.AUTH_LOGIN, "Signed in"),
            (A.AUTH_LOGIN_FAILED, "Failed to sign in"),
            (A.AUTH_LOGIN_THROTTLED, "Sign-in held back after too many tries"),
            (A.AUTH_LOGOUT, "Signed out"),
            (A.AUTH_PASSWORD_CHANGE, "Changed their password"),
            (A.AUTH_RESET_ISSUE, "Issued a password reset link"),
            (A.AUTH_RESET_REQUEST, "Asked for a password reset link by email"),
            (A.AUTH_RESET_USE, "Used a password reset link"),
            (A.ACCESS_DENIED, "Opened a page their role may not use"),
            (A.ACCOUNT_CREATE, "Created an account"),
            (A.ACCOUNT_DEACTIVATE, "Deactivated an account"),
            (A.ACCOUNT_REACTIVATE, "Reactivated an account"),
            (A.KEYS_ROTATE, "Rotated the master encryption key"),
            # Backup and restore (issue 14).
            (A.BACKUP_CREATE, "Took an encrypted backup of the whole database"),
        ),
    ),
    ActionGroup(
        "Teams, care and carers",
        (
            (A.TEAM_CREATE, "Created a team"),
            (A.TEAM_DEACTIVATE, "Closed a team"),
            (A.TEAM_MEMBER_ADD, "Added someone to a team"),
            (A.TEAM_MEMBER_END, "Took someone off a team"),
            (A.ASSIGNMENT_CREATE, "Assigned a worker to someone's care"),
            (A.ASSIGNMENT_END, "Ended a care assignment"),
            (A.CARER_NOMINATE, "Named a carer"),
            (A.CARER_NOMINATION_END, "Stopped naming a carer"),
        ),
    ),
    ActionGroup(
        "Medical records",
        (
            (A.RECORD_READ, "Read a record entry"),
            (A.RECORD_LIST, "Opened a person's record"),
            (A.RECORD_WRITE, "Wrote a record entry"),
            (A.RECORD_AMEND, "Amended a record entry"),
            (A.RECORD_STATEMENT, "Added own words or asked for a correction on a record entry"),
            (A.RECORD_CORRECTION_REPLY, "Answered a correction request on a record entry"),
            (A.TIMELINE_VIEW, "Opened a person's timeline"),
        ),
    ),
    ActionGroup(
        "Notes",
        (
            (A.NOTE_CREATE, "Started a note"),
            (A.NOTE_SAVE, "Saved a note"),
            (A.NOTE_PROPOSE, "Sent a note for review"),
            (A.NOTE_APPROVE, "Approved a note"),
            (A.NOTE_APPROVE_IN_PERSON, "Recorded a note as approved in person"),
            (A.NOTE_REQUEST_CHANGES, "Asked for changes to a note"),
            (A.NOTE_DECLINE, "Declined a note"),
            (A.NOTE_WITHDRAW, "Withdrew a note"),
            (A.NOTE_CONFIRM_IN_PERSON, "Confirmed an in-person approval"),
            (A.NOTE_DISPUTE_IN_PERSON, "Disputed an in-person approval"),
            (A.NOTE_STATEMENT, "Added own words or asked for a correction on a note"),
            (A.NOTE_CORRECTION_REPLY, "Answered a correction request on a note"),
            (A.NOTE_READ, "Read a note"),
            (A.NOTE_LIST, "Opened a person's notes"),
            (A.NOTE_EXCERPT, "Saw a note's first words in a list"),
            (A.NOTE_FILE, "Filed part of a note into the record"),
        ),
    ),
    ActionGroup(
        "Consent and sharing",
        (
            (A.CONSENT_GRANT, "Shared information (consent given or changed)"),
            (A.CONSENT_REVOKE, "Stopped sharing information"),
            (A.CONSENT_PREVIEW, "Previewed what someone else sees"),
        ),
    ),
    ActionGroup(
        "Emergency access",
        (
            (A.EMERGENCY_START, "Opened a record with emergency access"),
            (A.EMERGENCY_REVIEW, "Reviewed a use of emergency access"),
        ),
    ),
    ActionGroup(
        "Safety flags",
        (
            (A.FLAG_SET, "Set a safety flag"),
            (A.FLAG_LIFT, "Lifted a safety flag"),
        ),
    ),
    ActionGroup(
        "Risk concerns",
        (
            (A.RISK_RAISE, "Raised a risk concern"),
            (A.RISK_READ, "Read a risk concern"),
            (A.RISK_LIST, "Opened a list of risk concerns"),
            (A.RISK_COSIGN, "Co-signed a risk concern"),
            (A.RISK_DELAY, "Delayed telling the person about a concern"),
            (A.RISK_LIFT_DELAY, "Lifted the delay on a concern"),
        ),
    ),
    ActionGroup(
        "Peer workforce",
        (
            (A.PROFILE_UPDATE, "Updated their peer-worker profile"),
            (A.MATCHES_PAUSE, "Paused new matches"),
            (A.MATCHES_RESUME, "Resumed new matches"),
            (A.PREFERENCES_SAVE, "Saved wishes for a peer worker"),
            (A.MATCHES_VIEW, "Looked at matching peer workers"),
            (A.WORKER_REQUEST, "Asked for a peer worker"),
            (A.WORKER_REQUEST_CANCEL, "Cancelled a request for a peer worker"),
            (A.WORKER_REQUEST_CONFIRM, "Confirmed a request for a peer worker"),
            (
                A.WORKER_REQUEST_CONFIRM_WITHOUT_HANDOVER,
                "Confirmed a change of peer worker without its handover",
            ),
            (A.WORKER_REQUEST_DECLINE, "Declined a request for a peer worker"),
            (A.HANDOVER_WRITE, "Wrote a handover summary"),
            (A.HANDOVER_READ, "Read a handover summary"),
            (A.HANDOVER_CONSENT, "Changed consent to a handover"),
            (A.AGREEMENT_PROPOSE, "Proposed a support agreement"),
            (A.AGREEMENT_CONFIRM, "Confirmed a support agreement"),
            (A.AGREEMENT_READ, "Read a support agreement"),
            (A.CONTACT_LOG, "Recorded a contact"),
            (A.CONTACT_FLAGS_READ, "Looked at contacts flagged outside an agreement"),
        ),
    ),
    ActionGroup(
        "Supervision and training",
        (
            (A.SUPERVISOR_SET, "Set a peer worker's supervisor"),
            (A.SUPERVISION_SESSION_LOG, "Recorded a supervision session"),
            (A.SUPERVISION_SESSION_READ, "Read a supervision session"),
            (A.TRAINING_RECORD, "Recorded training"),
            (A.TRAINING_IMPORT, "Imported training records"),
        ),
    ),
    ActionGroup(
        "Groups",
        (
            (A.GROUP_CREATE, "Created a group"),
            (A.GROUP_SESSION_RECORD, "Recorded a group session"),
            (A.GROUP_SESSION_READ, "Looked at a group session's attendance"),
        ),
    ),
    ActionGroup(
        "The access log",
        (
            (A.AUDIT_LIST, "Searched the access log"),
            (A.AUDIT_VIEW, "Opened an access-log entry"),
            (A.AUDIT_EXPORT, "Exported access-log entries"),
            (A.AUDIT_VERIFY, "Verified the access log"),
            (A.AUDIT_VIEW_OWN, "Looked at who has looked at their information"),
            (A.AUDIT_INSIGHT, "Opened the access-log insight dashboard"),
        ),
    ),
    # Sessions (issue 14).
    ActionGroup(
        "Sessions",
        (
            (A.SESSION_END, "Ended one of their sessions"),
            (A.SESSION_END_OTHERS, "Signed out everywhere else"),
            (A.SESSION_END_ALL, "Signed someone out on every device"),
        ),
    ),
    # Retention and erasure.
    ActionGroup(
        "Retention and erasure",
        (
            (A.ERASURE_REQUEST, "Asked for their information to be erased"),
            (A.ERASURE_COMPLETE, "Erased a person's information at the end of retention"),
            (A.ERASURE_LIST, "Looked at pending erasure requests"),
        ),
    ),
    # Two-step sign-in (MFA).
    ActionGroup(
        "Two-step sign-in",
        (
            (A.MFA_ENROL, "Set up an authenticator app"),
            (A.MFA_DISABLE, "Switched off their authenticator app"),
            (A.MFA_CODE_ACCEPTED, "Signed in with a code"),
            (A.MFA_CODE_REFUSED, "Entered a wrong code"),
            (A.MFA_CODE_REPLAYED, "Entered a code already used"),
            (A.MFA_RECOVERY_USED, "Used a recovery code"),
            (A.MFA_RECOVERY_REGENERATE, "Made new recovery codes"),
            (A.MFA_RESET, "Reset someone's authenticator app"),
        ),
    ),
    # The APIs and personal access tokens.
    ActionGroup(
        "Apps and downloads",
        (
            (A.API_TOKEN_CREATE, "Made an access token for an app"),
            (A.API_TOKEN_REVOKE, "Revoked an app's access token"),
            (A.API_CALL, "Used PeerNotes through an app"),
            (A.API_TOKEN_REFUSED, "An app's access token was refused"),
            (A.INFORMATION_DOWNLOAD, "Downloaded a copy of their information"),
        ),
    ),
    # "My wishes" at a transition.
    ActionGroup(
        "My wishes",
        (
            (A.WISHES_WRITE, "Saved a \u201cmy wishes\u201d statement"),
            (A.WISHES_SEND, "Sent a \u201cmy wishes\u201d statement to the care team"),
            (A.WISHES_READ, "Read a \u201cmy wishes\u201d statement"),
            (A.WISHES_LIST, "Listed a person's \u201cmy wishes\u201d statements"),
            (A.WISHES_REPLY, "Replied to a \u201cmy wishes\u201d statement"),
        ),
    ),
    # The service's language list and on-call times (issue 17).
    ActionGroup(
        "Language and on-call",
        (
            (A.LANGUAGE_TERM_ADD, "Added a term to the service's language list"),
            (A.LANGUAGE_TERM_RETIRE, "Retired a term from the service's language list"),
            (A.ON_CALL_SLOT_ADD, "Added a carer peer worker's on-call time"),
            (A.ON_CALL_SLOT_END, "Ended a carer peer worker's on-call time"),
        ),
    ),
    # Service settings (issue 17).
    ActionGroup(
        "Service settings",
        ((A.SETTING_CHANGE, "Changed a service setting"),),
    ),
    # Care for the peer workforce.
    ActionGroup(
        "Peer workforce wellbeing",
        (
            (A.WORKPLACE_CONCERN_RAISE, "Raised a workplace concern"),
            (A.WORKPLACE_CONCERN_READ, "Read a workplace concern"),
            (A.WORKPLACE_CONCERN_REPLY, "Answered a workplace concern"),
            (A.COLLAPSED_TOPICS_SET, "Chose topics to see collapsed"),
        ),
    ),
    # The person's own words and what they practise with their peer worker.
    ActionGroup(
        "About me, skills and resources",
        (
            (A.ABOUT_ME_WRITE, "Saved their “about me”"),
            (A.ABOUT_ME_READ, "Read someone's “about me”"),
            (A.SKILLS_ADD, "Added a skill or resource"),
            (A.SKILLS_EDIT, "Changed a skill or resource"),
            (A.SKILLS_RETIRE, "Put a skill or resource aside"),
            (A.SKILLS_READ, "Read someone's skills and resources"),
        ),
    ),
)

#: Every action's words, by its code.
ACTION_LABELS: Mapping[str, str] = {
    action.value: label for group in ACTION_GROUPS for action, label in group.actions
}
#: Every action's area, by its code.
ACTION_GROUP_OF: Mapping[str, str] = {
    action.value: group.label for group in ACTION_GROUPS for action, _ in group.actions
}

#: Reading a person's information (their record, notes, timeline, concerns, handover,
#: agreement, supervision session, group attendance, or what someone else sees of it). Not
#: the log itself: auditors read metadata only, and their reading is its own group.
READS: frozenset[Action] = frozenset(
    {
        A.RECORD_READ,
        A.RECORD_LIST,
        A.TIMELINE_VIEW,
        A.NOTE_READ,
        A.NOTE_LIST,
        # The first words of a readable section: content, so a read.
        A.NOTE_EXCERPT,
        A.RISK_READ,
        A.RISK_LIST,
        A.HANDOVER_READ,
        A.AGREEMENT_READ,
        A.CONTACT_FLAGS_READ,
        A.SUPERVISION_SESSION_READ,
        A.GROUP_SESSION_READ,
        A.CONSENT_PREVIEW,
        A.WISHES_READ,
        A.WISHES_LIST,
        A.WORKPLACE_CONCERN_READ,
        A.ABOUT_ME_READ,
        A.SKILLS_READ,
    }
)
#: The filter's value for "any of `READS`" (no action code has this shape: codes hold a colon).
READS_CHOICE = "reads"
READS_LABEL = "Any read of a person's information"


def action_label(code: str) -> str:
    """The words for an action code; an unknown code (never expected) reads as itself."""
    return ACTION_LABELS.get(code, code)


# Bases and reasons -----------------------------------------------------------------------------

#: Bases and reasons whose words are not simply their code's words (`no_consent` → "No consent").
_BASIS_WORDS: Mapping[str, str] = {
    "self": "Their own",
    "author": "They wrote it",
    "care_assignment": "In their care",
    "consent": "Consent",
    "emergency": "Emergency access",
    "handover_consent": "Handover consent",
    "duty_of_care": "Duty of care",
    "supervisor": "Supervises the worker",
    "facilitator": "Facilitates the group",
    "party": "A party to it",
    "witnessed": "Recorded with the person present",
    "role": "Their role",
    "cli": "The command line",
    "password": "Password checked",
    "totp": "Authenticator code",
    "recovery_code": "Recovery code",
    "justified": "Found justified",
    "not_justified": "Found not justified",
}


def basis_words(basis: str, role_labels: Mapping[str, str] | None = None) -> str:
    """A basis or reason in words: `consent:12` → "Consent #12", `role:admin` → "Their role
    (coordinator)" given the roles' labels, `training_lapsed` → "Training lapsed"."""
    kind, _, qualifier = basis.partition(":")
    words = _BASIS_WORDS.get(kind) or kind.replace("_", " ").capitalize()
    if not qualifier:
        return words
    if kind == "role":
        return f"{words} ({(role_labels or {}).get(qualifier, qualifier.replace('_', ' '))})"
    return f"{words} #{qualifier}" if qualifier.isdigit() else f"{words} ({qualifier})"
