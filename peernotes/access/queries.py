"""The facts `decide()` weighs, read from the database; and the SQL twin of `decide()`.

`facts_for` gathers what is true of one actor and one subject at one moment. `readable_entries`
is the same policy as a SQL condition on record entries, so that lists, counts and searches
are filtered by the database with the rules `decide()` applies to single reads. A property
test builds random worlds and holds the two to exactly the same answers.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import Integer, Select, and_, bindparam, exists, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from peernotes.access.decision import (
    CARER_SIDE,
    NEVER_CONTENT,
    PEER_WORKERS,
    PERSONAL,
    RECORD_CATEGORIES,
    Act,
    Category,
    EmergencyGrant,
    Facts,
    GranteeKind,
    Provision,
)
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment, CarerNomination, TeamMembership
from peernotes.consent.models import ConsentDirective, ConsentProvision, ConsentProvisionCategory
from peernotes.emergency.models import EmergencyAccess
from peernotes.flags.models import SafetyFlag
from peernotes.records.models import RecordEntry
from peernotes.training.models import TrainingModule, TrainingRecord

#: A subject: a known id, or the subject column of the row being filtered.
SubjectRef = ColumnElement[int] | InstrumentedAttribute[int] | int

# Conditions shared by the single-read facts and the list filter, so the two cannot drift.


# Every subquery names the one table it is about and correlates everything else to the
# enclosing query: nested inside another EXISTS, SQLAlchemy would otherwise pull
# `record_entries` into the subquery's own FROM and match any entry's subject (the property
# test caught exactly that).


#: A moment and its date: known values, or the parameters of a statement built once.
At = datetime | ColumnElement[datetime]
Day = date | ColumnElement[date]
ActorRef = int | ColumnElement[int]


def _assignment(
    actor_id: ActorRef, subject: SubjectRef, at: At, day: Day | None = None
) -> ColumnElement[bool]:
    return (
        exists()
        .where(
            CareAssignment.worker_id == actor_id,
            CareAssignment.subject_id == subject,
            CareAssignment.active_at(at, day),
        )
        .correlate_except(CareAssignment)
    )


def _member_at(at: datetime) -> ColumnElement[bool]:
    """A team membership in force at `at`."""
    return and_(
        TeamMembership.joined_at <= at,
        or_(TeamMembership.left_at.is_(None), TeamMembership.left_at > at),
    )


def team_ids_query(actor_id: int, at: datetime):  # type: ignore[no-untyped-def]
    """The teams this person belongs to at `at` (a SELECT, to embed or to run)."""
    return select(TeamMembership.team_id).where(TeamMembership.user_id == actor_id, _member_at(at))


def team_members(db: Session, team_ids: Collection[int], at: datetime) -> set[int]:
    """Everyone who belongs to one of these teams at `at` (whom a team grant names)."""
    if not team_ids:
        return set()
    return set(
        db.scalars(
            select(TeamMembership.user_id).where(
                TeamMembership.team_id.in_(team_ids), _member_at(at)
            )
        )
    )


def _directive_in_effect(subject: SubjectRef, at: datetime):  # type: ignore[no-untyped-def]
    """The id of the subject's newest directive version created at or before `at`."""
    return (
        select(ConsentDirective.id)
        .where(ConsentDirective.subject_id == subject, ConsentDirective.created_at <= at)
        .order_by(ConsentDirective.version.desc())
        .limit(1)
        .correlate_except(ConsentDirective)
        .scalar_subquery()
    )


def _flag(subject: SubjectRef, at: At) -> ColumnElement[bool]:
    return (
        exists()
        .where(
            SafetyFlag.subject_id == subject,
            SafetyFlag.set_at <= at,
            or_(SafetyFlag.lifted_at.is_(None), SafetyFlag.lifted_at > at),
        )
        .correlate_except(SafetyFlag)
    )


def _nominated(actor_id: ActorRef, subject: SubjectRef, at: At) -> ColumnElement[bool]:
    return (
        exists()
        .where(
            CarerNomination.carer_id == actor_id,
            CarerNomination.consumer_id == subject,
            CarerNomination.created_at <= at,
            or_(CarerNomination.ended_at.is_(None), CarerNomination.ended_at > at),
        )
        .correlate_except(CarerNomination)
    )


def _trained(actor_id: int, at: datetime) -> ColumnElement[bool]:
    return _trained_on(actor_id, at.date())


