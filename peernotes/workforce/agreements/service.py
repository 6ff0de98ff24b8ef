"""Support agreements (boundaries) between a peer worker and the person they support.

A worker and a consumer (or a carer peer worker and a carer) agree how they keep in touch:
the ways (phone, text, ...), the days and hours, the places, whether community contact is part
of it, and when they will look at it again together. The worker proposes the first version;
either of them may suggest a change later. Proposing a version confirms the proposer's side;
the other side confirms it. The newest version both have confirmed is the
one in force. A version is never edited once anyone has confirmed it: a change is a new
version, so "what had we agreed on 3 May?" always has an answer (the contact log asks it).

Who may read an agreement (every read is logged, allowed or denied):
  - the worker (`party`) and the person it is with (`self`);
  - the worker's current supervising clinician (`supervisor`);
  - nobody else: not other workers, the coordinator, the person's carers or clinicians who do
    not supervise the worker. An agreement someone may not read answers like a missing one.

Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.access.authorize import governs, load_and_authorize
from peernotes.access.decision import Decision
from peernotes.access.objects import AgreementFacts, ObjectBasis, decide_agreement
from peernotes.access.relationships import (
    Relationships,
    in_care,
    in_care_clause,
    relationships,
    workers_supervised_by,
)
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role, may_support
from peernotes.crypto.texts import open_text, seal_text
from peernotes.db import utcnow
from peernotes.notifications import service as notifications
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.agreements.terms import AgreementError, Terms

WORKER_ROLES = frozenset({Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER})


# Bases and reasons in the access log.
PARTY = ObjectBasis.PARTY
SUPERVISOR = ObjectBasis.SUPERVISOR
NOT_PARTY = ObjectBasis.NOT_PARTY
NO_CARE_ASSIGNMENT = ObjectBasis.NO_CARE_ASSIGNMENT


class NotYours(AgreementError):
    """They may read the agreement, but this step belongs to someone else (HTTP 403)."""


class AgreementNotFound(LookupError):
    """No such agreement, or none this person may see: the two are indistinguishable."""


class Reader(StrEnum):
    WORKER = "worker"
    SUBJECT = "subject"
    SUPERVISOR = ObjectBasis.SUPERVISOR


class State(StrEnum):
    IN_FORCE = "in_force"
    WAITING = "waiting"
    REPLACED = "replaced"
    NOT_CONFIRMED = "not_confirmed"


# Words ------------------------------------------------------------------------------------------


# Input ------------------------------------------------------------------------------------------


# In force ---------------------------------------------------------------------------------------


def _zone() -> ZoneInfo:
    if has_app_context():
        return ZoneInfo(current_app.config["PEERNOTES"].timezone)
    return ZoneInfo("UTC")


def confirmed_on(agreement: SupportAgreement) -> date | None:
    """The service's local date on which both had confirmed; None while one has not."""
    if agreement.worker_confirmed_at is None or agreement.subject_confirmed_at is None:
        return None
    moment = max(agreement.worker_confirmed_at, agreement.subject_confirmed_at)
    return moment.astimezone(_zone()).date()


def pick_in_force(versions: Iterable[SupportAgreement], on: date) -> SupportAgreement | None:
    """Of one pair's versions, the newest both had confirmed by the end of `on`."""
    best: SupportAgreement | None = None
    for version in versions:
        day = confirmed_on(version)
        if day is not None and day <= on and (best is None or version.version > best.version):
            best = version
    return best


def _confirmed(db: Session, worker_id: int, subject_id: int) -> list[SupportAgreement]:
    return list(
        db.scalars(
            select(SupportAgreement).where(
                SupportAgreement.worker_id == worker_id,
                SupportAgreement.subject_id == subject_id,
                SupportAgreement.worker_confirmed_at.is_not(None),
                SupportAgreement.subject_confirmed_at.is_not(None),
            )
        )
    )


def in_force(db: Session, worker_id: int, subject_id: int, on: date) -> SupportAgreement | None:
    """The agreement between these two that was in force on `on`, if any."""
    return pick_in_force(_confirmed(db, worker_id, subject_id), on)


