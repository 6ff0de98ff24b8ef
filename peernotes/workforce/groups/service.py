"""Groups: standing groups (a DBT skills group, a carer support group), their sessions, who
facilitated them and who attended. Flushes, never commits.

A group record holds the session's date and topic and who was there, and nothing else: no
notes about anyone, nothing about an attendee beyond that they came. Even so, attending a BPD
group says something about a person, so attendance is governed like content:

  - attendee names are read only by that session's facilitators (basis `facilitator`) and by
    coordinators (`role:admin`); each read of an attendance list is logged, target the session;
  - an attendee sees the sessions they attended (group, date, topic, facilitators) and never
    who else came;
  - recording a session logs one entry about each attendee (subject = attendee), so it shows
    in their own access log: "recorded that you attended a group session";
  - a session or group someone may not see answers exactly like a missing one, and the
    attempt is logged as denied.

Who records: a coordinator, for any group; a facilitator, a new session of a group they have
facilitated before (they are its facilitator, and may add co-facilitators). A facilitator picks
attendees only among people who came to sessions they facilitated in that group and people of
the group's kind they support now: the list of every consumer in the service is not theirs
to browse.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.access.authorize import governs, load_and_authorize
from peernotes.access.decision import Decision
from peernotes.access.objects import GroupSessionFacts, ObjectBasis, decide_group_session
from peernotes.access.relationships import Relationships, subjects_in_care
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import SETTING_GATED, Role
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.settings import service as settings
from peernotes.workforce.groups.models import (
    Group,
    GroupKind,
    GroupParticipant,
    GroupRole,
    GroupSession,
)

#: Limits, in characters (the columns' sizes).
MAX_NAME = 120
MAX_DESCRIPTION = 500
MAX_TOPIC = 200
#: Sessions are recorded as they happen: a date older than this is a typo (a wrong year).
MAX_DAYS_BACK = 366

FACILITATOR = ObjectBasis.FACILITATOR

#: Reading a session's attendance list (and refusals to open a group or session), with its own
#: target type, `group_attendance`, apart from recordings (target `group_session`).
READ_ACTION = Action.GROUP_SESSION_READ
READ_TARGET = "group_attendance"

KIND_LABELS: dict[GroupKind, str] = {
    GroupKind.CONSUMER: "consumers",
    GroupKind.CARER: "carers",
}

#: Who may facilitate each kind of group: peer workers who may support its people, and
#: clinicians. Consumer peer workers facilitate carer groups only while the service allows
#: consumer peer workers to support carers (`facilitator_roles`).
FACILITATOR_ROLES: dict[GroupKind, frozenset[Role]] = {
    GroupKind.CONSUMER: frozenset({Role.CONSUMER_PEER_WORKER, Role.CLINICIAN}),
    GroupKind.CARER: frozenset({Role.CARER_PEER_WORKER, Role.CONSUMER_PEER_WORKER, Role.CLINICIAN}),
}
#: Who attends each kind of group.
ATTENDEE_ROLE: dict[GroupKind, Role] = {
    GroupKind.CONSUMER: Role.CONSUMER,
    GroupKind.CARER: Role.CARER,
}


def facilitator_roles(db: Session, kind: GroupKind) -> frozenset[Role]:
    """Who may facilitate a NEW session of this kind of group, as the service is set now."""
    attendee = ATTENDEE_ROLE[kind]
    return frozenset(
        role
        for role in FACILITATOR_ROLES[kind]
        if (role, attendee) not in SETTING_GATED or settings.may_newly_support(db, role, attendee)
    )


class GroupError(Refused):
    """Bad input for a group or a session; the message is safe to show."""


class GroupNotFound(LookupError):
    """No such group, or not one this person may record a session of: indistinguishable."""


class SessionNotFound(LookupError):
    """No such session, or not one this person may see: indistinguishable."""


@dataclass(frozen=True)
class SessionSummary:
    """A session without its attendees' names: for lists."""

    session: GroupSession
    group: Group
    facilitator_ids: tuple[int, ...]
    attendee_count: int


