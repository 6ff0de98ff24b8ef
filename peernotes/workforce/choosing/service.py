"""Choosing a peer worker: preferences, matches, requests, and the coordinator's decision.
Flushes, never commits.

The consumer (or carer) chooses; the coordinator confirms, which creates the care assignment.
Asking for a different worker needs no reason. When the new assignment starts, the previous
one ends in the same moment, so the previous worker's next request is refused.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peernotes.access.authorize import governs, load_and_authorize
from peernotes.access.decision import Decision, GranteeKind
from peernotes.access.objects import RequestFacts, decide_own_request
from peernotes.access.queries import current_provisions, team_ids_query
from peernotes.access.relationships import Relationships
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role, may_support
from peernotes.care import service as care
from peernotes.care.models import CareAssignment, Team, TeamMembership
from peernotes.consent import service as consent
from peernotes.crypto.texts import open_text, seal_text
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.notifications import service as notifications
from peernotes.settings import service as settings
from peernotes.workforce.choosing import handover
from peernotes.workforce.choosing.matching import (
    WORKER_ROLE_FOR,
    Criterion,
    Match,
    PreferenceError,
    parse_criteria,
    rank,
    worker_roles_for,
)
from peernotes.workforce.choosing.models import (
    HandoverSummary,
    MatchPreference,
    RequestState,
    WorkerRequest,
)
from peernotes.workforce.profiles import service as profiles
from peernotes.workforce.vocabulary import FREQUENCIES, Attribute, Importance

__all__ = ["ChoosingError", "PreferenceError"]

#: The people a consumer or carer may have as their peer worker (consumer peer workers may
#: support carers as well: `settings.may_newly_support` says whether newly).
PEER_WORKER_ROLES = frozenset({Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER})


class ChoosingError(Refused):
    """A request for a worker, or a decision on one, was refused; the message is safe to show."""


# Preferences --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    criteria: tuple[Criterion, ...]
    frequency: str


def preferences_of(db: Session, user_id: int) -> Preferences:
    row = db.get(MatchPreference, user_id)
    if row is None:
        return Preferences((), "")
    criteria = tuple(
        Criterion(Attribute(c["attribute"]), c["value"], Importance(c["importance"]))
        for c in row.criteria
    )
    return Preferences(criteria, row.frequency)


@step
def save_preferences(
    db: Session, by: Acting, rows: Collection[tuple[str, str, str]], frequency: str
) -> Preferences:
    """Store what the person asks for.

    Raises:
        PreferenceError: an unknown attribute or choice, or a frequency not on the list;
            nothing changes then.
        ChoosingError: not someone who is matched with a peer worker.
    """
    if by.role not in WORKER_ROLE_FOR or by.id is None:
        raise ChoosingError("Only consumers and carers choose a peer worker.")
    criteria = parse_criteria(rows)
    if frequency and frequency not in FREQUENCIES:
        raise PreferenceError("Choose how often you would like to meet from the list.", "frequency")
    row = db.get(MatchPreference, by.id)
    if row is None:
        row = MatchPreference(user_id=by.id)
        db.add(row)
    row.criteria = [
        {"attribute": c.attribute.value, "value": c.value, "importance": c.importance.value}
        for c in criteria
    ]
    row.frequency = frequency
    db.flush()
    logged = Target("user", by.id)
    record_event(db, by, Action.PREFERENCES_SAVE, by.id, logged, Outcome.ALLOWED, Basis.SELF)
    return Preferences(criteria, frequency)


# Who supports whom --------------------------------------------------------------------------


def current_assignments(db: Session, subject: User, now: datetime) -> list[CareAssignment]:
    """Every current peer worker's assignment, oldest first. There may be more than one: a
    carer may have a carer peer worker and a consumer peer worker at once."""
    if subject.role not in WORKER_ROLE_FOR:
        return []
    found = [
        a
        for a in care.care_team(db, subject.id, now)
        if a.worker.role in PEER_WORKER_ROLES and may_support(a.worker.role, subject.role)
    ]
    return sorted(found, key=lambda a: (a.starts_on, a.id))


def replaced_by(current: Collection[CareAssignment], worker_role: Role) -> CareAssignment | None:
    """The current assignment that asking for a worker of `worker_role` replaces: the one of
    the same kind (the newest, should there be two of a kind). None: the new worker is added
    alongside, not swapped (a carer's consumer peer worker does not replace their carer peer
    worker). The page says so next to each match."""
    same = [a for a in current if a.worker.role is worker_role]
    return max(same, key=lambda a: (a.starts_on, a.id), default=None)


def open_request(db: Session, subject_id: int) -> WorkerRequest | None:
    return db.scalar(
        select(WorkerRequest).where(
            WorkerRequest.subject_id == subject_id,
            WorkerRequest.state == RequestState.REQUESTED,
        )
    )


@dataclass(frozen=True)
class Offer:
    """Who this person may ask for now: the one rule behind their matches, their request and
    the coordinator's confirmation (`offer_for`)."""

    #: The kinds of peer worker offered (a carer is offered consumer peer workers only when
    #: they asked for someone who has lived it, and the service allows it).
    roles: frozenset[Role]
    #: Their peer workers now: asking for one of them again is not a change.
    current: frozenset[int]
    #: The workers who support someone on the other side of the person's family: for a carer,
    #: a consumer naming them; for a consumer, a carer they name (`care.other_side_workers`).
    other_side: frozenset[int]

    @property
    def excluded(self) -> frozenset[int]:
        return self.current | self.other_side