def in_force_for_worker(db: Session, worker_id: int, on: date) -> dict[int, list[SupportAgreement]]:
    """Every confirmed version of one worker's agreements, by subject (for checking many
    contacts with one query: `pick_in_force(rows[subject], day)`)."""
    found: dict[int, list[SupportAgreement]] = {}
    for row in db.scalars(
        select(SupportAgreement).where(
            SupportAgreement.worker_id == worker_id,
            SupportAgreement.worker_confirmed_at.is_not(None),
            SupportAgreement.subject_confirmed_at.is_not(None),
        )
    ):
        found.setdefault(row.subject_id, []).append(row)
    return found


def due_for_review(
    db: Session, worker_ids: Collection[int], today: date, within_days: int = 14
) -> list[SupportAgreement]:
    """Agreements in force today, between these workers and people they still support, whose
    review date is at most `within_days` away (overdue ones included), soonest first."""
    ids = set(worker_ids)
    if not ids:
        return []
    now = utcnow()
    rows = db.scalars(
        select(SupportAgreement).where(
            SupportAgreement.worker_id.in_(ids),
            SupportAgreement.worker_confirmed_at.is_not(None),
            SupportAgreement.subject_confirmed_at.is_not(None),
            in_care_clause(SupportAgreement.worker_id, SupportAgreement.subject_id, now),
        )
    )
    pairs: dict[tuple[int, int], list[SupportAgreement]] = {}
    for row in rows:
        pairs.setdefault((row.worker_id, row.subject_id), []).append(row)
    limit = today + timedelta(days=within_days)
    due = [
        current
        for versions in pairs.values()
        if (current := pick_in_force(versions, today)) is not None and current.review_on <= limit
    ]
    return sorted(due, key=lambda a: (a.review_on, a.id))


def versions(db: Session, worker_id: int, subject_id: int) -> list[SupportAgreement]:
    """Every version between these two, newest first (read the access rules first)."""
    return list(
        db.scalars(
            select(SupportAgreement)
            .where(
                SupportAgreement.worker_id == worker_id, SupportAgreement.subject_id == subject_id
            )
            .order_by(SupportAgreement.version.desc())
        )
    )


def state_of(
    agreement: SupportAgreement, newest_version: int, current: SupportAgreement | None
) -> State:
    if current is not None and agreement.id == current.id:
        return State.IN_FORCE
    if agreement.worker_confirmed_at and agreement.subject_confirmed_at:
        return State.REPLACED
    if agreement.version == newest_version:
        return State.WAITING
    return State.NOT_CONFIRMED


# Who may do what --------------------------------------------------------------------------------


def _log(
    db: Session,
    by: Acting,
    action: Action,
    subject_id: int | None,
    agreement_id: int | None,
    outcome: Outcome,
    basis: str,
) -> None:
    target = Target("support_agreement", agreement_id) if agreement_id is not None else None
    record_event(db, by, action, subject_id, target, outcome, basis)


def _supports(db: Session, worker_id: int, subject_id: int) -> User | None:
    """The subject, when `worker_id` is an active peer worker of their kind who supports them
    now (an agreement is peer work: clinicians in the person's care have none)."""
    worker, subject = db.get(User, worker_id), db.get(User, subject_id)
    if (
        worker is None
        or subject is None
        or not worker.active
        or not subject.active
        or worker.role not in WORKER_ROLES
        or not may_support(worker.role, subject.role)
    ):
        return None
    return subject if in_care(db, worker.id, subject.id, utcnow()) else None


def works_with(db: Session, by: Acting, subject_id: int) -> User | None:
    """The subject, when `by` is a peer worker of their kind with an active assignment."""
    if by.id is None or by.role not in WORKER_ROLES:
        return None
    return _supports(db, by.id, subject_id)


def log_refused(db: Session, by: Acting, action: Action, subject_id: int) -> None:
    """A worker's page for someone they do not support: on record, then answered as missing."""
    subject = db.get(User, subject_id)
    _log(
        db,
        by,
        action,
        subject.id if subject else None,
        None,
        Outcome.DENIED,
        NO_CARE_ASSIGNMENT if subject else Basis.NOT_FOUND,
    )