@dataclass(frozen=True)
class SessionDetail:
    """A session with its attendance, for its facilitators and coordinators."""

    session: GroupSession
    group: Group
    facilitator_ids: tuple[int, ...]
    attendee_ids: tuple[int, ...]
    basis: str


@dataclass(frozen=True)
class AttendedSession:
    """What an attendee sees of a session they attended: never who else came."""

    group_name: str
    group_kind: GroupKind
    held_on: date
    topic: str
    facilitator_ids: tuple[int, ...]


def _is_coordinator(by: Acting) -> bool:
    return by.role is Role.ADMIN


# Groups ------------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


@step
def create_group(db: Session, by: Acting, name: str, kind: str, description: str = "") -> Group:
    """A coordinator sets up a group.

    Raises:
        GroupError: not a coordinator (logged), no name, a name in use, or a kind or
            description that does not fit. Nothing is stored then.
    """
    if not _is_coordinator(by):
        record_event(db, by, Action.GROUP_CREATE, None, None, Outcome.DENIED, Basis.NO_PERMISSION)
        raise GroupError("Only a coordinator can set up a group.")
    cleaned = _one_line(name)
    if not cleaned:
        raise GroupError("Give the group a name, for example “DBT skills group”.", "name")
    if len(cleaned) > MAX_NAME:
        raise GroupError(f"Keep the name to {MAX_NAME} characters or fewer.", "name")
    try:
        parsed = GroupKind(kind)
    except ValueError as exc:
        raise GroupError("Choose who the group is for: consumers or carers.", "kind") from exc
    about = description.strip().replace("\r\n", "\n")
    if len(about) > MAX_DESCRIPTION:
        raise GroupError(
            f"Keep the description to {MAX_DESCRIPTION} characters or fewer.", "description"
        )
    # Compared here, not with SQL lower(): SQLite's folds ASCII only, so "Übungsgruppe" twice
    # would pass the check and fail on the unique name. Groups are few.
    folded = cleaned.casefold()
    if any(existing.casefold() == folded for existing in db.scalars(select(Group.name))):
        raise GroupError(f"There is already a group called “{cleaned}”.", "name")
    group = Group(name=cleaned, kind=parsed, description=about)
    db.add(group)
    db.flush()
    logged = Target("peer_group", group.id)
    record_event(db, by, Action.GROUP_CREATE, None, logged, Outcome.ALLOWED, acting_basis(by))
    return group


def all_groups(db: Session) -> list[tuple[Group, int, date | None]]:
    """Every group with its number of sessions and the date of the latest (coordinators)."""
    rows = db.execute(
        select(Group, func.count(GroupSession.id), func.max(GroupSession.held_on))
        .outerjoin(GroupSession, GroupSession.group_id == Group.id)
        .group_by(Group.id)
        .order_by(Group.name)
    )
    return [(group, int(count), latest) for group, count, latest in rows]


def group_for_coordinator(db: Session, by: Acting, group_id: int) -> Group:
    """A group, for a coordinator's pages.

    Raises:
        GroupNotFound: there is none, or this is not a coordinator (logged as denied).
    """
    group = db.get(Group, group_id)
    if group is not None and _is_coordinator(by):
        return group
    reason = Basis.NOT_FOUND if group is None else Basis.NO_PERMISSION
    record_event(db, by, READ_ACTION, None, Target("peer_group", group_id), Outcome.DENIED, reason)
    raise GroupNotFound(group_id)


# Reading sessions --------------------------------------------------------------------------------


def _participants(
    db: Session, session_ids: Collection[int]
) -> dict[int, dict[GroupRole, list[int]]]:
    found: dict[int, dict[GroupRole, list[int]]] = {
        i: {GroupRole.FACILITATOR: [], GroupRole.ATTENDEE: []} for i in session_ids
    }
    if not session_ids:
        return found
    for row in db.scalars(
        select(GroupParticipant)
        .where(GroupParticipant.session_id.in_(session_ids))
        .order_by(GroupParticipant.id)
    ):
        found[row.session_id][row.role].append(row.user_id)
    return found


