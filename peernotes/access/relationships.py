"""What one person is to others, now: the relationship facts every access rule weighs.

- care assignment: is this worker in this person's care (`in_care`), and its SQL twin for lists
  (`in_care_clause`);
- supervision: who supervises a peer worker now (`supervisor_of`);
- facilitation: does this person facilitate a group session (`facilitates`);
- consent, nomination, safety flags, training and emergency access: `consent_facts`, the
  `Facts` that `decision.decide()` weighs for one subject (read by `queries.facts_for`).

Authorship, handover consent and duty of care are facts of the object itself (who wrote it,
what the person agreed on the request, who raised a concern), so the deciders in `objects`
read them from the object.

`relationships(db, by)` gives the request's `Relationships`: each fact is read once, on first
need, and shared by every check in the request. A flush that writes any relationship row (or a
rollback) forgets them, so a fact is never older than the transaction's own writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, event, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from peernotes.access.decision import Facts
from peernotes.access.objects import HandoverFacts
from peernotes.access.queries import facts_for, training_current
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.care.models import CareAssignment, CarerNomination, Team, TeamMembership
from peernotes.consent.models import ConsentDirective, ConsentProvision, ConsentProvisionCategory
from peernotes.db import utcnow
from peernotes.emergency.models import EmergencyAccess
from peernotes.flags.models import SafetyFlag
from peernotes.supervision.models import Supervision
from peernotes.training.models import TrainingRecord
from peernotes.workforce.choosing.models import RequestState, WorkerRequest
from peernotes.workforce.groups.models import GroupParticipant, GroupRole

#: Rows that change what someone is to someone else: writing one forgets the request's facts.
RELATIONSHIP_MODELS: tuple[type[Any], ...] = (
    User,
    CareAssignment,
    CarerNomination,
    Team,
    TeamMembership,
    ConsentDirective,
    ConsentProvision,
    ConsentProvisionCategory,
    EmergencyAccess,
    SafetyFlag,
    Supervision,
    TrainingRecord,
    GroupParticipant,
)

_KEY = "peernotes.relationships"

Column = ColumnElement[int] | InstrumentedAttribute[int] | int


# The relationships themselves, each one query ---------------------------------------------------


def in_care_clause(worker: Column, subject: Column, at: datetime) -> ColumnElement[bool]:
    """SQL: `worker` has an active care assignment to `subject` at `at` (for lists)."""
    return exists().where(
        CareAssignment.worker_id == worker,
        CareAssignment.subject_id == subject,
        CareAssignment.active_at(at),
    )


def subjects_in_care(worker_id: int | None, at: datetime) -> Select[int]:
    """SQL: the people `worker_id` has an active care assignment to at `at` (for lists)."""
    return select(CareAssignment.subject_id).where(
        CareAssignment.worker_id == worker_id, CareAssignment.active_at(at)
    )


def in_care(db: Session, worker_id: int | None, subject_id: int, at: datetime) -> bool:
    """Does `worker_id` have an active care assignment to `subject_id` at `at`?"""
    if worker_id is None:
        return False
    return bool(db.scalar(select(in_care_clause(worker_id, subject_id, at))))


def supervisor_of(db: Session, worker_id: int) -> int | None:
    """The clinician who supervises this worker now, if their account is active.

    A deactivated clinician cannot sign in to co-sign anything: better to say "no one" (the
    worker's page then tells them to ask their coordinator) than to wait forever.
    """
    row = db.execute(
        select(Supervision.supervisor_id, User.active)
        .join(User, User.id == Supervision.supervisor_id)
        .where(Supervision.worker_id == worker_id, Supervision.ended_at.is_(None))
        .order_by(Supervision.started_at.desc(), Supervision.id.desc())
        .limit(1)
    ).first()
    return row[0] if row is not None and row[1] else None


def workers_supervised_by(db: Session, clinician_id: int) -> set[int]:
    """The peer workers whose current supervisor (as `supervisor_of` says) is this clinician."""
    candidates = set(
        db.scalars(
            select(Supervision.worker_id).where(
                Supervision.supervisor_id == clinician_id, Supervision.ended_at.is_(None)
            )
        )
    )
    return {w for w in candidates if supervisor_of(db, w) == clinician_id}


def facilitates(db: Session, user_id: int | None, session_id: int) -> bool:
    """Is this person a facilitator of this group session?"""
    if user_id is None:
        return False
    return (
        db.scalar(
            select(GroupParticipant.id).where(
                GroupParticipant.session_id == session_id,
                GroupParticipant.user_id == user_id,
                GroupParticipant.role == GroupRole.FACILITATOR,
            )
        )
        is not None
    )


# The request's facts about one person ------------------------------------------------------------


@dataclass
class Relationships:
    """What `actor_id` is to others at `now`, each fact read on first need and then kept."""

    db: Session
    actor_id: int | None
    now: datetime
    #: The person acts through an app, with a personal access token: emergency access, opened
    #: in the web pages with two-step sign-in, stays there, and is no basis for an app's read.
    through_app: bool = False
    _in_care: dict[int, bool] = field(default_factory=dict)
    _supervisor: dict[int, int | None] = field(default_factory=dict)
    _facilitates: dict[int, bool] = field(default_factory=dict)
    _facts: dict[int, Facts] = field(default_factory=dict)

    def in_care(self, subject_id: int) -> bool:
        """Does this person have an active care assignment to `subject_id`?"""
        if subject_id not in self._in_care:
            facts = self._facts.get(subject_id)
            self._in_care[subject_id] = (
                facts.assignment_active
                if facts is not None
                else in_care(self.db, self.actor_id, subject_id, self.now)
            )
        return self._in_care[subject_id]

    def supervisor_of(self, worker_id: int) -> int | None:
        if worker_id not in self._supervisor:
            self._supervisor[worker_id] = supervisor_of(self.db, worker_id)
        return self._supervisor[worker_id]

    def supervises(self, worker_id: int) -> bool:
        """Is this person the worker's current supervising clinician?"""
        return self.actor_id is not None and self.supervisor_of(worker_id) == self.actor_id

    def facilitates(self, session_id: int) -> bool:
        if session_id not in self._facilitates:
            self._facilitates[session_id] = facilitates(self.db, self.actor_id, session_id)
        return self._facilitates[session_id]

    def consent_facts(self, subject_id: int, at: datetime | None = None) -> Facts:
        """Everything `decide()` weighs about this person and `subject_id`: at the request's
        moment (kept), or at another moment `at` (read afresh, for a what-if or a test)."""
        if at is not None and at != self.now:
            assert self.actor_id is not None
            return self._for_this_door(facts_for(self.db, self.actor_id, subject_id, at))
        if subject_id not in self._facts:
            assert self.actor_id is not None
            facts = self._for_this_door(facts_for(self.db, self.actor_id, subject_id, self.now))
            self._facts[subject_id] = facts
            self._in_care[subject_id] = facts.assignment_active
        return self._facts[subject_id]

    def _for_this_door(self, facts: Facts) -> Facts:
        return replace(facts, emergency=()) if self.through_app else facts

    def as_for_a_refusal(self) -> None:
        """Do the work a refusal does, for a miss: read the facts a decision weighs about a
        subject, for one who does not exist. A missing id and a withheld one then cost about
        the same, so the time an answer takes does not say which it was."""
        if self.actor_id is not None:
            self.consent_facts(NO_SUBJECT)

    def emergency_until(self, subject_id: int) -> datetime | None:
        """When this clinician's emergency access to `subject_id` ends, while one is open."""
        open_now = [
            g for g in self.consent_facts(subject_id).emergency if g.starts <= self.now < g.ends
        ]
        return max(open_now, key=lambda g: g.id).ends if open_now else None

    def training_current(self) -> bool:
        """The actor's training, as the consent gate reads it (a subject-independent fact)."""
        facts = next(iter(self._facts.values()), None)
        if facts is None:
            return training_current(self.db, self.actor_id or 0, self.now)
        return facts.training_current


def handover_facts(
    db: Session,
    actor_id: int,
    request: WorkerRequest,
    author_id: int,
    at: datetime,
    trained: bool,
) -> HandoverFacts:
    """What `decide_handover` weighs for one reader of the handover of `request`: one place,
    for the handover page and the access map. The new worker's access needs the change
    confirmed and their new assignment active at `at`."""
    assignment = db.get(CareAssignment, request.assignment_id) if request.assignment_id else None
    return HandoverFacts(
        actor_id=actor_id,
        subject_id=request.subject_id,
        author_id=author_id,
        new_worker_id=request.worker_id,
        consent=request.handover_consent,
        new_assignment_active=bool(
            request.state is RequestState.CONFIRMED
            and assignment is not None
            and assignment.is_active_at(at)
        ),
        training_current=trained,
    )


#: An id no row has (ids start at 1): the subject of the stand-in decision of a miss.
NO_SUBJECT = 0


def through_app(by: Acting) -> bool:
    """Does `by` act through an app, with a personal access token (the APIs)?"""
    return getattr(by, "token_id", None) is not None


def relationships(db: Session, by: Acting) -> Relationships:
    """The request's relationship facts for `by` (one `Relationships` per person per session)."""
    cache: dict[tuple[int | None, bool], Relationships] = db.info.setdefault(_KEY, {})
    app = through_app(by)
    found = cache.get((by.id, app))
    if found is None:
        found = cache[by.id, app] = Relationships(db, by.id, utcnow(), app)
    return found


def forget(db: Session) -> None:
    """Drop the session's relationship facts (they are read again on next need)."""
    db.info.pop(_KEY, None)


@event.listens_for(Session, "after_flush")
def _forget_after_relationship_writes(session: Session, _context: object) -> None:
    if _KEY not in session.info:
        return
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, RELATIONSHIP_MODELS):
            forget(session)
            return


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous: object) -> None:
    forget(session)
