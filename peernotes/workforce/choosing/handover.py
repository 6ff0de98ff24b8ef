"""The handover summary when a person changes peer worker. Flushes, never commits.

The previous worker writes it while they still support the person, and only when the person
has agreed to a handover. Until it is written the change waits (`pending_among`): the
coordinator's confirmation is held, unless the person withdraws their consent or the
coordinator confirms without it and says why (`service.confirm_without_handover`).

The person always reads it. The new worker reads it only while the person's consent stands,
their own assignment is active and their training is current (the training gate of everything
shared by consent); withdrawing consent refuses the very next read. Every read, allowed or
refused, is one entry in the access log.

The handover is one document with its own consent, given on the change request itself (not a
category of the consent directive): `access.objects.decide_handover` is its whole decision, pure,
with the same shape as `access.decision.decide`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from peernotes.access.objects import decide_handover
from peernotes.access.relationships import NO_SUBJECT, handover_facts, relationships
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.care.models import CareAssignment
from peernotes.crypto.sealing import seal_about, unseal_about
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.workforce.choosing.models import HandoverSummary, RequestState, WorkerRequest

MAX_LENGTH = 5_000


class HandoverError(Refused):
    """A handover summary was refused; the message is safe to show."""


def _aad(request: WorkerRequest) -> bytes:
    return f"handover_summaries:{request.id}:{request.subject_id}".encode()


def summary_for(db: Session, request_id: int) -> HandoverSummary | None:
    return db.scalar(select(HandoverSummary).where(HandoverSummary.request_id == request_id))


def previous_worker_id(db: Session, request: WorkerRequest) -> int | None:
    if request.previous_assignment_id is None:
        return None
    previous = db.get(CareAssignment, request.previous_assignment_id)
    return previous.worker_id if previous else None


@dataclass(frozen=True)
class PendingHandover:
    """A handover the person agreed to that its writer has not written yet, while they still
    can (the change is open and they still support the person). The coordinator's
    confirmation waits for it: confirming would end the writer's support and, with it, their
    chance to write."""

    request_id: int
    subject_id: int
    #: The previous worker, who is to write it.
    writer_id: int
    #: When the person agreed to the handover.
    since: datetime


def _pending(now: datetime) -> Select[WorkerRequest, int]:
    """Every pending handover, with its writer: the one definition `to_write` (the writer's
    side) and `pending_among` (the coordinator's) share."""
    return (
        select(WorkerRequest, CareAssignment.worker_id)
        .join(CareAssignment, CareAssignment.id == WorkerRequest.previous_assignment_id)
        .where(
            CareAssignment.active_at(now),
            WorkerRequest.state == RequestState.REQUESTED,
            WorkerRequest.handover_consent.is_(True),
            ~exists().where(HandoverSummary.request_id == WorkerRequest.id),
        )
        .order_by(WorkerRequest.created_at, WorkerRequest.id)
    )


def _as_pending(request: WorkerRequest, writer_id: int) -> PendingHandover:
    return PendingHandover(
        request_id=request.id,
        subject_id=request.subject_id,
        writer_id=writer_id,
        since=request.handover_consent_changed_at or request.created_at,
    )


def to_write(db: Session, worker_id: int, now: datetime) -> list[PendingHandover]:
    """The handovers this worker still has to write, oldest first: each one holds a change of
    peer worker until it is written (`choosing.write_handover` is where it is written)."""
    rows = db.execute(_pending(now).where(CareAssignment.worker_id == worker_id))
    return [_as_pending(request, writer_id) for request, writer_id in rows]


def pending_among(
    db: Session, request_ids: Collection[int], now: datetime
) -> dict[int, PendingHandover]:
    """Which of these requests wait for a handover, by request id (one query for a list)."""
    if not request_ids:
        return {}
    rows = db.execute(_pending(now).where(WorkerRequest.id.in_(request_ids)))
    return {request.id: _as_pending(request, writer_id) for request, writer_id in rows}


def pending_for(db: Session, request_id: int, now: datetime) -> PendingHandover | None:
    return pending_among(db, [request_id], now).get(request_id)


def asked_of(db: Session, worker_id: int, now: datetime) -> list[WorkerRequest]:
    """The requests of `to_write`, as rows (what the worker's home page lists)."""
    return [
        request
        for request, _ in db.execute(_pending(now).where(CareAssignment.worker_id == worker_id))
    ]


def shared_with(db: Session, worker_id: int, now: datetime) -> list[WorkerRequest]:
    """Changes to this worker whose handover summary they may read now: the person agreed, a
    summary is written, and the worker supports the person (what their home page links to;
    each read still goes through `decide_handover`)."""
    rows = db.scalars(
        select(WorkerRequest)
        .join(CareAssignment, CareAssignment.id == WorkerRequest.assignment_id)
        .join(HandoverSummary, HandoverSummary.request_id == WorkerRequest.id)
        .where(
            WorkerRequest.worker_id == worker_id,
            WorkerRequest.state == RequestState.CONFIRMED,
            WorkerRequest.handover_consent.is_(True),
            CareAssignment.active_at(now),
        )
        .order_by(WorkerRequest.decided_at.desc())
    )
    return list(rows)


class WriteState(StrEnum):
    """Where a handover stands for the worker asked to write it."""

    OPEN = "open"
    WRITTEN = "written"
    NO_CONSENT = "no_consent"
    #: The coordinator confirmed the change without waiting for it, and said why.
    CONFIRMED_WITHOUT = "confirmed_without"
    #: The change did not go ahead: the person cancelled it, or the coordinator declined it.
    NOT_MADE = "not_made"
    #: The change happened (or the worker's support ended another way) with nothing written.
    TOO_LATE = "too_late"


#: What the writer reads when there is nothing (more) to write, instead of a form.
WHY_NOT_OPEN: dict[WriteState, str] = {
    WriteState.WRITTEN: "You have already written this handover. Thank you.",
    WriteState.NO_CONSENT: "The person hasn't agreed to a handover, so there is nothing to write.",
    WriteState.CONFIRMED_WITHOUT: (
        "The coordinator confirmed the change without waiting for the handover, so there is "
        "nothing to write now. Thank you: you don't need to do anything more."
    ),
    WriteState.NOT_MADE: "The change didn't go ahead, so there is no handover to write.",
    WriteState.TOO_LATE: "The change has already happened, so the handover can't be written now.",
}


def writing_state(
    db: Session, request: WorkerRequest, previous: CareAssignment, now: datetime
) -> WriteState:
    """Whether the previous worker (of `previous`) may write the handover now, or why not."""
    if summary_for(db, request.id) is not None:
        return WriteState.WRITTEN
    if not request.handover_consent:
        return WriteState.NO_CONSENT
    if request.state in (RequestState.CANCELLED, RequestState.DECLINED):
        return WriteState.NOT_MADE
    if (
        request.state is RequestState.CONFIRMED
        and request.handover_override_reason_sealed is not None
    ):
        return WriteState.CONFIRMED_WITHOUT
    if request.state is not RequestState.REQUESTED or not previous.is_active_at(now):
        return WriteState.TOO_LATE
    return WriteState.OPEN


@step
def for_writer(db: Session, by: Acting, request_id: int) -> tuple[WorkerRequest, CareAssignment]:
    """A change away from this worker, with the assignment it ends: what they may write a
    handover for (or be told why not).

    Raises:
        LookupError: no such change, or not away from this worker (logged as denied).
    """
    request = db.get(WorkerRequest, request_id)
    previous = (
        db.get(CareAssignment, request.previous_assignment_id)
        if request is not None and request.previous_assignment_id
        else None
    )
    if request is None or previous is None or previous.worker_id != by.id:
        record_event(
            db,
            by,
            Action.HANDOVER_WRITE,
            request.subject_id if request else None,
            Target("worker_request", request_id),
            Outcome.DENIED,
            Basis.NOT_FOUND,
        )
        raise LookupError(request_id)
    return request, previous


@step
def write(db: Session, by: Acting, request_id: int, text: str) -> HandoverSummary:
    """The previous worker writes the summary, once.

    Raises:
        LookupError: not a change away from this worker (logged as denied).
        HandoverError: not open for writing (`WHY_NOT_OPEN` says why), or the text is empty or
            too long. Nothing is stored then.
    """
    now = utcnow()
    request, previous = for_writer(db, by, request_id)
    state = writing_state(db, request, previous, now)
    if state is not WriteState.OPEN:
        raise HandoverError(WHY_NOT_OPEN[state])
    text = text.strip()
    if not text:
        raise HandoverError("Please write the handover summary.", "summary")
    if len(text) > MAX_LENGTH:
        raise HandoverError(f"Please keep the summary under {MAX_LENGTH:,} characters.", "summary")
    assert by.id is not None
    row = HandoverSummary(
        request_id=request.id,
        subject_id=request.subject_id,
        author_id=by.id,
        created_at=now,
        ciphertext=seal_about(db, request.subject_id, text.encode(), _aad(request)),
    )
    db.add(row)
    db.flush()
    record_event(
        db,
        by,
        Action.HANDOVER_WRITE,
        request.subject_id,
        Target("handover_summary", row.id),
        Outcome.ALLOWED,
        Basis.CARE_ASSIGNMENT,
    )
    return row


def read(db: Session, by: Acting, request_id: int) -> tuple[HandoverSummary, str]:
    """Open a handover summary through `decide_handover`, with one log entry either way.

    Raises:
        LookupError: no summary, or refused (the same answer: a refusal looks like nothing).
    """
    now = utcnow()
    request = db.get(WorkerRequest, request_id)
    summary = summary_for(db, request_id)
    if request is None or summary is None or by.id is None:
        # A refusal's work for a miss (the queries a refusal reads), so its time tells nothing.
        db.get(CareAssignment, request.assignment_id if request else NO_SUBJECT)
        relationships(db, by).training_current()
        record_event(
            db,
            by,
            Action.HANDOVER_READ,
            request.subject_id if request else None,
            Target("worker_request", request_id),
            Outcome.DENIED,
            Basis.NOT_FOUND,
        )
        raise LookupError(request_id)
    trained = relationships(db, by).training_current()
    decision = decide_handover(handover_facts(db, by.id, request, summary.author_id, now, trained))
    # The permit names the request whose consent it rests on, like `consent:<provision>`.
    basis = (
        f"handover_consent:{request.id}" if decision.basis == "handover_consent" else decision.basis
    )
    record_event(
        db,
        by,
        Action.HANDOVER_READ,
        request.subject_id,
        Target("handover_summary", summary.id),
        Outcome.ALLOWED if decision.permitted else Outcome.DENIED,
        basis,
    )
    if not decision.permitted:
        raise LookupError(request_id)
    return summary, unseal_about(db, request.subject_id, summary.ciphertext, _aad(request)).decode()