def offer_for(db: Session, subject: User, now: datetime) -> Offer:
    criteria = preferences_of(db, subject.id).criteria
    allowed = settings.may_newly_support(db, Role.CONSUMER_PEER_WORKER, subject.role)
    roles = worker_roles_for(subject.role, criteria, consumer_workers_for_carers=allowed)
    other_side = care.other_side_workers(db, subject, now)
    return Offer(
        roles=roles,
        current=frozenset(a.worker_id for a in current_assignments(db, subject, now)),
        other_side=frozenset(other_side),
    )


def matches_for(db: Session, subject: User, now: datetime) -> list[Match]:
    """Ranked matches for this person by their saved preferences, leaving out whom
    `offer_for` leaves out (their current peer workers among them: they are asking for
    someone else)."""
    if subject.role not in WORKER_ROLE_FOR:
        return []
    criteria = preferences_of(db, subject.id).criteria
    offer = offer_for(db, subject, now)
    return rank(
        subject.role,
        criteria,
        [c for role in sorted(offer.roles) for c in profiles.candidates(db, role, now)],
        exclude=offer.excluded,
        consumer_workers_for_carers=Role.CONSUMER_PEER_WORKER in offer.roles,
    )


def requests_of(db: Session, subject_id: int) -> list[WorkerRequest]:
    return list(
        db.scalars(
            select(WorkerRequest)
            .where(WorkerRequest.subject_id == subject_id)
            .order_by(WorkerRequest.created_at.desc(), WorkerRequest.id.desc())
        )
    )


# Asking ----------------------------------------------------------------------------------------


def _eligible(
    db: Session, subject: User, worker: User | None, now: datetime, *, coordinator: bool = False
) -> User:
    """The worker, if this person may ask for them now (`offer_for`, as their matches show);
    otherwise a refusal saying why, in the person's words or (`coordinator`) the
    coordinator's."""
    if (
        worker is None
        or worker.role not in PEER_WORKER_ROLES
        or not may_support(worker.role, subject.role)
        or not worker.active
    ):
        raise ChoosingError("Choose a peer worker from your matches.", "worker_id")
    name, who = worker.display_name, subject.display_name
    if not settings.may_newly_support(db, worker.role, subject.role):
        # The service turned this pairing off (after the person asked, when confirming).
        raise ChoosingError(
            f"This service does not match a {worker.role.label} with a {subject.role.label} "
            "at the moment. Please choose someone else.",
            "worker_id",
        )
    offer = offer_for(db, subject, now)
    if worker.id in offer.current:
        raise ChoosingError(
            f"{name} is already {who}'s peer worker. Decline this request and tell them."
            if coordinator
            else f"{name} is already your peer worker.",
            "worker_id",
        )
    if worker.role not in offer.roles:
        raise ChoosingError(
            f"{who} hasn't asked for someone who has lived it, so a {worker.role.label} isn't"
            " one of their matches. Decline this request and tell them."
            if coordinator
            else f"A {worker.role.label} is offered to a carer who asks for someone who has "
            "lived it. Add that to your wishes first, or choose someone from your matches.",
            "worker_id",
        )
    if worker.id in offer.other_side:
        # The person is not told why: whom their family member sees is not theirs to know.
        across = (
            f"someone who names {who} as their carer"
            if subject.role is Role.CARER
            else f"a carer whom {who} names"
        )
        raise ChoosingError(
            f"{name} supports {across}; one worker on both sides of a family is not allowed."
            " Decline this request and tell them."
            if coordinator
            else "Choose a peer worker from your matches.",
            "worker_id",
        )
    mine = profiles.candidate_of(db, worker, now)
    if mine.paused or not mine.has_room:
        # One answer for a pause and for a full caseload: a wellbeing pause is the worker's own.
        raise ChoosingError(
            f"{worker.display_name} isn't taking new people at the moment. "
            "Please choose someone else, or ask again later.",
            "worker_id",
        )
    return worker