def _trained_on(actor_id: ActorRef, day: Day) -> ColumnElement[bool]:
    # The newest completion of each module counts, as `training.status_of` shows it: records
    # are never changed, so a wrong expiry is put right by recording the module again, and
    # that correction must be able to take access away, not only give it.
    newer = aliased(TrainingRecord)
    conditions = [
        exists()
        .where(
            TrainingRecord.user_id == actor_id,
            TrainingRecord.module == module,
            TrainingRecord.completed_on <= day,
            TrainingRecord.expires_on >= day,
            ~exists()
            .where(
                newer.user_id == actor_id,
                newer.module == module,
                newer.completed_on <= day,
                or_(
                    newer.completed_on > TrainingRecord.completed_on,
                    and_(
                        newer.completed_on == TrainingRecord.completed_on,
                        newer.id > TrainingRecord.id,
                    ),
                ),
            )
            .correlate_except(newer),
        )
        .correlate_except(TrainingRecord)
        for module in TrainingModule
    ]
    return and_(*conditions)


def _emergency(actor_id: int, subject: SubjectRef, at: datetime) -> ColumnElement[bool]:
    return (
        exists()
        .where(
            EmergencyAccess.clinician_id == actor_id,
            EmergencyAccess.subject_id == subject,
            EmergencyAccess.starts_at <= at,
            EmergencyAccess.ends_at > at,
        )
        .correlate_except(EmergencyAccess)
    )


# Facts for one decision ----------------------------------------------------------------------


_ACTOR = bindparam("facts_actor", type_=Integer)
_SUBJECT = bindparam("facts_subject", type_=Integer)
#: Untyped: each comparison gives its copy the column's type (UTC times, dates).
_AT: ColumnElement[datetime] = bindparam("facts_at")
_DAY: ColumnElement[date] = bindparam("facts_day")
#: The four yes-or-no facts of one decision, as one statement built once with parameters:
#: every governed read asks it, and building it (a dozen nested EXISTS) cost more than
#: running it. The same conditions as the list filters use, so the two cannot drift.
_CHECKS = select(
    _assignment(_ACTOR, _SUBJECT, _AT, _DAY),
    _trained_on(_ACTOR, _DAY),
    _flag(_SUBJECT, _AT),
    _nominated(_ACTOR, _SUBJECT, _AT),
)


def facts_for(
    db: Session,
    actor_id: int,
    subject_id: int,
    at: datetime,
    provisions: tuple[Provision, ...] | None = None,
) -> Facts:
    """What `decide()` weighs for one actor and one subject at `at`. `provisions`: the
    subject's `current_provisions` at the same `at`, when the caller decides for many actors
    about one subject (they do not depend on the actor)."""
    checks = db.execute(
        _CHECKS,
        {
            "facts_actor": actor_id,
            "facts_subject": subject_id,
            "facts_at": at,
            "facts_day": at.date(),
        },
    ).one()
    if provisions is None:
        provisions = current_provisions(db, subject_id, at)
    emergency = tuple(
        EmergencyGrant(e.id, e.clinician_id, e.starts_at, e.ends_at)
        for e in db.scalars(
            select(EmergencyAccess).where(
                EmergencyAccess.clinician_id == actor_id, EmergencyAccess.subject_id == subject_id
            )
        )
    )
    return Facts(
        assignment_active=bool(checks[0]),
        actor_team_ids=frozenset(db.scalars(team_ids_query(actor_id, at))),
        provisions=provisions,
        training_current=bool(checks[1]),
        safety_flag=bool(checks[2]),
        carer_nominated=bool(checks[3]),
        emergency=emergency,
    )


def current_provisions(db: Session, subject_id: int, at: datetime) -> tuple[Provision, ...]:
    """The provisions of the directive version in effect at `at` (valid or not at `at`)."""
    directive_id = db.scalar(select(_directive_in_effect(subject_id, at)))
    if directive_id is None:
        return ()
    return provisions_of(db, directive_id)


def provisions_of(db: Session, directive_id: int) -> tuple[Provision, ...]:
    """Every provision of one directive version, as `decide()` takes them."""
    return tuple(p for p, _carried in provisions_of_versions(db, [directive_id])[directive_id])


