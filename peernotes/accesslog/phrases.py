"""The words of a person's own access history: what each action did, why it was allowed, why
it was refused. Read by `peernotes.accesslog.plain`, which puts them together.

Every action the log knows has its words here (a test holds this table to `Action`), so no
line ever falls back to "something". The phrases speak to the person the entry is about.

Slots a phrase may hold, filled from the entry's target (`peernotes.audit.words`):
- `{what}`: a record entry by its kind ("your care plan"), or "an entry";
- `{other}`: another person the entry names ("Sam Rivera"), or "another person".
"""

from __future__ import annotations

from dataclasses import dataclass

from peernotes.audit.events import Action


@dataclass(frozen=True)
class ActionWords:
    #: Completes "<who> …" when it was allowed: what they did, to which information.
    did: str
    #: Completes "<who> …, and was refused" when it was not.
    tried: str


def _words(did: str, tried: str) -> ActionWords:
    return ActionWords(did, tried)


A = Action

ACTIONS: dict[Action, ActionWords] = {
    # Signing in and out (about an account, never about a person's information).
    A.AUTH_LOGIN: _words("signed in to PeerNotes", "tried to sign in to PeerNotes"),
    A.AUTH_LOGIN_FAILED: _words(
        "signed in to your account", "tried to sign in to your account with a wrong password"
    ),
    A.AUTH_LOGIN_THROTTLED: _words(
        "signed in to your account", "tried to sign in to your account too many times"
    ),
    A.AUTH_LOGOUT: _words("signed out of PeerNotes", "tried to sign out of PeerNotes"),
    A.AUTH_PASSWORD_CHANGE: _words("changed your password", "tried to change your password"),
    A.AUTH_RESET_ISSUE: _words(
        "gave you a link to set a new password", "tried to give you a link to set a new password"
    ),
    A.AUTH_RESET_REQUEST: _words(
        "asked for a link to set a new password for your account",
        "tried to get a link to set a new password for your account",
    ),
    A.AUTH_RESET_USE: _words(
        "set a new password for your account with a reset link",
        "tried to use a reset link for your account",
    ),
    A.ACCESS_DENIED: _words("opened a page about you", "tried to open a page about you"),
    # The coordinator's changes.
    A.ACCOUNT_CREATE: _words("created your account", "tried to create your account"),
    A.ACCOUNT_DEACTIVATE: _words(
        "switched off your PeerNotes account", "tried to switch off your PeerNotes account"
    ),
    A.ACCOUNT_REACTIVATE: _words(
        "switched your PeerNotes account back on",
        "tried to switch your PeerNotes account back on",
    ),
    A.TEAM_CREATE: _words("set up a care team", "tried to set up a care team"),
    A.TEAM_DEACTIVATE: _words("closed a care team", "tried to close a care team"),
    A.TEAM_MEMBER_ADD: _words(
        "added {other} to a care team", "tried to add {other} to a care team"
    ),
    A.TEAM_MEMBER_END: _words(
        "took {other} off a care team", "tried to take {other} off a care team"
    ),
    A.ASSIGNMENT_CREATE: _words(
        "set up your support with {other}", "tried to set up your support with {other}"
    ),
    A.ASSIGNMENT_END: _words(
        "ended your support with {other}", "tried to end your support with {other}"
    ),
    # A person's own choices about their carers.
    A.CARER_NOMINATE: _words("named {other} as your carer", "tried to name {other} as your carer"),
    A.CARER_NOMINATION_END: _words(
        "removed {other} as your carer", "tried to remove {other} as your carer"
    ),
    # The medical record.
    A.RECORD_READ: _words("read {what} in your record", "tried to read {what} in your record"),
    A.RECORD_LIST: _words(
        "looked at the list of your record entries",
        "tried to look at the list of your record entries",
    ),
    A.RECORD_WRITE: _words("added {what} to your record", "tried to add an entry to your record"),
    A.RECORD_AMEND: _words(
        "changed {what} in your record", "tried to change {what} in your record"
    ),
    A.RECORD_STATEMENT: _words(
        "added your own words, or asked for a correction, on {what} in your record",
        "tried to add words or ask for a correction on {what} in your record",
    ),
    A.RECORD_CORRECTION_REPLY: _words(
        "answered your request for a correction to {what} in your record",
        "tried to answer your request for a correction to {what} in your record",
    ),
    # Consent.
    A.CONSENT_GRANT: _words(
        "changed who can see your information",
        "tried to change who can see your information",
    ),
    A.CONSENT_REVOKE: _words(
        "stopped sharing some of your information",
        "tried to stop sharing some of your information",
    ),
    A.CONSENT_PREVIEW: _words(
        "checked what {other} can see of your information",
        "tried to check what another person can see of your information",
    ),
    # Emergency access and its review.
    A.EMERGENCY_START: _words(
        "opened your record with emergency access",
        "tried to open your record with emergency access",
    ),
    A.EMERGENCY_REVIEW: _words(
        "reviewed an emergency access to your record and {finding}",
        "tried to review an emergency access to your record",
    ),
    # Safety flags.
    A.FLAG_SET: _words(
        "set a safety flag on your record", "tried to set a safety flag on your record"
    ),
    A.FLAG_LIFT: _words(
        "lifted a safety flag on your record", "tried to lift a safety flag on your record"
    ),
    A.TRAINING_RECORD: _words("recorded a training course", "tried to record a training course"),
    # Peer notes, one step of their story at a time.
    A.NOTE_CREATE: _words("started a peer note with you", "tried to start a peer note with you"),
    A.NOTE_SAVE: _words(
        "saved changes to a peer note about you", "tried to save changes to a peer note about you"
    ),
    A.NOTE_PROPOSE: _words(
        "sent you a peer note to review", "tried to send you a peer note to review"
    ),
    A.NOTE_APPROVE: _words(
        "approved a peer note about you", "tried to approve a peer note about you"
    ),
    A.NOTE_APPROVE_IN_PERSON: _words(
        "recorded that you approved a peer note together, in person",
        "tried to record that you approved a peer note in person",
    ),
    A.NOTE_REQUEST_CHANGES: _words(
        "asked for changes to a peer note about you",
        "tried to ask for changes to a peer note about you",
    ),
    A.NOTE_DECLINE: _words(
        "declined a peer note about you", "tried to decline a peer note about you"
    ),
    A.NOTE_WITHDRAW: _words(
        "withdrew a peer note about you", "tried to withdraw a peer note about you"
    ),
    A.NOTE_CONFIRM_IN_PERSON: _words(
        "confirmed that you approved a peer note in person",
        "tried to confirm that you approved a peer note in person",
    ),
    A.NOTE_DISPUTE_IN_PERSON: _words(
        "said that a peer note was not approved in person",
        "tried to say that a peer note was not approved in person",
    ),
    A.NOTE_STATEMENT: _words(
        "added your own words, or asked for a correction, on a peer note about you",
        "tried to add words or ask for a correction on a peer note about you",
    ),
    A.NOTE_READ: _words("read a peer note about you", "tried to read a peer note about you"),
    A.NOTE_LIST: _words(
        "looked at the list of peer notes about you",
        "tried to look at the list of peer notes about you",
    ),
    A.NOTE_EXCERPT: _words(
        "saw the first words of a peer note about you, in a list of notes",
        "tried to see the first words of a peer note about you",
    ),
    A.NOTE_FILE: _words(
        "filed part of a peer note you approved into your record",
        "tried to file part of a peer note into your record",
    ),
    A.TIMELINE_VIEW: _words(
        "looked at your timeline of peer notes and record entries",
        "tried to look at your timeline of peer notes and record entries",
    ),
    A.NOTE_CORRECTION_REPLY: _words(
        "answered your request for a correction on a peer note",
        "tried to answer your request for a correction on a peer note",
    ),
    # Concerns about a person's safety.
    A.RISK_RAISE: _words(
        "raised a concern about your safety with your care team",
        "tried to raise a concern about your safety",
    ),
    A.RISK_READ: _words(
        "read a concern raised about your safety",
        "tried to read a concern raised about your safety",
    ),
    A.RISK_LIST: _words(
        "looked at the list of concerns raised about your safety",
        "tried to look at the list of concerns raised about your safety",
    ),
    A.RISK_COSIGN: _words(
        "co-signed a concern raised about your safety",
        "tried to co-sign a concern raised about your safety",
    ),
    A.RISK_DELAY: _words(
        "decided to wait before showing you a concern about your safety",
        "tried to delay telling you about a concern about your safety",
    ),
    A.RISK_LIFT_DELAY: _words(
        "let you see a concern about your safety",
        "tried to let you see a concern about your safety",
    ),
    # Supervision and the peer workforce.
    A.SUPERVISOR_SET: _words(
        "set who supervises a peer worker", "tried to set who supervises a peer worker"
    ),
    A.PROFILE_UPDATE: _words(
        "updated their peer worker profile", "tried to update their peer worker profile"
    ),
    A.MATCHES_PAUSE: _words(
        "paused new requests for their support", "tried to pause new requests for their support"
    ),
    A.MATCHES_RESUME: _words(
        "opened their support to new requests again",
        "tried to open their support to new requests again",
    ),
    A.PREFERENCES_SAVE: _words(
        "saved your wishes for a peer worker", "tried to save your wishes for a peer worker"
    ),
    A.MATCHES_VIEW: _words(
        "looked at the peer workers who match your wishes",
        "tried to look at the peer workers who match your wishes",
    ),
    A.WORKER_REQUEST: _words("asked for a peer worker", "tried to ask for a peer worker"),
    A.WORKER_REQUEST_CANCEL: _words(
        "cancelled your request for a peer worker",
        "tried to cancel your request for a peer worker",
    ),
    A.WORKER_REQUEST_CONFIRM: _words(
        "confirmed the peer worker you asked for",
        "tried to confirm the peer worker you asked for",
    ),
    A.WORKER_REQUEST_CONFIRM_WITHOUT_HANDOVER: _words(
        "confirmed the peer worker you asked for without waiting for the handover summary,"
        " and said why",
        "tried to confirm the peer worker you asked for without the handover summary",
    ),
    A.WORKER_REQUEST_DECLINE: _words(
        "could not confirm the peer worker you asked for, and said why",
        "tried to turn down your request for a peer worker",
    ),
    A.HANDOVER_WRITE: _words(
        "wrote a handover summary for your new peer worker",
        "tried to write a handover summary about you",
    ),
    A.HANDOVER_READ: _words(
        "read the handover summary written when you changed peer worker",
        "tried to read the handover summary written when you changed peer worker",
    ),
    A.HANDOVER_CONSENT: _words(
        "changed whether your new peer worker may read the handover summary",
        "tried to change whether your new peer worker may read the handover summary",
    ),
    A.AGREEMENT_PROPOSE: _words(
        "proposed a support agreement with you",
        "tried to propose a support agreement with you",
    ),
    A.AGREEMENT_CONFIRM: _words(
        "confirmed your support agreement", "tried to confirm your support agreement"
    ),
    A.AGREEMENT_READ: _words("read your support agreement", "tried to read your support agreement"),
    A.CONTACT_LOG: _words("recorded a contact with you", "tried to record a contact with you"),
    A.CONTACT_FLAGS_READ: _words(
        "looked at a peer worker's contact reminders",
        "tried to look at a peer worker's contact reminders",
    ),
    A.SUPERVISION_SESSION_LOG: _words(
        "recorded a supervision session", "tried to record a supervision session"
    ),
    A.SUPERVISION_SESSION_READ: _words(
        "read the record of a supervision session",
        "tried to read the record of a supervision session",
    ),
    A.TRAINING_IMPORT: _words("imported training records", "tried to import training records"),
    A.GROUP_CREATE: _words("set up a peer support group", "tried to set up a peer support group"),
    A.GROUP_SESSION_RECORD: _words(
        "recorded that you attended a group session",
        "tried to record who attended a group session",
    ),
    A.GROUP_SESSION_READ: _words(
        "looked at who attended a group session you went to",
        "tried to look at who attended a group session you went to",
    ),
    # Keys and the log itself.
    A.KEYS_ROTATE: _words(
        "changed the keys that protect your information",
        "tried to change the keys that protect your information",
    ),
    # Backup and restore (issue 14).
    A.BACKUP_CREATE: _words(
        "made an encrypted backup copy of everything the service keeps, yours included",
        "tried to make a backup copy of everything the service keeps",
    ),
    A.AUDIT_LIST: _words(
        "reviewed the access-log entries about you",
        "tried to review the access-log entries about you",
    ),
    A.AUDIT_VIEW: _words(
        "looked at one access-log entry about you",
        "tried to look at an access-log entry about you",
    ),
    A.AUDIT_EXPORT: _words(
        "downloaded the access-log entries about you",
        "tried to download the access-log entries about you",
    ),
    A.AUDIT_VERIFY: _words(
        "checked that the access log has not been tampered with",
        "tried to check the access log",
    ),
    A.AUDIT_INSIGHT: _words(
        "looked at a summary of who reads your information, in the access log's insight page",
        "tried to look at a summary of who reads your information",
    ),
    # Two-step sign-in (MFA).
    A.MFA_ENROL: _words(
        "set up an authenticator app for your account",
        "tried to set up an authenticator app for your account",
    ),
    A.MFA_DISABLE: _words(
        "switched off the authenticator app for your account",
        "tried to switch off the authenticator app for your account",
    ),
    A.MFA_CODE_ACCEPTED: _words(
        "confirmed a sign-in to your account with a code",
        "tried to confirm a sign-in to your account with a code",
    ),
    A.MFA_CODE_REFUSED: _words(
        "entered a code for your account",
        "tried to sign in to your account with a wrong code",
    ),
    A.MFA_CODE_REPLAYED: _words(
        "entered a code for your account",
        "tried to use a code for your account that had already been used",
    ),
    A.MFA_RECOVERY_USED: _words(
        "used one of your recovery codes", "tried to use one of your recovery codes"
    ),
    A.MFA_RECOVERY_REGENERATE: _words(
        "made new recovery codes for your account",
        "tried to make new recovery codes for your account",
    ),
    A.MFA_RESET: _words(
        "reset the authenticator app for your account",
        "tried to reset the authenticator app for your account",
    ),
    # The APIs (issue 16).
    A.API_TOKEN_CREATE: _words(
        "made an access token for an app to use your account",
        "tried to make an access token for your account",
    ),
    A.API_TOKEN_REVOKE: _words(
        "revoked an app's access token for your account",
        "tried to revoke an app's access token for your account",
    ),
    A.API_CALL: _words(
        "used PeerNotes through an app, with an access token",
        "tried to use PeerNotes through an app, with an access token",
    ),
    A.API_TOKEN_REFUSED: _words(
        "used an access token for your account",
        "tried to use an access token for your account that no longer works",
    ),
    A.INFORMATION_DOWNLOAD: _words(
        "downloaded a copy of your information",
        "tried to download a copy of your information",
    ),
    # Service settings (issue 17): about the service, never about a person.
    A.SETTING_CHANGE: _words(
        "changed one of the service's settings", "tried to change one of the service's settings"
    ),
    A.AUDIT_VIEW_OWN: _words(
        "looked at who has looked at your information",
        "tried to look at who has looked at your information",
    ),
    # Sessions (issue 14).
    A.SESSION_END: _words(
        "signed you out of PeerNotes on one device",
        "tried to sign you out of PeerNotes on one device",
    ),
    A.SESSION_END_OTHERS: _words(
        "signed you out of PeerNotes on every other device",
        "tried to sign you out of PeerNotes on every other device",
    ),
    A.SESSION_END_ALL: _words(
        "signed you out of PeerNotes on every device",
        "tried to sign you out of PeerNotes on every device",
    ),
    # Retention and erasure.
    A.ERASURE_REQUEST: _words(
        "asked for your information to be erased, and erased your private peer notes",
        "tried to ask for your information to be erased",
    ),
    A.ERASURE_COMPLETE: _words(
        "erased the rest of your information at the end of the time it had to be kept",
        "tried to erase the rest of your information",
    ),
    A.ERASURE_LIST: _words(
        "looked at the list of erasure requests waiting for their date",
        "tried to look at the list of erasure requests",
    ),
    # "My wishes" at a transition.
    A.WISHES_WRITE: _words(
        "saved your wishes for an admission or a discharge",
        "tried to change your wishes for an admission or a discharge",
    ),
    A.WISHES_SEND: _words(
        "sent your wishes to your care team", "tried to send your wishes to your care team"
    ),
    A.WISHES_READ: _words(
        "read your wishes for an admission or a discharge",
        "tried to read your wishes for an admission or a discharge",
    ),
    A.WISHES_LIST: _words(
        "looked at the list of your wishes", "tried to look at the list of your wishes"
    ),
    A.WISHES_REPLY: _words("replied to your wishes", "tried to reply to your wishes"),
    # The service's language list and on-call times (issue 17).
    A.LANGUAGE_TERM_ADD: _words(
        "added a term to the service's recovery-oriented language list",
        "tried to add a term to the service's language list",
    ),
    A.LANGUAGE_TERM_RETIRE: _words(
        "retired a term from the service's recovery-oriented language list",
        "tried to retire a term from the service's language list",
    ),
    A.ON_CALL_SLOT_ADD: _words(
        "added a time you are on call for carers", "tried to add an on-call time"
    ),
    A.ON_CALL_SLOT_END: _words(
        "ended a time you were on call for carers", "tried to end an on-call time"
    ),
    # Care for the peer workforce: said to the worker who raised the concern (its subject).
    # The log never holds what it says, nor its kind.
    A.WORKPLACE_CONCERN_RAISE: _words(
        "raised a workplace concern", "tried to raise a workplace concern"
    ),
    A.WORKPLACE_CONCERN_READ: _words(
        "read your workplace concern", "tried to read your workplace concern"
    ),
    A.WORKPLACE_CONCERN_REPLY: _words(
        "answered on your workplace concern", "tried to answer on your workplace concern"
    ),
    A.COLLAPSED_TOPICS_SET: _words(
        "changed the topics you see collapsed", "tried to change the topics you see collapsed"
    ),
    # About me, skills and resources.
    A.ABOUT_ME_WRITE: _words("saved your “about me”", "tried to save your “about me”"),
    A.ABOUT_ME_READ: _words("read your “about me”", "tried to read your “about me”"),
    A.SKILLS_ADD: _words(
        "added to your skills and resources", "tried to add to your skills and resources"
    ),
    A.SKILLS_EDIT: _words(
        "changed one of your skills and resources",
        "tried to change one of your skills and resources",
    ),
    A.SKILLS_RETIRE: _words(
        "put aside one of your skills and resources",
        "tried to put aside one of your skills and resources",
    ),
    A.SKILLS_READ: _words(
        "read your skills and resources", "tried to read your skills and resources"
    ),
}

