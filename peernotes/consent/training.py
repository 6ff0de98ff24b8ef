"""Peer workers' training records: recorded by coordinators, read by the consent gate.

A peer worker needs every module current (completed, not yet expired) for any consent-based
access; `decide()` denies them with `training_lapsed` otherwise. Records are added, never
changed: renewing a module is a new record, and the newest completion counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Outcome
from peernotes.audit.writer import AuditActor, Target, acting_basis, record_event
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent.models import TrainingModule, TrainingRecord
from peernotes.errors import Refused

PEER_WORKER_ROLES = (Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER)
#: How far ahead an expiry is worth a warning.
WARN_DAYS = 30

MODULE_LABELS: dict[TrainingModule, str] = {
    TrainingModule.NOTE_WRITING: "Note writing",
    TrainingModule.CONFIDENTIALITY: "Confidentiality",
    TrainingModule.DUTY_OF_CARE: "Duty of care",
}


class TrainingError(Refused):
    """A training record was refused; the message is safe to show."""


class ModuleState(StrEnum):
    CURRENT = "current"
    EXPIRING = "expiring"
    LAPSED = "lapsed"
    MISSING = "missing"


@dataclass(frozen=True)
class ModuleStatus:
    module: TrainingModule
    state: ModuleState
    expires_on: date | None


def record(
    db: Session,
    by: AuditActor,
    user_id: int,
    module: str,
    completed_on: date | None,
    expires_on: date | None,
    *,
    today: date,
) -> TrainingRecord:
    """Raises TrainingError on bad input; nothing is stored then."""
    person = db.get(User, user_id)
    if person is None or person.role not in PEER_WORKER_ROLES:
        raise TrainingError("Choose a peer worker.", "person")
    try:
        parsed = TrainingModule(module)
    except ValueError as exc:
        raise TrainingError("Choose a training module.", "module") from exc
    if completed_on is None:
        raise TrainingError("Give the date it was completed.", "completed_on")
    if completed_on > today:
        raise TrainingError("The completion date cannot be in the future.", "completed_on")
    if expires_on is None or expires_on <= completed_on:
        raise TrainingError("The expiry date must be after the completion date.", "expires_on")
    if expires_on - completed_on > timedelta(days=366 * 5):
        raise TrainingError("Training lasts five years at most.", "expires_on")
    assert by.id is not None
    row = TrainingRecord(
        user_id=person.id,
        module=parsed,
        completed_on=completed_on,
        expires_on=expires_on,
        recorded_by_id=by.id,
    )
    db.add(row)
    db.flush()
    record_event(
        db,
        by,
        Action.TRAINING_RECORD,
        None,
        Target("user", person.id),
        Outcome.ALLOWED,
        acting_basis(by),
    )
    return row


def status_of(db: Session, user_ids: list[int], today: date) -> dict[int, list[ModuleStatus]]:
    """Each person's state in every module, from the newest completion of each (one query)."""
    newest: dict[tuple[int, TrainingModule], TrainingRecord] = {}
    for row in db.scalars(
        select(TrainingRecord)
        .where(TrainingRecord.user_id.in_(user_ids))
        .order_by(TrainingRecord.completed_on, TrainingRecord.id)
    ):
        newest[(row.user_id, row.module)] = row
    result: dict[int, list[ModuleStatus]] = {}
    for user_id in user_ids:
        states = []
        for module in TrainingModule:
            latest = newest.get((user_id, module))
            if latest is None:
                states.append(ModuleStatus(module, ModuleState.MISSING, None))
            elif latest.expires_on < today:
                states.append(ModuleStatus(module, ModuleState.LAPSED, latest.expires_on))
            elif latest.expires_on <= today + timedelta(days=WARN_DAYS):
                states.append(ModuleStatus(module, ModuleState.EXPIRING, latest.expires_on))
            else:
                states.append(ModuleStatus(module, ModuleState.CURRENT, latest.expires_on))
        result[user_id] = states
    return result


def peer_workers(db: Session) -> list[User]:
    return list(
        db.scalars(select(User).where(User.role.in_(PEER_WORKER_ROLES)).order_by(User.display_name))
    )