def _summaries(db: Session, rows: Iterable[tuple[GroupSession, Group]]) -> list[SessionSummary]:
    pairs = list(rows)
    people = _participants(db, {s.id for s, _ in pairs})
    return [
        SessionSummary(
            s,
            g,
            tuple(people[s.id][GroupRole.FACILITATOR]),
            len(people[s.id][GroupRole.ATTENDEE]),
        )
        for s, g in pairs
    ]


def sessions_of(db: Session, group_id: int) -> list[SessionSummary]:
    """A group's sessions, newest first, with counts but no attendee names (coordinators)."""
    return _summaries(
        db,
        db.execute(
            select(GroupSession, Group)
            .join(Group, Group.id == GroupSession.group_id)
            .where(GroupSession.group_id == group_id)
            .order_by(GroupSession.held_on.desc(), GroupSession.id.desc())
        ).all(),
    )


def facilitated_by(db: Session, user_id: int) -> list[SessionSummary]:
    """The sessions someone facilitated, newest first, with counts but no names."""
    return _summaries(
        db,
        db.execute(
            select(GroupSession, Group)
            .join(Group, Group.id == GroupSession.group_id)
            .join(GroupParticipant, GroupParticipant.session_id == GroupSession.id)
            .where(
                GroupParticipant.user_id == user_id,
                GroupParticipant.role == GroupRole.FACILITATOR,
            )
            .order_by(Group.name, GroupSession.held_on.desc(), GroupSession.id.desc())
        ).all(),
    )


def attended_by(db: Session, user_id: int) -> list[AttendedSession]:
    """The sessions someone attended, newest first: group, date, topic and facilitators."""
    pairs = list(
        db.execute(
            select(GroupSession, Group)
            .join(Group, Group.id == GroupSession.group_id)
            .join(GroupParticipant, GroupParticipant.session_id == GroupSession.id)
            .where(
                GroupParticipant.user_id == user_id,
                GroupParticipant.role == GroupRole.ATTENDEE,
            )
            .order_by(GroupSession.held_on.desc(), GroupSession.id.desc())
        ).all()
    )
    # Only the facilitators are fetched: the other attendees never leave the database here.
    facilitators: dict[int, list[int]] = {s.id: [] for s, _ in pairs}
    if facilitators:
        for row in db.scalars(
            select(GroupParticipant)
            .where(
                GroupParticipant.session_id.in_(facilitators),
                GroupParticipant.role == GroupRole.FACILITATOR,
            )
            .order_by(GroupParticipant.id)
        ):
            facilitators[row.session_id].append(row.user_id)
    return [
        AttendedSession(g.name, g.kind, s.held_on, s.topic, tuple(facilitators[s.id]))
        for s, g in pairs
    ]


def _no_one(_found: GroupSession) -> None:
    """An attendance list is about no one attendee (each gets their own entry on a read)."""
    return None


@governs(GroupSession, target_type=READ_TARGET, not_found=SessionNotFound, subject_of=_no_one)
def _decide(rel: Relationships, by: Acting, found: GroupSession) -> Decision:
    """A session's attendance list (`access.objects.decide_group_session`)."""
    return decide_group_session(GroupSessionFacts(by.role, rel.facilitates(found.id)))


def read_session(db: Session, by: Acting, session_id: int) -> SessionDetail:
    """A session with its attendance, for one of its facilitators or a coordinator. Logged.

    Raises:
        SessionNotFound: no such session, or this person may not see it (logged as denied).
    """
    found, decision = load_and_authorize(db, by, GroupSession, session_id, READ_ACTION)
    target = Target(READ_TARGET, session_id)
    basis = decision.basis
    people = _participants(db, {found.id})[found.id]
    # One entry about each attendee, so each sees on their own access-log page who looked at
    # a list they are on (and one about no one, for a session nobody attended).
    about: list[int | None] = list(people[GroupRole.ATTENDEE]) or [None]
    for attendee in about:
        record_event(db, by, READ_ACTION, attendee, target, Outcome.ALLOWED, basis)
    return SessionDetail(
        found,
        db.get_one(Group, found.group_id),
        tuple(people[GroupRole.FACILITATOR]),
        tuple(people[GroupRole.ATTENDEE]),
        basis,
    )