def named_provisions(db: Session, subject_id: int, worker_id: int, now: datetime) -> list[int]:
    """Ids of the subject's provisions in force that name this worker personally."""
    return [
        p.id
        for p in current_provisions(db, subject_id, now)
        if p.kind is GranteeKind.PERSON and p.person_id == worker_id and p.valid_until > now
    ]


def teams_sharing_with(db: Session, subject_id: int, worker_id: int, now: datetime) -> list[str]:
    """Names of the teams this person shares with (provisions in force) that the worker
    belongs to now. Such sharing goes on after a change of worker, while the worker is in
    the team: it is the person's own consent to the team, so the page says so rather than
    ending it for them."""
    team_ids = {
        p.team_id
        for p in current_provisions(db, subject_id, now)
        if p.kind is GranteeKind.TEAM and p.team_id is not None and p.valid_until > now
    }
    if not team_ids:
        return []
    return list(
        db.scalars(
            select(Team.name)
            .where(Team.id.in_(team_ids), Team.id.in_(team_ids_query(worker_id, now)))
            .order_by(Team.name)
        )
    )


@step
def request_worker(
    db: Session,
    by: Acting,
    worker_id: int,
    *,
    handover: bool = False,
    stop_named_sharing: bool = False,
    now: datetime | None = None,
) -> WorkerRequest:
    """The person asks for a peer worker. With a current worker of the same kind this is a
    change that replaces them (`replaced_by`): no reason is asked for.
    `handover` lets the current worker's handover summary reach the new one;
    `stop_named_sharing` ends, now and by the person's own hand, what they share with the
    current worker by name (sharing by role ends with the assignment anyway).

    Raises:
        ChoosingError: not a consumer or carer, a request already open, the worker not
            available, or asking for the worker they already have. Nothing is stored then.
    """
    now = now or utcnow()
    subject = db.get(User, by.id) if by.id is not None else None
    if subject is None or subject.role not in WORKER_ROLE_FOR:
        raise ChoosingError("Only consumers and carers choose a peer worker.")
    waiting = open_request(db, subject.id)
    if waiting is not None:
        raise ChoosingError(
            f"You have already asked for {waiting_name(db, waiting)}. Cancel that request "
            "first if you would like someone else.",
            "worker_id",
        )
    worker = _eligible(db, subject, db.get(User, worker_id), now)
    current = replaced_by(current_assignments(db, subject, now), worker.role)
    row = WorkerRequest(
        subject_id=subject.id,
        worker_id=worker.id,
        previous_assignment_id=current.id if current else None,
        handover_consent=bool(handover and current),
        handover_consent_changed_at=now if handover and current else None,
        state=RequestState.REQUESTED,
        created_at=now,
    )
    try:
        with db.begin_nested():  # a savepoint: a lost race undoes this row and nothing else
            db.add(row)
    except IntegrityError as exc:
        # Another request of theirs was stored a moment ago (the unique index on open ones).
        raise ChoosingError(
            "You have already asked for a peer worker. Cancel that request first if you would"
            " like someone else.",
            "worker_id",
        ) from exc
    logged = Target("worker_request", row.id)
    record_event(db, by, Action.WORKER_REQUEST, subject.id, logged, Outcome.ALLOWED, Basis.SELF)
    notifications.notify_handover_asked(db, row)
    if stop_named_sharing and current is not None:
        named = named_provisions(db, subject.id, current.worker_id, now)
        if named:
            consent.revoke_all(db, by, subject, named)
    return row


def waiting_name(db: Session, request: WorkerRequest) -> str:
    worker = db.get(User, request.worker_id)
    return worker.display_name if worker else "a peer worker"


# Someone else's request answers exactly like a missing one, and the attempt is on record, on
# the owner's page too (its subject is the owner).
@governs(WorkerRequest, target_type="worker_request", not_found=LookupError)
def _decide(_rel: Relationships, by: Acting, row: WorkerRequest) -> Decision:
    return decide_own_request(RequestFacts(actor_id=by.id, subject_id=row.subject_id))


