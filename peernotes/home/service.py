"""What each role's home page shows first, gathered in one place: the view only renders it.

Every list here is already the person's own (their care team, their caseload, their requests),
read with their own id; nothing on a home page is content someone else governs.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.aboutme import service as aboutme
from peernotes.access.queries import subjects_whose_record_opens
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.care import sharing
from peernotes.care.models import CareAssignment, Team
from peernotes.db import utcnow
from peernotes.emergency import service as emergency
from peernotes.notes import service as notes
from peernotes.timefmt import zone
from peernotes.training import service as training
from peernotes.workforce.choosing import handover
from peernotes.workforce.choosing import service as choosing
from peernotes.workforce.contacts import service as contacts
from peernotes.workforce.oncall import service as oncall
from peernotes.workforce.profiles import service as profiles


def home_context(db: Session, actor: Actor, now: datetime, today: date) -> dict[str, object]:
    """The values the home page of this person's role shows."""
    context: dict[str, object] = {}
    if actor.role == Role.CONSUMER:
        context["care_team"] = care.care_team(db, actor.id, now)
        context["carers"] = care.nominations_by(db, actor.id)
        context["peer_request"] = choosing.open_request(db, actor.id)
        context["readers"] = _readers(db, actor, now)
    elif actor.role == Role.CARER:
        context["care_team"] = care.care_team(db, actor.id, now)
        named_by = care.nominations_of(db, actor.id)
        context["nominated_by"] = named_by
        context["record_opens"] = _record_opens(db, actor, [n.consumer_id for n in named_by])
        context["peer_request"] = choosing.open_request(db, actor.id)
        context["readers"] = _readers(db, actor, now)
        # Who to call in a crisis, in the service's time, beside the crisis lines.
        context["on_call"] = oncall.on_call(db, actor, now.astimezone(zone()))
    elif actor.role is Role.CLINICIAN:
        people = care.caseload(db, actor.id, now)
        context["caseload"] = people
        context["carers_sharing"] = notes.carers_sharing_with(db, actor)
        context["record_opens"] = _record_opens(db, actor, [a.subject_id for a in people])
        context["about_me"] = aboutme.shared_with_me(db, actor, [a.subject_id for a in people])
    elif actor.role in (Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER):
        people = care.caseload(db, actor.id, now)
        context["caseload"] = people
        context["record_opens"] = _record_opens(db, actor, [a.subject_id for a in people])
        # Each "about me" the person shared with this worker, read (and logged) once here.
        context["about_me"] = aboutme.shared_with_me(db, actor, [a.subject_id for a in people])
        context["contact_summary"] = contacts.caseload_summary(db, actor.id, people, today)
        context["carers_sharing"] = notes.carers_sharing_with(db, actor)
        context["handovers_asked"] = handover.asked_of(db, actor.id, now)
        shared = handover.shared_with(db, actor.id, now)
        context["handovers_shared"] = shared
        context["names"] = display_names(db, {r.subject_id for r in shared})
        context["training_warnings"] = training.warnings_for(db, actor.id, today)
        context["profile"] = profiles.profile_of(db, actor.id)
    elif actor.role == Role.AUDITOR:
        context["emergency_waiting"] = emergency.waiting_for_review(db)
    elif actor.role == Role.ADMIN:
        context.update(service_counts(db, now))
        context["worker_requests_waiting"] = len(choosing.waiting_requests(db))
    return context


def _readers(db: Session, actor: Actor, now: datetime) -> list[str]:
    """Who can read some of this person's information today, by name: the people rows of
    their sharing map (never a list of its own)."""
    shared = sharing.sharing_map(db, db.get_one(User, actor.id), now)
    return [row.name for row in shared.rows if row.person is not None]


def _record_opens(db: Session, actor: Actor, people: list[int]) -> dict[int, bool]:
    """Whose record page would open for this person: only those get a link to it (one query
    for the whole list, `access.queries.subjects_whose_record_opens`)."""
    opens = subjects_whose_record_opens(db, actor.id, actor.role, people, utcnow())
    return {p: p in opens for p in people}


def service_counts(db: Session, now: datetime) -> dict[str, int | None]:
    """What a coordinator sees at a glance: active accounts, teams and care assignments."""
    return {
        "active_accounts": db.scalar(
            select(func.count()).select_from(User).where(User.active.is_(True))
        ),
        "active_teams": db.scalar(
            select(func.count()).select_from(Team).where(Team.deactivated_at.is_(None))
        ),
        "active_assignments": db.scalar(
            select(func.count()).select_from(CareAssignment).where(CareAssignment.active_at(now))
        ),
    }
