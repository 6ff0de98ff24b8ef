"""Supervision: each peer worker's supervising clinician. Flushes, never commits.

A worker has one current supervisor. Changing it ends the current row and adds a new one:
nothing is deleted, so "who supervised Sam on 3 May" always has an answer. The supervisor is
the clinician asked to co-sign the worker's risk concerns (`peernotes.risk.service`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.supervision.models import Supervision

PEER_WORKER_ROLES = (Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER)


class SupervisionError(Refused):
    """A supervision change was refused; the message is safe to show."""


def current(db: Session, worker_id: int) -> Supervision | None:
    """The worker's supervision in force (the newest, should there ever be two)."""
    return db.scalar(
        select(Supervision)
        .where(Supervision.worker_id == worker_id, Supervision.ended_at.is_(None))
        .order_by(Supervision.started_at.desc(), Supervision.id.desc())
        .limit(1)
    )


def history(db: Session, worker_ids: Iterable[int]) -> dict[int, list[Supervision]]:
    """Every supervision of these workers, newest first."""
    ids = set(worker_ids)
    found: dict[int, list[Supervision]] = {i: [] for i in ids}
    if not ids:
        return found
    for row in db.scalars(
        select(Supervision)
        .where(Supervision.worker_id.in_(ids))
        .order_by(Supervision.started_at.desc(), Supervision.id.desc())
    ):
        found[row.worker_id].append(row)
    return found


def peer_workers(db: Session) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .where(User.role.in_(PEER_WORKER_ROLES), User.active.is_(True))
            .order_by(User.display_name)
        )
    )


def clinicians(db: Session) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .where(User.role == Role.CLINICIAN, User.active.is_(True))
            .order_by(User.display_name)
        )
    )


@step
def set_supervisor(db: Session, by: Acting, worker_id: int, clinician_id: int) -> Supervision:
    """A coordinator names a peer worker's supervising clinician.

    Raises:
        SupervisionError: not a coordinator (logged), not an active peer worker and an active
            clinician, or already this supervisor (nothing changes).
    """
    if by.role is not Role.ADMIN:
        logged = Target("user", worker_id)
        record_event(
            db, by, Action.SUPERVISOR_SET, None, logged, Outcome.DENIED, Basis.NO_PERMISSION
        )
        raise SupervisionError("Only a coordinator can set supervisors.")
    worker = db.get(User, worker_id)
    if worker is None or worker.role not in PEER_WORKER_ROLES or not worker.active:
        raise SupervisionError("Choose a peer worker.", "worker")
    supervisor = db.get(User, clinician_id)
    if supervisor is None or supervisor.role is not Role.CLINICIAN or not supervisor.active:
        raise SupervisionError("Choose a clinician as the supervisor.", "supervisor")
    now = utcnow()
    in_force = list(
        db.scalars(
            select(Supervision).where(
                Supervision.worker_id == worker.id, Supervision.ended_at.is_(None)
            )
        )
    )
    if any(s.supervisor_id == supervisor.id for s in in_force):
        raise SupervisionError(
            f"{supervisor.display_name} already supervises {worker.display_name}.", "supervisor"
        )
    for previous in in_force:
        previous.ended_at = now
    row = Supervision(worker_id=worker.id, supervisor_id=supervisor.id, started_at=now)
    db.add(row)
    db.flush()
    logged = Target("supervision", row.id)
    record_event(db, by, Action.SUPERVISOR_SET, None, logged, Outcome.ALLOWED, acting_basis(by))
    return row