# Recording sessions ------------------------------------------------------------------------------


def _has_facilitated(db: Session, user_id: int | None, group_id: int) -> bool:
    if user_id is None:
        return False
    return (
        db.scalar(
            select(GroupParticipant.id)
            .join(GroupSession, GroupSession.id == GroupParticipant.session_id)
            .where(
                GroupSession.group_id == group_id,
                GroupParticipant.user_id == user_id,
                GroupParticipant.role == GroupRole.FACILITATOR,
            )
            .limit(1)
        )
        is not None
    )


def groups_facilitated(db: Session, user_id: int) -> list[Group]:
    """The groups someone has facilitated a session of: those they may record sessions for."""
    return list(
        db.scalars(
            select(Group)
            .where(
                Group.id.in_(
                    select(GroupSession.group_id)
                    .join(GroupParticipant, GroupParticipant.session_id == GroupSession.id)
                    .where(
                        GroupParticipant.user_id == user_id,
                        GroupParticipant.role == GroupRole.FACILITATOR,
                    )
                )
            )
            .order_by(Group.name)
        )
    )


def open_for_recording(db: Session, by: Acting, group_id: int) -> Group:
    """The group, when this person may record a session of it: a coordinator, or someone who
    facilitated it before.

    Raises:
        GroupNotFound: otherwise (logged as denied, exactly as for a missing group).
    """
    group = db.get(Group, group_id)
    if group is None:
        reason = Basis.NOT_FOUND
    elif _is_coordinator(by) or _has_facilitated(db, by.id, group.id):
        return group
    else:
        reason = "not_facilitator"
    logged = Target("peer_group", group_id)
    record_event(db, by, Action.GROUP_SESSION_RECORD, None, logged, Outcome.DENIED, reason)
    raise GroupNotFound(group_id)


def facilitator_choices(db: Session, group: Group) -> list[User]:
    """Active staff who may facilitate this kind of group."""
    return list(
        db.scalars(
            select(User)
            .where(User.role.in_(facilitator_roles(db, group.kind)), User.active.is_(True))
            .order_by(User.display_name)
        )
    )


def attendee_choices(db: Session, by: Acting, group: Group) -> list[User]:
    """Who this person may tick as attending. A coordinator: every active person of the
    group's kind. A facilitator: people who came to sessions they facilitated in this group,
    and people of the group's kind they support now."""
    role = ATTENDEE_ROLE[group.kind]
    query = select(User).where(User.role == role, User.active.is_(True))
    if not _is_coordinator(by):
        mine = (
            select(GroupSession.id)
            .join(GroupParticipant, GroupParticipant.session_id == GroupSession.id)
            .where(
                GroupSession.group_id == group.id,
                GroupParticipant.user_id == by.id,
                GroupParticipant.role == GroupRole.FACILITATOR,
            )
        )
        came = select(GroupParticipant.user_id).where(
            GroupParticipant.session_id.in_(mine), GroupParticipant.role == GroupRole.ATTENDEE
        )
        supported = subjects_in_care(by.id, utcnow())
        query = query.where(User.id.in_(came) | User.id.in_(supported))
    return list(db.scalars(query.order_by(User.display_name)))