#: When the log holds an action this version does not know (a newer one wrote it).
UNKNOWN_ACTION = ActionWords(
    "used your information in a way this page cannot name yet",
    "tried to use your information in a way this page cannot name yet",
)

#: Why it was allowed, completing "<who> <did>, …". Keyed by a basis or its kind before the
#: colon (`role:admin` → `role`); None where the line needs no reason (the person's own acts).
#: `consent:` and `emergency:` are explained from the person's own shares and emergency
#: accesses (`peernotes.accesslog.plain`); the words here are their fallback.
ALLOWED_BECAUSE: dict[str, str | None] = {
    "self": None,
    "subject": None,
    "own_words": None,
    "correction": None,
    "password": None,
    "reset_emailed": None,
    "reset_link": None,
    "totp": None,
    "recovery_code": None,
    "care_assignment": "because they are in your care team",
    "consent": "because you shared it with them",
    "emergency": "using emergency access, which an auditor reviews",
    "author": "as its author",
    "duty_of_care": "because of a duty-of-care concern",
    "facilitator": "because they facilitated it",
    "handover_consent": "because you agreed your new peer worker may read it",
    "supervisor": "because they supervise your peer worker",
    "party": "because you agreed it together",
    "witnessed": "with you present",
    "filtered": "seeing only the parts they are allowed to see",
    "justified": "because an auditor checks every emergency access",
    "not_justified": "because an auditor checks every emergency access",
    "cli": "using the service's own tools",
    "role": "as part of their role",
    "care_team": "because they are in your care team, to whom you sent it",
    "wishes_helper": "because you chose to write it with them",
    "chosen_reader": "because you chose them to read it",
}
#: A basis this version does not know.
ALLOWED_UNKNOWN = "on a basis this page cannot name yet"
#: `role:<role>`: the coordinator and auditor act by their role, and say so.
ALLOWED_BY_ROLE: dict[str, str] = {
    "admin": "as the service's coordinator",
    "auditor": "as an auditor, who checks how information is used",
}
#: What an emergency review found, completing "…and {finding}".
FINDINGS: dict[str, str] = {
    "justified": "found it justified",
    "not_justified": "found it not justified",
}