def _owned(db: Session, by: Acting, request_id: int, action: Action) -> WorkerRequest:
    """The person's own request (`load_and_authorize`). Raises LookupError otherwise."""
    row, _ = load_and_authorize(db, by, WorkerRequest, request_id, action)
    return row


@step
def cancel_request(db: Session, by: Acting, request_id: int) -> WorkerRequest:
    """The person withdraws their request. Raises LookupError when it is not theirs."""
    row = _owned(db, by, request_id, Action.WORKER_REQUEST_CANCEL)
    if row.state is not RequestState.REQUESTED:
        raise ChoosingError("That request has already been decided.")
    row.state = RequestState.CANCELLED
    row.decided_at = utcnow()
    row.decided_by_id = by.id
    db.flush()
    logged = Target("worker_request", row.id)
    record_event(
        db, by, Action.WORKER_REQUEST_CANCEL, row.subject_id, logged, Outcome.ALLOWED, Basis.SELF
    )
    return row


@step
def set_handover_consent(db: Session, by: Acting, request_id: int, given: bool) -> WorkerRequest:
    """The person gives or withdraws their consent to the handover summary reaching the new
    worker. Withdrawing works at any time, also after the change: the next read is refused.
    Raises LookupError when the request is not theirs."""
    row = _owned(db, by, request_id, Action.HANDOVER_CONSENT)
    if row.previous_assignment_id is None:
        raise ChoosingError("A handover only happens when you change peer worker.")
    if row.state in (RequestState.CANCELLED, RequestState.DECLINED):
        raise ChoosingError("That request is closed, so there is no handover.")
    if row.handover_consent == given:
        raise ChoosingError(
            "You have already agreed to the handover."
            if given
            else "The handover is already private to you."
        )
    row.handover_consent = given
    row.handover_consent_changed_at = utcnow()
    db.flush()
    logged = Target("worker_request", row.id)
    record_event(
        db, by, Action.HANDOVER_CONSENT, row.subject_id, logged, Outcome.ALLOWED, Basis.SELF
    )
    notifications.notify_handover_asked(db, row)
    return row


# The coordinator's decision -------------------------------------------------------------------


def waiting_requests(db: Session) -> list[WorkerRequest]:
    return list(
        db.scalars(
            select(WorkerRequest)
            .where(WorkerRequest.state == RequestState.REQUESTED)
            .order_by(WorkerRequest.created_at, WorkerRequest.id)
        )
    )


