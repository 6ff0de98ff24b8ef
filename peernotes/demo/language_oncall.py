"""The demo's recovery-oriented language for clinicians and its carer peer worker on call:
a term the coordinator added for the service, an entry of Dr Chen's that the check has a
suggestion for (shown to him on the entry's page), and Helen on call for carers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.language import service as language
from peernotes.records.service import write_entry
from peernotes.workforce.oncall import service as oncall

#: The coordinator's own term, on top of the packaged list.
SERVICE_TERM = (
    "revolving door",
    "Say what keeps bringing the person back and what they still need; coming back often"
    " usually means a need is not met yet.",
    "It makes a person's repeated need for care sound like a fault of theirs.",
)

#: Dr Chen's entry, written before he saw the suggestions: one packaged term ("attention
#: seeking") and the service's own ("revolving door").
ENTRY = (
    "jordan",
    "clinical_note",
    "After two ED visits",
    "Jordan came to ED twice this week; the triage note calls it attention seeking and a"
    " revolving door. Today she said both times she could not reach anyone after 5pm. We"
    " agreed she will call the crisis line first and Sam will check in on Mondays.",
)

#: Helen is on call round the clock in the demo, so whenever it is opened a carer sees her
#: (a real service would set evenings and weekends).
HELEN_REACH = "Call or text the carer line, 0400 111 222"


def seed(db: Session, users: dict[str, User], request_id: str) -> None:
    coordinator = By(users["admin"].id, Role.ADMIN, request_id)
    term, suggestion, why = SERVICE_TERM
    language.add_term(db, coordinator, term, suggestion, why)
    subject, category, title, body = ENTRY
    write_entry(
        db,
        By(users["dr.chen"].id, Role.CLINICIAN, request_id),
        users[subject],
        category,
        title,
        body,
    )
    for day in range(7):
        oncall.add_slot(db, coordinator, users["helen"].id, str(day), "00:00", "24:00", HELEN_REACH)