def _people(db: Session, ids: Collection[int], field: str) -> dict[int, User]:
    found = {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    if any(i not in found or not found[i].active for i in ids):
        raise GroupError(
            "We could not find one of the people chosen. Reload the page and choose again.",
            field,
        )
    return found


@step
def record_session(
    db: Session,
    by: Acting,
    group_id: int,
    held_on: date | None,
    topic: str,
    facilitator_ids: Iterable[int],
    attendee_ids: Iterable[int],
    *,
    today: date,
) -> GroupSession:
    """Record one session of a group: its date, topic, facilitators and who attended.

    A facilitator recording is always one of the session's facilitators. Every check runs
    before anything is added, so a refusal stores nothing.

    Raises:
        GroupNotFound: not a coordinator and not a previous facilitator of it (logged).
        GroupError: bad input, naming the field it concerns.
    """
    group = open_for_recording(db, by, group_id)
    coordinator = _is_coordinator(by)
    facilitators = list(dict.fromkeys(facilitator_ids))
    if not coordinator and by.id is not None and by.id not in facilitators:
        facilitators.insert(0, by.id)
    attendees = list(dict.fromkeys(attendee_ids))

    if held_on is None:
        raise GroupError("Give the date of the session.", "held_on")
    if held_on > today:
        raise GroupError(
            "A session can be recorded for today or a day in the past, not a future date.",
            "held_on",
        )
    if held_on < today - timedelta(days=MAX_DAYS_BACK):
        raise GroupError(
            f"That is more than {MAX_DAYS_BACK} days ago; check the year.",
            "held_on",
        )
    cleaned = _one_line(topic)
    if not cleaned:
        raise GroupError(
            "Give the session's topic in a few words, for example “Distress tolerance: TIPP"
            " skills”.",
            "topic",
        )
    if len(cleaned) > MAX_TOPIC:
        raise GroupError(
            f"The topic is {len(cleaned)} characters long; keep it to {MAX_TOPIC} or fewer."
            " It is a title, not a note.",
            "topic",
        )
    if not facilitators:
        raise GroupError("Choose who facilitated the session.", "facilitators")
    if not attendees:
        raise GroupError(
            "Tick who came. A session is recorded with the people who attended it.",
            "attendees",
        )
    staff = _people(db, facilitators, "facilitators")
    if not coordinator:
        # A facilitator chooses from their own list; anyone else answers like an unknown id.
        allowed = {u.id for u in attendee_choices(db, by, group)}
        if any(i not in allowed for i in attendees):
            raise GroupError(
                "We could not find one of the people chosen. Reload the page and choose again.",
                "attendees",
            )
    came = _people(db, attendees, "attendees")
    both = [i for i in attendees if i in staff]
    if both:
        raise GroupError(
            f"{came[both[0]].display_name} is ticked both as a facilitator and as someone who"
            " attended. Choose one.",
            "attendees",
        )
    may_facilitate = facilitator_roles(db, group.kind)
    for person in staff.values():
        if person.role not in may_facilitate:
            kinds = sorted(f"{r.label}s" for r in may_facilitate)
            raise GroupError(
                f"{person.display_name} is a {person.role.label}; a group for"
                f" {KIND_LABELS[group.kind]} is facilitated by"
                f" {', '.join(kinds[:-1])} or {kinds[-1]}.",
                "facilitators",
            )
    for person in came.values():
        if person.role is not ATTENDEE_ROLE[group.kind]:
            raise GroupError(
                f"{person.display_name} is a {person.role.label}, and this is a group for"
                f" {KIND_LABELS[group.kind]}. Only {KIND_LABELS[group.kind]} can be recorded"
                " as attending it.",
                "attendees",
            )

    assert by.id is not None
    session = GroupSession(group_id=group.id, held_on=held_on, topic=cleaned, created_by_id=by.id)
    db.add(session)
    db.flush()
    for user_id in facilitators:
        db.add(GroupParticipant(session_id=session.id, user_id=user_id, role=GroupRole.FACILITATOR))
    for user_id in attendees:
        db.add(GroupParticipant(session_id=session.id, user_id=user_id, role=GroupRole.ATTENDEE))
    db.flush()
    basis = acting_basis(by) if coordinator else FACILITATOR
    for user_id in attendees:
        # One entry about each attendee: it shows in their own access log.
        logged = Target("group_session", session.id)
        record_event(db, by, Action.GROUP_SESSION_RECORD, user_id, logged, Outcome.ALLOWED, basis)
    return session


# Demo ---------------------------------------------------------------------------------------------
