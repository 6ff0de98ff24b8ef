"""Preview: "what would this person see of mine, right now?"

It asks the same SQL twin of `decide()` that the person's own pages ask, as that person, so
the answer cannot drift from what they would really be shown. Where the answer is "nothing"
for a reason other than consent (lapsed training, a safety flag), it says so plainly.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from peernotes.access.decision import CARER_SIDE, PEER_WORKERS
from peernotes.access.queries import current_provisions, facts_for, readable_entries
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.care.models import TeamMembership
from peernotes.db import utcnow
from peernotes.flags import service as flags
from peernotes.records.models import RecordEntry


@dataclass(frozen=True)
class Preview:
    person: User
    entries: list[RecordEntry]
    notes: list[str]


def people_to_preview(db: Session, subject_id: int) -> list[User]:
    """Everyone connected to the consumer: care team, carers, and anyone named in consent."""
    now = utcnow()
    people = {a.worker.id: a.worker for a in care.care_team(db, subject_id, now)}
    people.update({n.carer.id: n.carer for n in care.nominations_by(db, subject_id)})
    provisions = current_provisions(db, subject_id, now)
    named = {p.person_id for p in provisions if p.person_id}
    # Everyone a team grant reaches, too: the consumer may not know each of them by name.
    teams = {p.team_id for p in provisions if p.team_id}
    named |= set(
        db.scalars(
            select(TeamMembership.user_id).where(
                TeamMembership.team_id.in_(teams),
                TeamMembership.joined_at <= now,
                or_(TeamMembership.left_at.is_(None), TeamMembership.left_at > now),
            )
        )
    )
    for person in db.scalars(select(User).where(User.id.in_(named - people.keys()))):
        people[person.id] = person
    return sorted(people.values(), key=lambda p: p.display_name)


def preview(db: Session, subject: Acting, person_id: int) -> Preview:
    """Raises LookupError when `person_id` is not someone connected to the consumer.

    A flag the consumer was not to be told of is never mentioned: the person simply sees
    nothing, as they would.
    """
    assert subject.id is not None
    person = next((p for p in people_to_preview(db, subject.id) if p.id == person_id), None)
    if person is None:
        raise LookupError(person_id)
    now = utcnow()
    entries = list(
        db.scalars(
            select(RecordEntry)
            .where(
                RecordEntry.subject_id == subject.id,
                readable_entries(person.id, person.role, now),
            )
            .order_by(RecordEntry.id.desc())
        )
    )
    facts = facts_for(db, person.id, subject.id, now)
    notes = []
    if facts.safety_flag and person.role in CARER_SIDE and flags.told_flags(db, subject.id):
        notes.append(
            f"A safety flag is in place, so {person.display_name} sees nothing of yours for now,"
            " whatever you share."
        )
    elif person.role in PEER_WORKERS and not facts.training_current and not facts.safety_flag:
        notes.append(
            f"{person.display_name}'s training has lapsed, so they see nothing you share until it"
            " is renewed."
        )
    if person.role is Role.CLINICIAN and facts.assignment_active:
        notes.append(
            f"{person.display_name} is a clinician in your care team, so they read your whole"
            " medical record."
        )
    logged = Target("user", person.id)
    record_event(
        db, subject, Action.CONSENT_PREVIEW, subject.id, logged, Outcome.ALLOWED, Basis.SELF
    )
    return Preview(person, entries, notes)
