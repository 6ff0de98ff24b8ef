"""The vocabulary of the access log: actions, outcomes, bases and deny reasons.

Actions are `area:verb` constants, never free strings. A basis says why something was allowed
(`care_assignment`, `consent:<provision>`, `emergency:<id>`, `role:admin`, …); a reason says
why it was denied (`no_permission`, `wrong_password`, …). Both follow one small grammar so
that they can be filtered and explained in plain words.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Action(StrEnum):
    # Signing in and out.
    AUTH_LOGIN = "auth:login"
    AUTH_LOGIN_FAILED = "auth:login_failed"
    AUTH_LOGIN_THROTTLED = "auth:login_throttled"
    AUTH_LOGOUT = "auth:logout"
    AUTH_PASSWORD_CHANGE = "auth:password_change"
    # One-time reset links: a coordinator issues one, a visitor asks for one by email, someone
    # uses one (or tries a link that no longer works).
    AUTH_RESET_ISSUE = "auth:reset_issue"
    AUTH_RESET_REQUEST = "auth:reset_request"
    AUTH_RESET_USE = "auth:reset_use"
    # A route refused for lack of permission.
    ACCESS_DENIED = "access:denied"
    # Coordinator changes.
    ACCOUNT_CREATE = "admin:account_create"
    ACCOUNT_DEACTIVATE = "admin:account_deactivate"
    ACCOUNT_REACTIVATE = "admin:account_reactivate"
    TEAM_CREATE = "admin:team_create"
    TEAM_DEACTIVATE = "admin:team_deactivate"
    TEAM_MEMBER_ADD = "admin:team_member_add"
    TEAM_MEMBER_END = "admin:team_member_end"
    ASSIGNMENT_CREATE = "admin:assignment_create"
    ASSIGNMENT_END = "admin:assignment_end"
    # A consumer's own choices.
    CARER_NOMINATE = "carer:nominate"
    CARER_NOMINATION_END = "carer:nomination_end"
    # The medical record.
    RECORD_READ = "record:read"
    RECORD_LIST = "record:list"
    RECORD_WRITE = "record:write"
    RECORD_AMEND = "record:amend"
    # The subject's own words or correction request on an entry, and a clinician's answer.
    RECORD_STATEMENT = "record:statement"
    RECORD_CORRECTION_REPLY = "record:correction_reply"
    # Consent.
    CONSENT_GRANT = "consent:grant"
    CONSENT_REVOKE = "consent:revoke"
    CONSENT_PREVIEW = "consent:preview"
    # Break the glass, and its review.
    EMERGENCY_START = "emergency:start"
    EMERGENCY_REVIEW = "emergency:review"
    # Safety flags on a consumer.
    FLAG_SET = "flag:set"
    FLAG_LIFT = "flag:lift"
    # Training records kept by coordinators.
    TRAINING_RECORD = "training:record"
    # Co-authored notes (one action per lifecycle step, so the log reads as the note's story).
    NOTE_CREATE = "note:create"
    NOTE_SAVE = "note:save"
    NOTE_PROPOSE = "note:propose"
    NOTE_APPROVE = "note:approve"
    NOTE_APPROVE_IN_PERSON = "note:approve_in_person"
    NOTE_REQUEST_CHANGES = "note:request_changes"
    NOTE_DECLINE = "note:decline"
    NOTE_WITHDRAW = "note:withdraw"
    NOTE_CONFIRM_IN_PERSON = "note:confirm_in_person"
    NOTE_DISPUTE_IN_PERSON = "note:dispute_in_person"
    NOTE_STATEMENT = "note:statement"
    NOTE_READ = "note:read"
    NOTE_LIST = "note:list"
    # The first words of a note, shown in a list of notes: a read of part of it, one per note.
    NOTE_EXCERPT = "note:excerpt"
    NOTE_FILE = "note:file"
    TIMELINE_VIEW = "timeline:view"
    NOTE_CORRECTION_REPLY = "note:correction_reply"
    # Risk concerns (duty of care).
    RISK_RAISE = "risk:raise"
    RISK_READ = "risk:read"
    RISK_LIST = "risk:list"
    RISK_COSIGN = "risk:cosign"
    RISK_DELAY = "risk:delay"
    RISK_LIFT_DELAY = "risk:lift_delay"
    # Supervision.
    SUPERVISOR_SET = "admin:supervisor_set"
    # The peer workforce.
    PROFILE_UPDATE = "workforce:profile_update"
    MATCHES_PAUSE = "workforce:pause"
    MATCHES_RESUME = "workforce:resume"
    PREFERENCES_SAVE = "workforce:preferences"
    MATCHES_VIEW = "workforce:matches"
    WORKER_REQUEST = "workforce:request"
    WORKER_REQUEST_CANCEL = "workforce:request_cancel"
    WORKER_REQUEST_CONFIRM = "admin:worker_request_confirm"
    WORKER_REQUEST_CONFIRM_WITHOUT_HANDOVER = "admin:worker_request_confirm_without_handover"
    WORKER_REQUEST_DECLINE = "admin:worker_request_decline"
    HANDOVER_WRITE = "handover:write"
    HANDOVER_READ = "handover:read"
    HANDOVER_CONSENT = "handover:consent"
    AGREEMENT_PROPOSE = "agreement:propose"
    AGREEMENT_CONFIRM = "agreement:confirm"
    AGREEMENT_READ = "agreement:read"
    CONTACT_LOG = "contact:log"
    CONTACT_FLAGS_READ = "contact:flags_read"
    SUPERVISION_SESSION_LOG = "supervision:session_log"
    SUPERVISION_SESSION_READ = "supervision:session_read"
    TRAINING_IMPORT = "training:import"
    GROUP_CREATE = "admin:group_create"
    GROUP_SESSION_RECORD = "group:session_record"
    GROUP_SESSION_READ = "group:session_read"
    # Key management.
    KEYS_ROTATE = "keys:rotate"
    # Reading the access log itself.
    AUDIT_LIST = "audit:list"
    AUDIT_VIEW = "audit:view"
    AUDIT_EXPORT = "audit:export"
    AUDIT_VERIFY = "audit:verify"
    AUDIT_VIEW_OWN = "audit:view_own"
    #: The auditors' dashboard of patterns in the log (`peernotes.insight`).
    AUDIT_INSIGHT = "audit:insight"
    # Backup and restore (issue 14): an operator copied the whole database, everyone's records.
    BACKUP_CREATE = "backup:create"
    # Sessions (issue 14, `peernotes.sessions`): a person ends one of their own sessions, or
    # every one but the browser they are using; a coordinator ends all of a person's.
    SESSION_END = "session:end"
    SESSION_END_OTHERS = "session:end_others"
    SESSION_END_ALL = "admin:sessions_end_all"
    # Retention and erasure (`peernotes.erasure`): a person's erasure request (their
    # peer-space notes shredded at once), its completion at the end of retention, and staff
    # looking at the pending requests.
    ERASURE_REQUEST = "erasure:request"
    ERASURE_COMPLETE = "erasure:complete"
    ERASURE_LIST = "erasure:list"
    # Two-step sign-in (MFA, `peernotes.mfa`): enrolling and disabling an authenticator, each
    # code tried (accepted, wrong, or a replay of one already used), recovery codes, and a
    # coordinator's reset for a lost phone.
    MFA_ENROL = "mfa:enrol"
    MFA_DISABLE = "mfa:disable"
    MFA_CODE_ACCEPTED = "mfa:code_accepted"
    MFA_CODE_REFUSED = "mfa:code_refused"
    MFA_CODE_REPLAYED = "mfa:code_replayed"
    MFA_RECOVERY_USED = "mfa:recovery_used"
    MFA_RECOVERY_REGENERATE = "mfa:recovery_regenerate"
    MFA_RESET = "admin:mfa_reset"
    # The JSON and FHIR APIs (`peernotes.api`, `peernotes.fhir`): personal access tokens made
    # and revoked in the web pages; every call made with one (its target is the token, so each
    # entry the call writes is tied to the token by the request id); a token refused.
    API_TOKEN_CREATE = "api_token:create"
    API_TOKEN_REVOKE = "api_token:revoke"
    API_CALL = "api:call"
    API_TOKEN_REFUSED = "api:token_refused"
    # "Download my information" (APP 12): a person took a copy of everything they may see.
    INFORMATION_DOWNLOAD = "export:own_information"
    # "My wishes" at a transition (`peernotes.wishes`): the person (or the peer worker they
    # chose) saves a version, the person sends it to their care team, who read it, list it, and
    # a clinician replies in writing.
    WISHES_WRITE = "wishes:write"
    WISHES_SEND = "wishes:send"
    WISHES_READ = "wishes:read"
    WISHES_LIST = "wishes:list"
    WISHES_REPLY = "wishes:reply"
    # The service's own language terms (`peernotes.language`) and its carer peer workers'
    # on-call times (`peernotes.workforce.oncall`), set by coordinators.
    LANGUAGE_TERM_ADD = "admin:language_term_add"
    LANGUAGE_TERM_RETIRE = "admin:language_term_retire"
    ON_CALL_SLOT_ADD = "admin:on_call_add"
    ON_CALL_SLOT_END = "admin:on_call_end"
    # Service settings (issue 17): a coordinator changed one (its target is the setting's key).
    SETTING_CHANGE = "admin:setting_change"
    # Care for the peer workforce (`peernotes.workforce.wellbeing`): a workplace concern raised
    # with the one reader the worker chose, read, and answered (or acknowledged, or closed);
    # a worker's topics to see collapsed behind their content note.
    WORKPLACE_CONCERN_RAISE = "wellbeing:concern_raise"
    WORKPLACE_CONCERN_READ = "wellbeing:concern_read"
    WORKPLACE_CONCERN_REPLY = "wellbeing:concern_reply"
    COLLAPSED_TOPICS_SET = "wellbeing:topics_set"
    # "About me" (`peernotes.aboutme`): the person saves a new version; someone reads it (the
    # person, or whoever they shared it with).
    ABOUT_ME_WRITE = "about_me:write"
    ABOUT_ME_READ = "about_me:read"
    # Skills and resources kept together (`peernotes.skills`): added, changed (a new version),
    # retired (never deleted), and read.
    SKILLS_ADD = "skills:add"
    SKILLS_EDIT = "skills:edit"
    SKILLS_RETIRE = "skills:retire"
    SKILLS_READ = "skills:read"

    @property
    def area(self) -> str:
        return self.value.split(":", 1)[0]


class Outcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"


# `word` or `word:qualifier`: lower-case words, qualifiers of ids and simple tokens.
BASIS_PATTERN = re.compile(r"^[a-z_]{1,40}(:[A-Za-z0-9_.-]{1,64})?$")
# Request ids come from us (hex) or, behind a trusted proxy, from it: tokens only.
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
TARGET_TYPE_PATTERN = re.compile(r"^[a-z_]{1,40}$")
TARGET_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class Basis:
    """Common bases and reasons, so that call sites do not spell them by hand."""

    PASSWORD = "password"
    SELF = "self"
    CARE_ASSIGNMENT = "care_assignment"
    NO_PERMISSION = "no_permission"
    NOT_FOUND = "not_found"
    UNKNOWN_ACCOUNT = "unknown_account"
    WRONG_PASSWORD = "wrong_password"
    ACCOUNT_INACTIVE = "account_inactive"
    THROTTLED = "throttled"
    #: A reset link was emailed; one was used; one no longer works, and why (for auditors only:
    #: the person holding the link reads one message for all of them).
    RESET_EMAILED = "reset_emailed"
    RESET_LINK = "reset_link"
    RESET_UNKNOWN = "reset_unknown"
    RESET_EXPIRED = "reset_expired"
    RESET_USED = "reset_used"
    RESET_SUPERSEDED = "reset_superseded"
    CLI = "cli"
    #: Two-step sign-in: how a second step passed, or why it was refused.
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    WRONG_CODE = "wrong_code"
    REPLAYED_CODE = "replayed_code"

    @staticmethod
    def role(role: str) -> str:
        return f"role:{role}"
