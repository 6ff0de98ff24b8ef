"""Teams, care assignments and carer nominations. Flushes, never commits."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.audit import words
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import ASSIGNABLE, STAFF_ROLES, Role, may_support
from peernotes.care.models import CareAssignment, CarerNomination, Team, TeamMembership
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.settings import service as settings


class CareError(Refused):
    """A care operation was refused; the message is safe to show."""


# Teams ----------------------------------------------------------------------------------


def _record(
    db: Session,
    by: Acting,
    action: Action,
    subject: int | None,
    target: Target,
    basis: str | None = None,
) -> None:
    record_event(db, by, action, subject, target, Outcome.ALLOWED, basis or acting_basis(by))


@step
def create_team(db: Session, name: str, description: str, *, by: Acting) -> Team:
    name = name.strip()
    if not name:
        raise CareError("Please give the team a name.", "name")
    if db.scalar(select(Team).where(Team.name == name)) is not None:
        raise CareError("A team with that name already exists.", "name")
    team = Team(name=name, description=description.strip())
    db.add(team)
    db.flush()
    _record(db, by, Action.TEAM_CREATE, None, Target("team", team.id))
    return team


def deactivate_team(db: Session, team: Team, *, by: Acting) -> None:
    if not team.active:
        raise CareError("That team is already deactivated.")
    team.deactivated_at = utcnow()
    db.flush()
    _record(db, by, Action.TEAM_DEACTIVATE, None, Target("team", team.id))


@step
def add_member(db: Session, team: Team, user: User, *, by: Acting) -> TeamMembership:
    if not team.active:
        raise CareError("That team is deactivated.")
    if user.role not in STAFF_ROLES or not user.active:
        raise CareError("Only active clinicians and peer workers can join a team.", "user_id")
    if user.id in {m.user_id for m in current_members(db, team)}:
        raise CareError("That person is already in the team.", "user_id")
    membership = TeamMembership(team_id=team.id, user_id=user.id)
    db.add(membership)
    db.flush()
    _record(db, by, Action.TEAM_MEMBER_ADD, None, Target("team_membership", membership.id))
    return membership


def end_membership(db: Session, membership: TeamMembership, *, by: Acting) -> None:
    if membership.left_at is not None:
        raise CareError("That person has already left the team.")
    membership.left_at = utcnow()
    db.flush()
    _record(db, by, Action.TEAM_MEMBER_END, None, Target("team_membership", membership.id))


def current_members(db: Session, team: Team) -> list[TeamMembership]:
    return list(
        db.scalars(
            select(TeamMembership)
            .where(TeamMembership.team_id == team.id, TeamMembership.left_at.is_(None))
            .order_by(TeamMembership.joined_at)
        )
    )


# Care assignments ------------------------------------------------------------------------


@step
def create_assignment(
    db: Session,
    *,
    worker: User,
    subject: User,
    starts_on: date,
    ends_on: date | None,
    team: Team | None,
    by: Acting,
) -> CareAssignment:
    """Link a worker to a subject.

    Raises:
        CareError: wrong pairing of roles, inactive accounts, bad dates, an overlapping
            assignment between the same two people, or (for a carer) a worker who supports a
            consumer who names that carer.
    """
    if worker.role not in ASSIGNABLE:
        raise CareError("Only clinicians and peer workers can be assigned.", "worker_id")
    if not settings.may_newly_support(db, worker.role, subject.role):
        if may_support(worker.role, subject.role):
            # The pairing exists but the service has turned it off (for new assignments).
            raise CareError(
                f"This service does not assign a {worker.role.label} to a "
                f"{subject.role.label} at the moment (see the service settings).",
                "subject_id",
            )
        allowed = " or ".join(sorted(r.label for r in ASSIGNABLE[worker.role]))
        raise CareError(
            f"A {worker.role.label} is assigned to a {allowed}, not a {subject.role.label}.",
            "subject_id",
        )
    if not worker.active or not subject.active:
        raise CareError("Both accounts must be active.")
    if ends_on is not None and ends_on < starts_on:
        raise CareError("The end date can't be before the start date.", "ends_on")
    if team is not None and not team.active:
        raise CareError("That team is deactivated.", "team_id")
    for existing in assignments_between(db, worker.id, subject.id):
        if existing.ended_at is None and _overlaps(existing, starts_on, ends_on):
            raise CareError(
                "These two people already have an assignment covering those dates.", "starts_on"
            )
    if subject.role in (Role.CARER, Role.CONSUMER):
        _refuse_both_sides(db, worker, subject)
    assignment = CareAssignment(
        worker_id=worker.id,
        subject_id=subject.id,
        team_id=team.id if team else None,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=by.id,
    )
    db.add(assignment)
    db.flush()
    _record(db, by, Action.ASSIGNMENT_CREATE, subject.id, Target("care_assignment", assignment.id))
    return assignment


def _family_across(db: Session, subject: User) -> list[int]:
    """The people on the other side of this person's family: for a carer, the consumers who
    name them; for a consumer, the carers they name; nobody for anyone else."""
    if subject.role is Role.CARER:
        return [n.consumer_id for n in nominations_of(db, subject.id)]
    if subject.role is Role.CONSUMER:
        return [n.carer_id for n in nominations_by(db, subject.id)]
    return []


def other_side_workers(db: Session, subject: User, now: datetime) -> dict[int, int]:
    """The workers who support someone on the other side of this person's family now, each
    with that someone's id. Neither is assigned, offered or confirmed to this person: one
    worker on both sides of a family would carry what each tells them across, which is what
    keeping a carer's support apart from the consumer's is for. Both directions: a consumer
    peer worker may support a carer as well as consumers."""
    found: dict[int, int] = {}
    for person_id in _family_across(db, subject):
        for assignment in care_team(db, person_id, now):
            found.setdefault(assignment.worker_id, person_id)
    return found


def _refuse_both_sides(db: Session, worker: User, subject: User) -> None:
    """Refuse assigning `worker` to `subject` when they support the other side of the family."""
    across = other_side_workers(db, subject, utcnow()).get(worker.id)
    if across is None:
        return
    other = db.get_one(User, across)
    if subject.role is Role.CARER:
        why = f"{other.display_name}, who names {subject.display_name} as their carer"
    else:
        why = f"{other.display_name}, whom {subject.display_name} names as their carer"
    raise CareError(
        f"{worker.display_name} supports {why}. One worker on both sides of a family would "
        f"carry what each tells them across: choose someone else for {subject.display_name}.",
        "worker_id",
    )


def _overlaps(existing: CareAssignment, starts_on: date, ends_on: date | None) -> bool:
    existing_end = existing.ends_on or date.max
    new_end = ends_on or date.max
    return existing.starts_on <= new_end and starts_on <= existing_end


def assignments_between(db: Session, worker_id: int, subject_id: int) -> list[CareAssignment]:
    return list(
        db.scalars(
            select(CareAssignment).where(
                CareAssignment.worker_id == worker_id, CareAssignment.subject_id == subject_id
            )
        )
    )


def end_assignment(
    db: Session, assignment: CareAssignment, *, by: Acting, now: datetime | None = None
) -> None:
    """End an assignment now. The access it gave stops with the very next request."""
    now = now or utcnow()
    if not assignment.is_active_at(now) and assignment.starts_on <= now.date():
        raise CareError("That assignment has already ended.")
    assignment.ended_at = now
    if assignment.ends_on is None or assignment.ends_on > now.date():
        # Keep the planned end date truthful too (never before the start, for the CHECK).
        assignment.ends_on = max(now.date(), assignment.starts_on)
    db.flush()
    _record(
        db,
        by,
        Action.ASSIGNMENT_END,
        assignment.subject_id,
        Target("care_assignment", assignment.id),
    )


def care_team(db: Session, subject_id: int, now: datetime) -> list[CareAssignment]:
    """The active assignments to a subject: their care team at `now`."""
    return list(
        db.scalars(
            select(CareAssignment)
            .join(User, User.id == CareAssignment.worker_id)
            .where(
                CareAssignment.subject_id == subject_id,
                CareAssignment.active_at(now),
                User.active.is_(True),
            )
            .order_by(CareAssignment.starts_on)
        )
    )


def caseload(db: Session, worker_id: int, now: datetime) -> list[CareAssignment]:
    """The people a worker supports at `now`."""
    return list(
        db.scalars(
            select(CareAssignment)
            .join(User, User.id == CareAssignment.subject_id)
            .where(
                CareAssignment.worker_id == worker_id,
                CareAssignment.active_at(now),
                User.active.is_(True),
            )
            .order_by(User.display_name)
        )
    )


# Carer nominations -----------------------------------------------------------------------


@step
def nominate_carer(
    db: Session,
    *,
    consumer: User,
    carer: User | None,
    relationship_label: str,
    by: Acting,
) -> CarerNomination:
    """A consumer names a carer. Storing the link gives the carer no access by itself.

    Raises:
        CareError: the account is not an active carer, or is already nominated.
    """
    if consumer.role != Role.CONSUMER:
        raise CareError("Only consumers nominate carers.")
    if carer is None or carer.role != Role.CARER or not carer.active:
        # One message for "no such account" and "not a carer": it reveals no more than needed.
        raise CareError(
            "We couldn't find a carer account with that email. "
            "Your care team can set one up for them.",
            "email",
        )
    if any(n.carer_id == carer.id for n in nominations_by(db, consumer.id)):
        raise CareError("You have already nominated this person.", "email")
    nomination = CarerNomination(
        consumer_id=consumer.id, carer_id=carer.id, relationship_label=relationship_label.strip()
    )
    db.add(nomination)
    db.flush()
    _record(
        db,
        by,
        Action.CARER_NOMINATE,
        consumer.id,
        Target("carer_nomination", nomination.id),
        Basis.SELF if by.id == consumer.id else None,
    )
    return nomination


def end_nomination(db: Session, nomination: CarerNomination, *, by: Acting) -> None:
    if nomination.ended_at is not None:
        raise CareError("That nomination has already ended.")
    nomination.ended_at = utcnow()
    db.flush()
    _record(
        db,
        by,
        Action.CARER_NOMINATION_END,
        nomination.consumer_id,
        Target("carer_nomination", nomination.id),
        Basis.SELF if by.id == nomination.consumer_id else None,
    )


def nominations_by(db: Session, consumer_id: int) -> list[CarerNomination]:
    """The consumer's current carer nominations."""
    return list(
        db.scalars(
            select(CarerNomination)
            .where(CarerNomination.consumer_id == consumer_id, CarerNomination.ended_at.is_(None))
            .order_by(CarerNomination.created_at)
        )
    )


