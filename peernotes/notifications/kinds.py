"""What a notification can be about: each kind's words, who can receive it, and where it links.

Pure: no Flask and no database. The words are for the person's own list and settings page;
an email never carries them (it says only that something is waiting: see `mail.py`).
"""

from __future__ import annotations

from enum import StrEnum

from peernotes.auth.roles import Role


class Kind(StrEnum):
    NOTE_TO_REVIEW = "note_to_review"
    RISK_ABOUT_YOU = "risk_about_you"
    EMERGENCY_ACCESS = "emergency_access"
    RISK_IN_CARE = "risk_in_care"
    COSIGN_ASKED = "cosign_asked"
    HANDOVER_ASKED = "handover_asked"
    REQUEST_ANSWERED = "request_answered"
    AGREEMENT_TO_CONFIRM = "agreement_to_confirm"
    WISHES_SENT = "wishes_sent"
    WISHES_ANSWERED = "wishes_answered"
    WORKPLACE_CONCERN = "workplace_concern"
    WORKPLACE_ANSWERED = "workplace_answered"


#: One line in the person's list: what is waiting, in plain words.
LABELS: dict[Kind, str] = {
    Kind.NOTE_TO_REVIEW: "A note is waiting for your review",
    Kind.RISK_ABOUT_YOU: "A concern about your safety was shared with your care team",
    Kind.EMERGENCY_ACCESS: "Someone used emergency access to open your record",
    Kind.RISK_IN_CARE: "A concern was raised about someone in your care",
    Kind.COSIGN_ASKED: "You are asked to co-sign a concern",
    Kind.HANDOVER_ASKED: "A handover summary is asked of you",
    Kind.REQUEST_ANSWERED: "Your request for a peer worker has an answer",
    Kind.AGREEMENT_TO_CONFIRM: "A support agreement is waiting for you to confirm",
    Kind.WISHES_SENT: "Someone in your care sent their wishes to their care team",
    Kind.WISHES_ANSWERED: "A clinician replied to wishes for an admission or a discharge",
    Kind.WORKPLACE_CONCERN: "A workplace concern raised with you has something new",
    Kind.WORKPLACE_ANSWERED: "Your workplace concern has an answer",
}

#: The settings page's words for each kind: "Email me when …".
SETTING_LABELS: dict[Kind, str] = {
    Kind.NOTE_TO_REVIEW: "a note is waiting for my review",
    Kind.RISK_ABOUT_YOU: "a concern about my safety is shared with my care team",
    Kind.EMERGENCY_ACCESS: "someone uses emergency access to open my record",
    Kind.RISK_IN_CARE: "a concern is raised about someone in my care",
    Kind.COSIGN_ASKED: "I am asked to co-sign a concern",
    Kind.HANDOVER_ASKED: "a handover summary is asked of me",
    Kind.REQUEST_ANSWERED: "my request for a peer worker has an answer",
    Kind.AGREEMENT_TO_CONFIRM: "a support agreement is waiting for me to confirm",
    Kind.WISHES_SENT: "someone in my care sends their wishes to their care team",
    Kind.WISHES_ANSWERED: "a clinician replies to wishes I wrote or helped write",
    Kind.WORKPLACE_CONCERN: "a workplace concern raised with me has something new",
    Kind.WORKPLACE_ANSWERED: "my workplace concern has an answer",
}

#: Who can receive each kind (the settings page offers a person only these).
RECEIVERS: dict[Kind, frozenset[Role]] = {
    Kind.NOTE_TO_REVIEW: frozenset({Role.CONSUMER, Role.CARER}),
    Kind.RISK_ABOUT_YOU: frozenset({Role.CONSUMER, Role.CARER}),
    Kind.EMERGENCY_ACCESS: frozenset({Role.CONSUMER}),
    Kind.RISK_IN_CARE: frozenset({Role.CLINICIAN}),
    Kind.COSIGN_ASKED: frozenset({Role.CLINICIAN}),
    Kind.HANDOVER_ASKED: frozenset({Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER}),
    Kind.REQUEST_ANSWERED: frozenset({Role.CONSUMER, Role.CARER}),
    Kind.AGREEMENT_TO_CONFIRM: frozenset(
        {Role.CONSUMER, Role.CARER, Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER}
    ),
    Kind.WISHES_SENT: frozenset({Role.CLINICIAN}),
    # The person, and the peer worker they chose to write with.
    Kind.WISHES_ANSWERED: frozenset({Role.CONSUMER, Role.CONSUMER_PEER_WORKER}),
    # A worker's supervising clinician, or the coordinator they chose instead.
    Kind.WORKPLACE_CONCERN: frozenset({Role.CLINICIAN, Role.ADMIN}),
    Kind.WORKPLACE_ANSWERED: frozenset({Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER}),
}

#: Email about these cannot be switched off: a person is always told when someone opened
#: their record with emergency access.
ALWAYS_EMAILED = frozenset({Kind.EMERGENCY_ACCESS})

#: Where each kind leads, from the id of what it is about. The pages themselves decide, as
#: always, what the person may see there; a test holds every path to a real route.
LINKS: dict[Kind, str] = {
    Kind.NOTE_TO_REVIEW: "/notes/{id}",
    Kind.RISK_ABOUT_YOU: "/risk/{id}",
    Kind.EMERGENCY_ACCESS: "/my/access-log",
    Kind.RISK_IN_CARE: "/risk/{id}",
    Kind.COSIGN_ASKED: "/risk/{id}",
    Kind.HANDOVER_ASKED: "/handover/{id}/write",
    Kind.REQUEST_ANSWERED: "/my/peer-worker",
    Kind.AGREEMENT_TO_CONFIRM: "/agreements/{id}",
    Kind.WISHES_SENT: "/wishes/{id}",
    Kind.WISHES_ANSWERED: "/wishes/{id}",
    Kind.WORKPLACE_CONCERN: "/wellbeing/concerns/{id}",
    Kind.WORKPLACE_ANSWERED: "/my/wellbeing/concerns/{id}",
}


def link_for(kind: Kind, about_id: int) -> str:
    return LINKS[kind].format(id=about_id)


def kinds_for(role: Role) -> list[Kind]:
    """The kinds someone of this role can receive, in the enum's order."""
    return [kind for kind in Kind if role in RECEIVERS[kind]]