@governs(SupportAgreement, target_type="support_agreement", not_found=AgreementNotFound)
def _decide(rel: Relationships, by: Acting, agreement: SupportAgreement) -> Decision:
    """Who this person is to the agreement (`access.objects.decide_agreement`)."""
    worker, subject = agreement.worker_id, agreement.subject_id
    in_care = by.id == worker and rel.in_care(subject)
    supervises = by.role is Role.CLINICIAN and rel.supervises(worker)
    return decide_agreement(AgreementFacts(by.id, by.role, worker, subject, in_care, supervises))


def _load(
    db: Session, by: Acting, agreement_id: int, action: Action
) -> tuple[SupportAgreement, Reader, str]:
    agreement, decision = load_and_authorize(db, by, SupportAgreement, agreement_id, action)
    return agreement, Reader(str(decision.relation)), decision.basis


# Proposing and confirming -----------------------------------------------------------------------


def _add_version(
    db: Session,
    by: Acting,
    worker_id: int,
    subject_id: int,
    terms: Terms,
    basis: str,
    now: datetime | None,
) -> SupportAgreement:
    """The next version between these two, confirmed on the proposer's side."""
    assert by.id is not None
    moment = now or utcnow()
    newest = db.scalar(
        select(func.max(SupportAgreement.version)).where(
            SupportAgreement.worker_id == worker_id, SupportAgreement.subject_id == subject_id
        )
    )
    row = SupportAgreement(
        worker_id=worker_id,
        subject_id=subject_id,
        version=(newest or 0) + 1,
        methods=list(terms.methods),
        days=list(terms.days),
        starts_at=terms.starts_at,
        ends_at=terms.ends_at,
        community_contact=terms.community_contact,
        ward_visits=terms.ward_visits,
        review_on=terms.review_on,
        contact_every_days=terms.contact_every_days,
        created_by_id=by.id,
        created_at=moment,
        worker_confirmed_at=moment if by.id == worker_id else None,
        subject_confirmed_at=moment if by.id == subject_id else None,
    )
    db.add(row)
    db.flush()
    # Sealed once the row has its id, which it is bound to.
    row.places_sealed = seal_text(db, subject_id, TABLE, "places", row.id, terms.places)
    db.flush()
    _log(db, by, Action.AGREEMENT_PROPOSE, subject_id, row.id, Outcome.ALLOWED, basis)
    other = subject_id if by.id == worker_id else worker_id
    notifications.notify(db, other, notifications.Kind.AGREEMENT_TO_CONFIRM, row.id)
    return row


@step
def propose(
    db: Session,
    by: Acting,
    subject_id: int,
    terms: Terms,
    *,
    now: datetime | None = None,
) -> SupportAgreement:
    """A peer worker proposes a new version to someone they support; their side is confirmed
    by proposing. Any earlier version stays as it was (in force until this one is confirmed).

    Raises:
        AgreementError: not a peer worker of this person now (logged, nothing stored).
    """
    if works_with(db, by, subject_id) is None:
        log_refused(db, by, Action.AGREEMENT_PROPOSE, subject_id)
        raise AgreementError("You can agree boundaries only with someone you support now.")
    assert by.id is not None
    return _add_version(db, by, by.id, subject_id, terms, PARTY, now)


@step
def may_change(
    db: Session, by: Acting, agreement_id: int, action: Action
) -> tuple[SupportAgreement, Reader]:
    """A change starting from one version: either of its two people may suggest one (the
    person supported too, not only the worker), while the worker still supports them.

    Raises:
        AgreementNotFound: missing, or not theirs to see (logged, the same answer).
        NotYours: the supervisor, or the two no longer work together (logged).
    """
    agreement, reader, _ = _load(db, by, agreement_id, action)
    if reader is Reader.SUPERVISOR:
        _log(db, by, action, agreement.subject_id, agreement.id, Outcome.DENIED, NOT_PARTY)
        raise NotYours("Only the two people in the agreement change it.")
    if _supports(db, agreement.worker_id, agreement.subject_id) is None:
        _log(db, by, action, agreement.subject_id, agreement.id, Outcome.DENIED, NO_CARE_ASSIGNMENT)
        raise NotYours("You no longer work together, so this agreement can't be changed.")
    return agreement, reader