def provisions_of_versions(
    db: Session, directive_ids: Collection[int]
) -> dict[int, tuple[tuple[Provision, int | None], ...]]:
    """Every provision of each of these directive versions, by version, each with the
    provision it was carried over from (None when the version added it): two queries however
    many versions (a person's consent history lists all of theirs)."""
    ids = list(directive_ids)
    rows = db.scalars(
        select(ConsentProvision)
        .where(ConsentProvision.directive_id.in_(ids))
        .order_by(ConsentProvision.id)
    ).all()
    categories: dict[int, set[Category]] = {}
    if rows:
        for provision_id, category in db.execute(
            select(ConsentProvisionCategory.provision_id, ConsentProvisionCategory.category)
            .join(ConsentProvision, ConsentProvision.id == ConsentProvisionCategory.provision_id)
            .where(ConsentProvision.directive_id.in_(ids))
        ):
            categories.setdefault(provision_id, set()).add(category)
    found: dict[int, list[tuple[Provision, int | None]]] = {i: [] for i in ids}
    for r in rows:
        found[r.directive_id].append(
            (
                Provision(
                    id=r.id,
                    kind=r.grantee_kind,
                    person_id=r.person_id,
                    role=r.role,
                    team_id=r.team_id,
                    act=r.act,
                    categories=frozenset(categories.get(r.id, ())),
                    valid_from=r.valid_from,
                    valid_until=r.valid_until,
                ),
                r.carried_from_id,
            )
        )
    return {i: tuple(v) for i, v in found.items()}


# The same policy as SQL ------------------------------------------------------------------------


def _names_actor(
    actor_id: int, role: Role, subject: SubjectRef, at: datetime
) -> ColumnElement[bool]:
    """The provision's grantee describes this actor: them by name, their role within the
    subject's care team, or one of their teams (rule 6 of `decide()`, `provision_names`)."""
    return or_(
        and_(
            ConsentProvision.grantee_kind == GranteeKind.PERSON,
            ConsentProvision.person_id == actor_id,
        ),
        and_(
            ConsentProvision.grantee_kind == GranteeKind.ROLE,
            ConsentProvision.role == role,
            _assignment(actor_id, subject, at),
        ),
        and_(
            ConsentProvision.grantee_kind == GranteeKind.TEAM,
            ConsentProvision.team_id.in_(team_ids_query(actor_id, at)),
        ),
    )


def _provision_for(actor_id: int, role: Role, at: datetime) -> ColumnElement[bool]:
    """A valid read provision of the entry's subject, naming this actor, for its category."""
    named = _names_actor(actor_id, role, RecordEntry.subject_id, at)
    return (
        exists()
        .where(
            ConsentProvision.directive_id == _directive_in_effect(RecordEntry.subject_id, at),
            ConsentProvisionCategory.provision_id == ConsentProvision.id,
            ConsentProvisionCategory.category == RecordEntry.category,
            ConsentProvision.act == Act.READ,
            ConsentProvision.valid_from <= at,
            ConsentProvision.valid_until > at,
            named,
        )
        .correlate_except(ConsentProvision, ConsentProvisionCategory)
    )


def readable_entries(
    actor_id: int, role: Role, at: datetime, *, emergency: bool = True
) -> ColumnElement[bool]:
    """SQL condition: `decide()` would permit this actor to read the entry at `at`. With
    `emergency=False`, open emergency access counts for nothing (an app's read: the facts it
    decides by leave it out too, `Relationships.through_app`).

    Raises:
        ValueError: `role` is not a Role.
    """
    if not isinstance(role, Role):
        raise ValueError(f"unknown role {role!r}")
    own = or_(RecordEntry.subject_id == actor_id, RecordEntry.author_id == actor_id)
    if role in NEVER_CONTENT:
        return own
    granted: ColumnElement[bool] = _provision_for(actor_id, role, at)
    if role in PEER_WORKERS:
        granted = and_(granted, _trained(actor_id, at))
    if role is Role.CARER:
        granted = and_(granted, _nominated(actor_id, RecordEntry.subject_id, at))
    if role is Role.CLINICIAN:
        granted = or_(_assignment(actor_id, RecordEntry.subject_id, at), granted)
        if emergency:
            granted = or_(granted, _emergency(actor_id, RecordEntry.subject_id, at))
    if role in CARER_SIDE:
        granted = and_(granted, ~_flag(RecordEntry.subject_id, at))
    return or_(own, granted)


