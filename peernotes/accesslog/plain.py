"""The access log in plain words, for the person it is about.

"Dr Mei Chen (clinician, your care team) read your care plan on 3 May at 10:14."

Each action has a phrase; each basis a reason. Anything unknown still reads sensibly, never
as a code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from peernotes.audit.models import AuditEntry
from peernotes.auth.roles import ROLE_LABELS, Role

# What someone did, completing "<who> …". `{other}` is a person named by the entry's target.
ACTION_PHRASES: dict[str, str] = {
    "admin:account_create": "created your account",
    "admin:account_deactivate": "deactivated your account",
    "admin:account_reactivate": "reactivated your account",
    "admin:assignment_create": "set up your support with {other}",
    "admin:assignment_end": "ended your support with {other}",
    "carer:nominate": "named {other} as your carer",
    "carer:nomination_end": "removed {other} as your carer",
    "audit:list": "reviewed the access-log entries about you",
    "audit:view": "looked at an access-log entry about you",
    "audit:export": "exported the access-log entries about you",
    "access:denied": "tried to open a page about you",
    "record:read": "read your {category}",
    "record:list": "looked at the list of your record entries",
    "record:write": "wrote a new {category} entry in your record",
    "record:amend": "amended your {category}",
    "record:statement": "added your own words, or asked for a correction, on a record entry",
    "record:correction_reply": "answered your request for a correction on a record entry",
    "consent:grant": "changed who can see your information",
    "consent:revoke": "stopped sharing some of your information",
    "consent:preview": "checked what {other} can see of your information",
    "emergency:start": "opened your record with emergency access",
    "emergency:review": "reviewed a use of emergency access to your record",
    "flag:set": "set a safety flag on your record",
    "timeline:view": "looked at your timeline of notes and record entries",
    "note:read": "read a note about you",
    "note:list": "looked at the notes you shared with the care team",
    "note:excerpt": "saw the first words of a note about you, in a list of notes",
    "note:create": "started a note with you",
    "note:propose": "shared a note with you for review",
    "note:approve": "approved a note",
    "note:request_changes": "asked for changes to a note",
    "note:decline": "declined a note",
    "note:file": "filed part of a note you approved into your record",
    "note:statement": "added your own words, or asked for a correction, on a note",
    "note:correction_reply": "answered your request for a correction on a note",
    "flag:lift": "lifted a safety flag on your record",
    "risk:raise": "raised a concern about your safety with your care team",
    "risk:read": "read a concern raised about your safety",
    "risk:list": "looked at the list of concerns raised about your safety",
    "risk:cosign": "co-signed a concern raised about your safety",
    "risk:delay": "decided to wait before showing you a concern about your safety",
    "risk:lift_delay": "let you see a concern about your safety",
    "agreement:propose": "proposed a support agreement with you",
    "agreement:confirm": "confirmed your support agreement",
    "agreement:read": "read your support agreement",
    "contact:log": "recorded a contact with you",
    "group:session_record": "recorded that you attended a group session",
    "group:session_read": "looked at who attended a group session you went to",
    "workforce:preferences": "saved your wishes for a peer worker",
    "workforce:request": "asked for a peer worker",
    "workforce:request_cancel": "cancelled a request for a peer worker",
    "admin:worker_request_confirm": "confirmed the peer worker you asked for",
    "admin:worker_request_decline": "couldn't confirm the peer worker you asked for, and said why",
    "handover:write": "wrote a handover summary for your new peer worker",
    "handover:read": "read the handover summary written when you changed peer worker",
    "handover:consent": "changed whether your new peer worker may read the handover summary",
}
# The same, for an attempt that was refused: "<who> tried to … but was not allowed".
DENIED_PHRASES: dict[str, str] = {
    "carer:nomination_end": "tried to remove one of your carers",
    "record:read": "tried to read your {category}",
    "record:list": "tried to look at your record",
    "record:write": "tried to write in your record",
    "record:statement": "tried to add words to a record entry about you",
    "record:correction_reply": "tried to answer a request for a correction on your record",
    "emergency:start": "tried to open your record with emergency access",
    "flag:set": "tried to set a safety flag on your record",
    "flag:lift": "tried to lift a safety flag on your record",
    "consent:grant": "tried to change your consent",
    "risk:raise": "tried to raise a concern about your safety",
    "risk:read": "tried to read a concern raised about your safety",
    "agreement:propose": "tried to propose a support agreement with you",
    "agreement:confirm": "tried to confirm your support agreement",
    "agreement:read": "tried to read your support agreement",
    "contact:log": "tried to record a contact with you",
    "handover:read": "tried to read the handover summary written when you changed peer worker",
    "handover:write": "tried to write a handover summary about you",
}
# Why it was allowed. Keys are a basis, or its kind before the colon (`consent:12` → `consent`).
BASIS_PHRASES: dict[str, str] = {
    "self": "",
    "cli": "from the service's command line",
    "care_assignment": "because they are in your care team",
    "consent": "because you gave them permission",
    "emergency": "using emergency access, which an auditor reviews",
    "justified": "and found it justified",
    "not_justified": "and found it not justified",
    "witnessed": "with you present",
    "duty_of_care": "because of a duty-of-care concern",
    "author": "because they raised it",
    "facilitator": "because they facilitated it",
    "handover_consent": "because you agreed to the handover",
    "supervisor": "because they supervise your peer worker",
    "party": "because you agreed it together",
    "role": "",  # the role already shows beside the name
}


@dataclass(frozen=True)
class PlainEntry:
    seq: int
    sentence: str
    denied: bool


def _who(entry: AuditEntry, viewer_id: int, names: Mapping[int, str], team: set[int]) -> str:
    if entry.actor_id is None:
        return "The PeerNotes service"
    if entry.actor_id == viewer_id:
        return "You"
    name = names.get(entry.actor_id, "Someone")
    details = []
    if entry.actor_role:
        details.append(ROLE_LABELS.get(Role(entry.actor_role), entry.actor_role))
    if entry.actor_id in team:
        details.append("your care team")
    return f"{name} ({', '.join(details)})" if details else name


def _basis(entry: AuditEntry) -> str:
    phrase = BASIS_PHRASES.get(entry.basis)
    if phrase is None:
        phrase = BASIS_PHRASES.get(entry.basis.split(":", 1)[0], "")
    return phrase


def describe(
    entry: AuditEntry,
    *,
    viewer_id: int,
    names: Mapping[int, str],
    details: Mapping[int, Mapping[str, str]],
    care_team: set[int],
    tz: ZoneInfo,
) -> PlainEntry:
    """One entry as a sentence. `details` maps an entry's seq to what its target names: the
    other person (`other`) or the kind of record entry (`category`)."""
    who = _who(entry, viewer_id, names, care_team)
    fill = {"other": "someone", "category": "information", **details.get(entry.seq, {})}
    when = entry.occurred_at.astimezone(tz)
    stamp = f"on {when.day} {when:%B %Y} at {when:%H:%M}"
    if entry.denied:
        attempt = DENIED_PHRASES.get(entry.action) or ACTION_PHRASES.get(
            entry.action, "tried to reach your information"
        )
        if not attempt.startswith("tried to"):
            attempt = "tried to do something with your information"
        sentence = f"{who} {attempt.format(**fill)} {stamp}, but was not allowed."
    else:
        did = ACTION_PHRASES.get(entry.action, "used your information").format(**fill)
        reason = _basis(entry)
        sentence = f"{who} {did} {stamp}" + (f", {reason}." if reason else ".")
    return PlainEntry(entry.seq, sentence, entry.denied)