def propose_change(
    db: Session,
    by: Acting,
    agreement: SupportAgreement,
    reader: Reader,
    terms: Terms,
    *,
    now: datetime | None = None,
) -> SupportAgreement:
    """After `may_change`: the new version, confirmed on the suggester's side; the other
    confirms it."""
    basis = Basis.SELF if reader is Reader.SUBJECT else PARTY
    return _add_version(db, by, agreement.worker_id, agreement.subject_id, terms, basis, now)


@step
def confirm(
    db: Session, by: Acting, agreement_id: int, *, now: datetime | None = None
) -> SupportAgreement:
    """The other side confirms a version; from then on it is the one in force.

    Raises:
        AgreementNotFound: missing, or not theirs to see (logged, the same answer).
        NotYours: the supervisor may read it, but only the two of them confirm (logged).
        AgreementError: confirmed already, or a newer version replaced it (nothing changes).
    """
    agreement, reader, basis = _load(db, by, agreement_id, Action.AGREEMENT_CONFIRM)
    if reader is Reader.SUPERVISOR:
        _log(
            db,
            by,
            Action.AGREEMENT_CONFIRM,
            agreement.subject_id,
            agreement.id,
            Outcome.DENIED,
            NOT_PARTY,
        )
        raise NotYours("Only the two people in the agreement confirm it.")
    field = "worker_confirmed_at" if reader is Reader.WORKER else "subject_confirmed_at"
    if getattr(agreement, field) is not None:
        raise AgreementError("You have already confirmed this version. Thank you.")
    newest = db.scalar(
        select(func.max(SupportAgreement.version)).where(
            SupportAgreement.worker_id == agreement.worker_id,
            SupportAgreement.subject_id == agreement.subject_id,
        )
    )
    if agreement.version != newest:
        raise AgreementError(
            "A newer version was proposed after this one, so this one can't be confirmed."
            " Have a look at the newest version instead."
        )
    if _supports(db, agreement.worker_id, agreement.subject_id) is None:
        raise AgreementError("You no longer work together, so this can't be confirmed.")
    setattr(agreement, field, now or utcnow())
    db.flush()
    _log(
        db, by, Action.AGREEMENT_CONFIRM, agreement.subject_id, agreement.id, Outcome.ALLOWED, basis
    )
    return agreement


# Reading ----------------------------------------------------------------------------------------

TABLE = "support_agreements"


def places_of(db: Session, agreement: SupportAgreement | None) -> str:
    """The places agreed, opened ("" when not written down). Call only after a permit."""
    if agreement is None:
        return ""
    sealed = agreement.places_sealed
    return open_text(db, agreement.subject_id, TABLE, "places", agreement.id, sealed) or ""


@dataclass(frozen=True)
class AgreementView:
    """One version as one person may see it, built only after a permit."""

    agreement: SupportAgreement
    reader: Reader
    state: State
    newest_version: int
    in_force: SupportAgreement | None
    may_confirm: bool
    #: Either of the two may suggest a change from the newest version, while they work together.
    may_change: bool
    #: This version's places, opened after the permit.
    places: str


def log_read(db: Session, by: Acting, agreement: SupportAgreement, reader: Reader) -> None:
    """An allowed read of one version by someone `may_change` or `_load` let in."""
    basis = {Reader.WORKER: PARTY, Reader.SUBJECT: Basis.SELF, Reader.SUPERVISOR: SUPERVISOR}
    _log(
        db,
        by,
        Action.AGREEMENT_READ,
        agreement.subject_id,
        agreement.id,
        Outcome.ALLOWED,
        basis[reader],
    )