def _any_record_provision(
    actor_id: int, role: Role, subject: SubjectRef, at: datetime, acts: tuple[Act, ...]
) -> ColumnElement[bool]:
    """A valid provision of `subject`'s consent naming this actor, for any record category."""
    named = _names_actor(actor_id, role, subject, at)
    return (
        exists()
        .where(
            ConsentProvision.directive_id == _directive_in_effect(subject, at),
            ConsentProvisionCategory.provision_id == ConsentProvision.id,
            ConsentProvisionCategory.category.in_(RECORD_CATEGORIES),
            ConsentProvision.act.in_(acts),
            ConsentProvision.valid_from <= at,
            ConsentProvision.valid_until > at,
            named,
        )
        .correlate_except(ConsentProvision, ConsentProvisionCategory)
    )


def subjects_naming(actor_id: int, role: Role, category: Category, at: datetime) -> Select[int]:
    """People whose consent in force has a read provision for `category`, valid at `at`, that
    names this actor (by name, role in their care team, or team): the candidates for a list of
    "who shares with me". A superset: `decide()` (training, nomination, flags) has the last
    word on each, by the caller.
    """
    return select(User.id).where(_read_provision_naming(actor_id, role, category, User.id, at))


def _read_provision_naming(
    actor_id: int, role: Role, category: Category, subject: SubjectRef, at: datetime
) -> ColumnElement[bool]:
    """`subject`'s consent in force has a read provision for `category`, valid at `at`, that
    names this actor."""
    return (
        exists()
        .where(
            ConsentProvision.directive_id == _directive_in_effect(subject, at),
            ConsentProvisionCategory.provision_id == ConsentProvision.id,
            ConsentProvisionCategory.category == category,
            ConsentProvision.act == Act.READ,
            ConsentProvision.valid_from <= at,
            ConsentProvision.valid_until > at,
            _names_actor(actor_id, role, subject, at),
        )
        .correlate(User)
    )


def subjects_whose_record_opens(
    db: Session, actor_id: int, role: Role, subject_ids: Collection[int], at: datetime
) -> set[int]:
    """Of `subject_ids`, those whose record page would open for this actor at `at`: `decide()`
    permits them to read some record category, or (a clinician) to write one. One query for a
    whole list; the SQL twin of `records.service.may_open`, held to it by a property test.

    Raises:
        ValueError: `role` is not a Role.
    """
    if not isinstance(role, Role):
        raise ValueError(f"unknown role {role!r}")
    ids = set(subject_ids)
    if not ids:
        return set()
    subject = User.id
    if role in NEVER_CONTENT:
        granted: ColumnElement[bool] = false()
    elif role is Role.CLINICIAN:
        granted = or_(
            _assignment(actor_id, subject, at),
            _any_record_provision(actor_id, role, subject, at, (Act.READ, Act.CONTRIBUTE)),
            _emergency(actor_id, subject, at),
        )
    else:
        granted = _any_record_provision(actor_id, role, subject, at, (Act.READ,))
        if role in PEER_WORKERS:
            granted = and_(granted, _trained(actor_id, at))
        if role is Role.CARER:
            granted = and_(granted, _nominated(actor_id, subject, at))
    if role in CARER_SIDE:
        granted = and_(granted, ~_flag(subject, at))
    found = set(db.scalars(select(User.id).where(User.id.in_(ids), granted)))
    return found | ({actor_id} & ids)


def training_current(db: Session, user_id: int, at: datetime) -> bool:
    """Is this person's training in every required module current at `at`?"""
    return bool(db.scalar(select(_trained(user_id, at))))


def subjects_decide_may_permit(
    actor_id: int, role: Role, category: Category, at: datetime
) -> Select[int]:
    """People about whom `decide()` might permit this actor to read `category` at `at`: those
    whose consent names them (`subjects_naming`) and, for a clinician, the people in their care
    (rule 5) and under their open emergency access (rule 7). A superset, for lists of "what
    others share with me": `decide()` has the last word on each, by the caller. Coordinators
    and auditors never read content, so for them it is no one.

    Raises:
        ValueError: `role` is not a Role.
    """
    if not isinstance(role, Role):
        raise ValueError(f"unknown role {role!r}")
    if role in NEVER_CONTENT:
        return select(User.id).where(false())
    subject = User.id
    named = _read_provision_naming(actor_id, role, category, subject, at)
    if role is not Role.CLINICIAN or category in PERSONAL:
        # The personal kinds open by consent alone (`decide()` rules 5 and 7 skip them).
        return select(User.id).where(named)
    return select(User.id).where(
        or_(named, _assignment(actor_id, subject, at), _emergency(actor_id, subject, at))
    )