def nominations_of(db: Session, carer_id: int) -> list[CarerNomination]:
    """The consumers who currently name this person as their carer."""
    return list(
        db.scalars(
            select(CarerNomination)
            .where(CarerNomination.carer_id == carer_id, CarerNomination.ended_at.is_(None))
            .order_by(CarerNomination.created_at)
        )
    )


# The access log in words -----------------------------------------------------------------


def _assigned_workers(db: Session, ids: frozenset[int]) -> dict[int, str]:
    """The worker each care assignment names, for the person it is about."""
    query = (
        select(CareAssignment.id, User.display_name)
        .join(User, User.id == CareAssignment.worker_id)
        .where(CareAssignment.id.in_(ids))
    )
    return {assignment_id: name for assignment_id, name in db.execute(query)}


def _nominated_carers(db: Session, ids: frozenset[int]) -> dict[int, str]:
    """The carer each nomination names, for the consumer who made it."""
    query = (
        select(CarerNomination.id, User.display_name)
        .join(User, User.id == CarerNomination.carer_id)
        .where(CarerNomination.id.in_(ids))
    )
    return {nomination_id: name for nomination_id, name in db.execute(query)}


words.register("care_assignment", "other", _assigned_workers)
words.register("carer_nomination", "other", _nominated_carers)