def read(db: Session, by: Acting, agreement_id: int, today: date) -> AgreementView:
    """One version, for its two people or the worker's supervisor. Logged, allowed or denied.

    Raises:
        AgreementNotFound: missing, or not theirs to read (the same answer).
    """
    agreement, reader, basis = _load(db, by, agreement_id, Action.AGREEMENT_READ)
    _log(db, by, Action.AGREEMENT_READ, agreement.subject_id, agreement.id, Outcome.ALLOWED, basis)
    every = versions(db, agreement.worker_id, agreement.subject_id)
    newest = every[0].version if every else agreement.version
    current = pick_in_force(every, today)
    state = state_of(agreement, newest, current)
    pending_side = (
        agreement.worker_confirmed_at if reader is Reader.WORKER else agreement.subject_confirmed_at
    )
    return AgreementView(
        agreement=agreement,
        reader=reader,
        state=state,
        newest_version=newest,
        in_force=current,
        may_confirm=state is State.WAITING
        and reader is not Reader.SUPERVISOR
        and pending_side is None,
        may_change=reader is not Reader.SUPERVISOR
        and agreement.version == newest
        and _supports(db, agreement.worker_id, agreement.subject_id) is not None,
        places=places_of(db, agreement),
    )


@dataclass(frozen=True)
class PairView:
    """A worker's page for one person: every version, newest first."""

    versions: list[SupportAgreement]
    in_force: SupportAgreement | None
    states: dict[int, State]
    #: The places of the version in force, opened after the permit.
    in_force_places: str


def for_worker(db: Session, by: Acting, subject_id: int, today: date) -> PairView:
    """The versions between a worker and someone they support now. Logged (one entry)."""
    assert by.id is not None
    every = versions(db, by.id, subject_id)
    newest = every[0].version if every else 0
    current = pick_in_force(every, today)
    _log(
        db,
        by,
        Action.AGREEMENT_READ,
        subject_id,
        every[0].id if every else None,
        Outcome.ALLOWED,
        Basis.CARE_ASSIGNMENT,
    )
    states = {a.id: state_of(a, newest, current) for a in every}
    return PairView(every, current, states, places_of(db, current))


@dataclass(frozen=True)
class ListedAgreement:
    """What a list shows: who with, which version, its state; never the terms."""

    id: int
    worker_id: int
    subject_id: int
    version: int
    state: State
    review_on: date
    waiting_for_me: bool


def _listed(rows: Iterable[SupportAgreement], today: date, me: int | None) -> list[ListedAgreement]:
    pairs: dict[tuple[int, int], list[SupportAgreement]] = {}
    for row in rows:
        pairs.setdefault((row.worker_id, row.subject_id), []).append(row)
    listed: list[ListedAgreement] = []
    for every in pairs.values():
        every.sort(key=lambda a: a.version, reverse=True)
        current = pick_in_force(every, today)
        newest = every[0]
        shown = [newest] if current is None or current.id == newest.id else [newest, current]
        for row in shown:
            state = state_of(row, newest.version, current)
            mine = row.subject_confirmed_at if me == row.subject_id else row.worker_confirmed_at
            listed.append(
                ListedAgreement(
                    row.id,
                    row.worker_id,
                    row.subject_id,
                    row.version,
                    state,
                    row.review_on,
                    state is State.WAITING and me is not None and mine is None,
                )
            )
    return listed


def listed_for(db: Session, by: Acting, today: date) -> list[ListedAgreement]:
    """The agreements this person is part of (as worker or subject), or, for a clinician, those
    of the workers they supervise now: the newest version and the one in force. No terms."""
    if by.id is None:
        return []
    if by.role is Role.CLINICIAN:
        worker_ids = workers_supervised_by(db, by.id)
        if not worker_ids:
            return []
        return _listed(
            db.scalars(select(SupportAgreement).where(SupportAgreement.worker_id.in_(worker_ids))),
            today,
            None,
        )
    column = SupportAgreement.subject_id if by.role in (Role.CONSUMER, Role.CARER) else None
    if column is None and by.role in WORKER_ROLES:
        column = SupportAgreement.worker_id
    if column is None:
        return []
    rows: list[SupportAgreement] = list(db.scalars(select(SupportAgreement).where(column == by.id)))
    if column is SupportAgreement.worker_id:
        # A worker lists only the agreements of people they support now.
        rel = relationships(db, by)
        rows = [r for r in rows if rel.in_care(r.subject_id)]
    return _listed(rows, today, by.id)


# Demo -------------------------------------------------------------------------------------------