#: Why it was refused, completing "…, and was refused: …".
REFUSED_BECAUSE: dict[str, str] = {
    "no_consent": "you have not shared this with them",
    "just_us": "you kept that note between you and your peer worker",
    "nothing_shared": "you have not shared anything with them",
    "training_lapsed": "their peer-work training is not up to date",
    "safety_flag": "a safety flag on your record stops carers and carer peer workers reading it",
    "not_nominated": "you have not named them as your carer",
    "role_excluded": "coordinators and auditors never read what is written about you",
    "no_permission": "their role does not allow it",
    "not_found": "it is not theirs to see or change",
    "not_in_care": "they are not in your care team",
    "no_care_assignment": "they are not assigned to support you",
    "no_assignment": "they are not assigned to support you",
    "not_party": "they are not part of this agreement",
    "not_author_or_subject": "only the note's author and you may do that",
    "not_author": "only the note's author may do that",
    "not_subject": "only you may add your own words",
    "draft": "the note was still a draft",
    "delayed": "your care team decided to wait before telling you about it",
    "no_duty_of_care": "they have no duty of care to you",
    "not_supervision_party": "they are not part of that supervision",
    "not_chosen_reader": "you did not choose them to read it",
    "not_supervisor": "they do not supervise that peer worker",
    "not_facilitator": "they do not run that group",
    "not_cosigner": "they were not asked to co-sign it",
    "already_cosigned": "it was already co-signed",
    "not_clinician": "only clinicians may do that",
    "not_by_consent": "a peer worker writes in your record only what you agreed they may",
    "no_basis_to_write": "nothing in your care lets them write in your record",
    "invalid_transition": "the note was not at a step where that can be done",
    "not_the_subject": "only you may change your consent settings",
    "not_theirs_to_share": "that kind of information cannot be shared that way",
    "no_reason": "they did not give a reason of at least 20 characters",
    "wrong_password": "they did not confirm their password",
    "unknown_subject": "the person they chose could not be found",
    "unknown_account": "no account has that email address",
    "account_inactive": "the account is switched off",
    "throttled": "there were too many attempts in a short time",
    "reset_unknown": "the link does not work",
    "reset_expired": "the link had expired",
    "reset_used": "the link had already been used",
    "reset_superseded": "a newer link had replaced it",
    # Two-step sign-in (MFA).
    "wrong_code": "the code was not right",
    "replayed_code": "the code had already been used",
    # "My wishes" at a transition.
    "not_sent": "you had not sent it to your care team yet",
    "not_writer": "only you and the peer worker you chose write it",
    "not_sender": "only you send your wishes to your care team",
}
#: The reason a safety flag gave, for a person who is not to be told of the flag.
SAFETY_FLAG = "safety_flag"
REFUSED_WITHHELD = "they may not read your information at the moment"
#: A refusal whose reason this version does not know.
REFUSED_UNKNOWN = "they are not allowed to do that"
