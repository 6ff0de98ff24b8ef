"""Whom a person may share with: the choices their consent form offers, and the API accepts.

One list for both doors, so an app cannot name someone the web form would not offer.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from peernotes.access.decision import Act
from peernotes.auth.models import User
from peernotes.auth.roles import ROLE_LABELS, Role
from peernotes.care import service as care
from peernotes.consent.service import CARER_GRANTEES
from peernotes.db import utcnow


def offered(db: Session, subject: User) -> list[tuple[str, str]]:
    """(value, words) for each grantee the subject may choose: "person:<id>", "role:<role>" or
    "team:<id>".

    People the subject already knows. A consumer: their care team and the carers they named, a
    role in the care team, or a team it works in. A carer: the workers of the people who named
    them (a consumer peer worker, a clinician), their own carer peer workers, or those
    workers' teams."""
    now = utcnow()
    if subject.role is Role.CARER:
        assignments = list(care.care_team(db, subject.id, now))
        for nomination in care.nominations_of(db, subject.id):
            assignments += care.care_team(db, nomination.consumer_id, now)
        assignments = [a for a in assignments if a.worker.role in CARER_GRANTEES]
        people = list({a.worker.id: a.worker for a in assignments}.values())
        roles: tuple[Role, ...] = ()
    else:
        assignments = list(care.care_team(db, subject.id, now))
        people = [a.worker for a in assignments]
        people += [n.carer for n in care.nominations_by(db, subject.id)]
        roles = (Role.CONSUMER_PEER_WORKER, Role.CLINICIAN)
    choices = [(f"person:{p.id}", f"{p.display_name} ({ROLE_LABELS[p.role]})") for p in people]
    choices += [(f"role:{r.value}", f"Any {ROLE_LABELS[r]} in the care team") for r in roles]
    # The teams those people work in: "everyone in the Borderline Support Team".
    teams = {a.team.id: a.team for a in assignments if a.team}
    choices += [(f"team:{t.id}", f"Everyone in {t.name}") for t in teams.values()]
    return choices


def acts_offered(subject: User) -> tuple[Act, ...]:
    """What the subject may let others do: a carer's notes are shared to read only."""
    return (Act.READ,) if subject.role is Role.CARER else (Act.READ, Act.CONTRIBUTE)