def decided_requests(db: Session, limit: int = 20) -> list[WorkerRequest]:
    return list(
        db.scalars(
            select(WorkerRequest)
            .where(WorkerRequest.state != RequestState.REQUESTED)
            .order_by(WorkerRequest.decided_at.desc(), WorkerRequest.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class RequestStatus:
    """A request as the coordinator decides it: whom it changes from, and its handover."""

    request: WorkerRequest
    #: The worker the person changes from (None when they had none).
    previous_worker_id: int | None
    #: The handover that holds confirmation, while it is pending (`handover.pending_among`).
    pending: handover.PendingHandover | None
    #: When the previous worker wrote the handover, if they did.
    handover_written_at: datetime | None

    @property
    def held(self) -> bool:
        """Confirming waits: the person agreed to a handover that is not written yet."""
        return self.pending is not None


def statuses(db: Session, rows: Collection[WorkerRequest], now: datetime) -> list[RequestStatus]:
    """Each request with its handover state, in the order given (a few queries for a list)."""
    ids = [r.id for r in rows]
    previous_ids = {r.previous_assignment_id for r in rows if r.previous_assignment_id}
    previous_workers = (
        dict(
            db.execute(
                select(CareAssignment.id, CareAssignment.worker_id).where(
                    CareAssignment.id.in_(previous_ids)
                )
            ).all()
        )
        if previous_ids
        else {}
    )
    written = (
        dict(
            db.execute(
                select(HandoverSummary.request_id, HandoverSummary.created_at).where(
                    HandoverSummary.request_id.in_(ids)
                )
            ).all()
        )
        if ids
        else {}
    )
    pending = handover.pending_among(db, ids, now)
    return [
        RequestStatus(
            request=r,
            previous_worker_id=(
                previous_workers.get(r.previous_assignment_id) if r.previous_assignment_id else None
            ),
            pending=pending.get(r.id),
            handover_written_at=written.get(r.id),
        )
        for r in rows
    ]


def waiting_for_coordinator(db: Session, now: datetime) -> list[RequestStatus]:
    """The requests waiting for a coordinator, oldest first, each saying whether a pending
    handover holds it (what the coordinator's list shows, and their home page counts)."""
    return statuses(db, waiting_requests(db), now)


REQUESTS = "worker_requests"


def _seal(db: Session, row: WorkerRequest, column: str, text: str) -> bytes | None:
    return seal_text(db, row.subject_id, REQUESTS, column, row.id, text)


@dataclass(frozen=True)
class DecisionWords:
    """The coordinator's words on a decided request, opened ("" when there are none)."""

    #: Why they confirmed without the handover the person agreed to.
    override_reason: str
    #: Why they could not confirm.
    note: str


def words_of(db: Session, row: WorkerRequest) -> DecisionWords:
    """Call only after a permit: the person's own page, or the coordinator's."""

    def opened(column: str, sealed: bytes | None) -> str:
        return open_text(db, row.subject_id, REQUESTS, column, row.id, sealed) or ""

    return DecisionWords(
        opened("handover_override_reason", row.handover_override_reason_sealed),
        opened("decision_note", row.decision_note_sealed),
    )


def status_of(db: Session, row: WorkerRequest, now: datetime) -> RequestStatus:
    return statuses(db, [row], now)[0]


def _coordinators_request(
    db: Session, by: Acting, request_id: int, action: Action
) -> WorkerRequest:
    row = db.get(WorkerRequest, request_id)
    if by.role is not Role.ADMIN or row is None:
        record_event(
            db,
            by,
            action,
            row.subject_id if row else None,
            Target("worker_request", request_id),
            Outcome.DENIED,
            Basis.NO_PERMISSION if row is not None else Basis.NOT_FOUND,
        )
        raise LookupError(request_id)
    if row.state is not RequestState.REQUESTED:
        raise ChoosingError("That request has already been decided.")
    return row


def _team_for(db: Session, worker_id: int, previous: CareAssignment | None) -> Team | None:
    """The new assignment sits in the team of the one it replaces, else the worker's team; a
    deactivated team is passed over (the support itself must not wait on a team's paperwork)."""
    if previous is not None and previous.team is not None and previous.team.active:
        return previous.team
    return db.scalar(
        select(Team)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(
            TeamMembership.user_id == worker_id,
            TeamMembership.left_at.is_(None),
            Team.deactivated_at.is_(None),
        )
        .order_by(TeamMembership.joined_at)
        .limit(1)
    )


def _held(db: Session, row: WorkerRequest, now: datetime) -> str | None:
    """Why confirming must wait, in the coordinator's words, or None when it need not."""
    pending = handover.pending_for(db, row.id, now)
    if pending is None:
        return None
    names = display_names(db, {pending.writer_id, row.subject_id})
    writer, subject = names[pending.writer_id], names[row.subject_id]
    return (
        f"{subject} agreed to a handover, and {writer} hasn't written it yet. Confirming now "
        f"would end {writer}'s support before they can write it, so the change waits until it "
        f"is written or {subject} withdraws the handover. If it can't wait, confirm without "
        "the handover and say why."
    )


def confirm(
    db: Session, by: Acting, request_id: int, *, now: datetime | None = None
) -> CareAssignment:
    """The coordinator confirms: the new assignment starts today and, for a change, the
    previous one ends in this same moment. Held while a handover the person agreed to is not
    written yet (`handover.pending_for`): confirming would end its writer's support first.

    Raises:
        LookupError: no such request, or not a coordinator (logged as denied).
        ChoosingError: already decided, a handover is pending, the worker is no longer
            available, or the person's peer worker has changed since they asked.
    """
    now = now or utcnow()
    row = _coordinators_request(db, by, request_id, Action.WORKER_REQUEST_CONFIRM)
    held = _held(db, row, now)
    if held is not None:
        raise ChoosingError(held)
    return _confirm(db, by, row, now, Action.WORKER_REQUEST_CONFIRM)


#: The override's reason: long enough to say something, as short as a decline's note.
REASON_MIN, REASON_MAX = 10, 500


@step
def confirm_without_handover(
    db: Session, by: Acting, request_id: int, reason: str, *, now: datetime | None = None
) -> CareAssignment:
    """The coordinator confirms a change that waits for a handover without waiting, and says
    why. The reason is stored on the request (the person reads it) and the confirmation is
    logged as its own action. The previous worker's support ends, so they write nothing.

    Raises:
        LookupError: no such request, or not a coordinator (logged as denied).
        ChoosingError: already decided, no handover is pending (confirm normally), no reason
            or one too long, or what `confirm` refuses. Nothing changes then.
    """
    now = now or utcnow()
    action = Action.WORKER_REQUEST_CONFIRM_WITHOUT_HANDOVER
    row = _coordinators_request(db, by, request_id, action)
    if handover.pending_for(db, row.id, now) is None:
        raise ChoosingError(
            "No handover holds this change any more (it was written, or the person withdrew "
            "it), so nothing was confirmed. Confirm it in the usual way."
        )
    reason = " ".join(reason.split())
    if len(reason) < REASON_MIN:
        raise ChoosingError(
            "Please say why the change can't wait for the handover, in a sentence: the person "
            "reads it.",
            "reason",
        )
    if len(reason) > REASON_MAX:
        raise ChoosingError(f"Please keep the reason under {REASON_MAX} characters.", "reason")
    return _confirm(db, by, row, now, action, override_reason=reason)


def _confirm(
    db: Session,
    by: Acting,
    row: WorkerRequest,
    now: datetime,
    action: Action,
    *,
    override_reason: str = "",
) -> CareAssignment:
    """Make the change `row` asks for, logged as `action`. Nothing is written to the request
    until every check has passed."""
    subject = db.get_one(User, row.subject_id)
    worker = _eligible(db, subject, db.get(User, row.worker_id), now, coordinator=True)
    previous = (
        db.get(CareAssignment, row.previous_assignment_id) if row.previous_assignment_id else None
    )
    current = replaced_by(current_assignments(db, subject, now), worker.role)
    if current is not None and (previous is None or current.id != previous.id):
        # Someone became their peer worker after they asked (set directly): confirming would
        # leave them with two, or end the wrong one. They should choose again, knowingly.
        raise ChoosingError(
            f"{subject.display_name}'s peer worker has changed since they asked (it is now"
            f" {current.worker.display_name}). Decline this request and tell them; they can"
            " ask again."
        )
    # The new assignment first: if it is refused, nothing has changed and the person keeps
    # their current worker. Only then does the previous one end, in the same moment.
    # The start is the UTC date, the calendar `CareAssignment.active_at` reads, so the new
    # worker's access begins with this request wherever the service is.
    try:
        assignment = care.create_assignment(
            db,
            worker=worker,
            subject=subject,
            starts_on=now.date(),
            ends_on=None,
            team=_team_for(db, worker.id, previous),
            by=by,
        )
    except care.CareError as exc:
        raise ChoosingError(str(exc)) from exc
    if previous is not None and previous.is_active_at(now):
        care.end_assignment(db, previous, by=by, now=now)
    row.state = RequestState.CONFIRMED
    row.decided_at = now
    row.decided_by_id = by.id
    row.assignment_id = assignment.id
    row.handover_override_reason_sealed = _seal(
        db, row, "handover_override_reason", override_reason
    )
    db.flush()
    logged = Target("worker_request", row.id)
    record_event(db, by, action, subject.id, logged, Outcome.ALLOWED, acting_basis(by))
    notifications.notify(db, subject.id, notifications.Kind.REQUEST_ANSWERED, row.id)
    return assignment


@step
def decline(db: Session, by: Acting, request_id: int, note: str) -> WorkerRequest:
    """The coordinator cannot confirm, and says why in words the person will read.

    Raises:
        LookupError: no such request, or not a coordinator (logged as denied).
        ChoosingError: already decided, or no explanation given.
    """
    row = _coordinators_request(db, by, request_id, Action.WORKER_REQUEST_DECLINE)
    note = " ".join(note.split())
    if len(note) < 10:
        raise ChoosingError("Please tell the person why, in a sentence: they will read it.", "note")
    if len(note) > 500:
        raise ChoosingError("Please keep the explanation under 500 characters.", "note")
    row.state = RequestState.DECLINED
    row.decided_at = utcnow()
    row.decided_by_id = by.id
    row.decision_note_sealed = _seal(db, row, "decision_note", note)
    db.flush()
    record_event(
        db,
        by,
        Action.WORKER_REQUEST_DECLINE,
        row.subject_id,
        Target("worker_request", row.id),
        Outcome.ALLOWED,
        acting_basis(by),
    )
    notifications.notify(db, row.subject_id, notifications.Kind.REQUEST_ANSWERED, row.id)
    return row
