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
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.errors import Refused
from peernotes.training.models import TrainingModule, TrainingRecord

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


def check_dates(
    completed_on: date | None, expires_on: date | None, *, today: date
) -> tuple[date, date]:
    """The rules every training record's dates follow, by form or by CSV import.

    Raises TrainingError naming the field at fault.
    """
    if completed_on is None:
        raise TrainingError("Give the date it was completed.", "completed_on")
    if completed_on > today:
        raise TrainingError("The completion date cannot be in the future.", "completed_on")
    if expires_on is None or expires_on <= completed_on:
        raise TrainingError("The expiry date must be after the completion date.", "expires_on")
    if expires_on - completed_on > timedelta(days=366 * 5):
        raise TrainingError("Training lasts five years at most.", "expires_on")
    return completed_on, expires_on


@step
def record(
    db: Session,
    by: Acting,
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
    completed_on, expires_on = check_dates(completed_on, expires_on, today=today)
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
    logged = Target("user", person.id)
    record_event(db, by, Action.TRAINING_RECORD, None, logged, Outcome.ALLOWED, acting_basis(by))
    return row


def status_of(db: Session, user_ids: list[int], today: date) -> dict[int, list[ModuleStatus]]:
    """Each person's state in every module, from the newest completion of each (one query).

    The same rule as the consent gate's (`access.queries._trained`); a property test holds the two
    to the same answer."""
    newest: dict[tuple[int, TrainingModule], TrainingRecord] = {}
    for row in db.scalars(
        select(TrainingRecord)
        .where(TrainingRecord.user_id.in_(user_ids), TrainingRecord.completed_on <= today)
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


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _module_words(module: TrainingModule) -> str:
    return MODULE_LABELS[module].lower()


#: What lapsed or missing training means, in the worker's words (the consent gate's effect).
ACCESS_EFFECT = (
    "Until it is renewed you can't see anything the people you support have shared with you by"
    " consent (their records and shared notes). Your coordinator can record the renewal."
)
MISSING_EFFECT = (
    "Until it is recorded you can't see anything the people you support have shared with you"
    " by consent (their records and shared notes). Your coordinator can record it once you"
    " have done it."
)


def explain(states: list[ModuleStatus], today: date) -> list[str]:
    """Plain sentences for the worker about each module that is lapsed, missing or expiring
    soon: lapsed and missing first, since they already change what the worker can see."""
    lapsed, soon = [], []
    for s in states:
        words = _module_words(s.module)
        if s.state is ModuleState.LAPSED and s.expires_on is not None:
            lapsed.append(f"Your {words} training lapsed on {_day(s.expires_on)}. {ACCESS_EFFECT}")
        elif s.state is ModuleState.MISSING:
            lapsed.append(f"There is no {words} training on record for you. {MISSING_EFFECT}")
        elif s.state is ModuleState.EXPIRING and s.expires_on is not None:
            days = (s.expires_on - today).days
            left = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
            soon.append(
                f"Your {words} training expires on {_day(s.expires_on)} ({left}). Renew it"
                " before then, so nothing changes for the people you support; your"
                " coordinator records the renewal."
            )
    return lapsed + soon


def warnings_for(db: Session, user_id: int, today: date) -> list[str]:
    """What a peer worker should know about their own training today: modules lapsed or
    missing (with what that means for them) and modules expiring within WARN_DAYS days.
    Empty for anyone who is not a peer worker, or whose training is all current."""
    person = db.get(User, user_id)
    if person is None or person.role not in PEER_WORKER_ROLES:
        return []
    return explain(status_of(db, [user_id], today)[user_id], today)


@dataclass(frozen=True)
class Attention:
    """One peer worker's module that needs a coordinator's attention."""

    person: User
    status: ModuleStatus


def needing_attention(db: Session, today: date) -> tuple[list[Attention], list[Attention]]:
    """For the coordinator: (expiring within WARN_DAYS days, soonest first; lapsed or
    missing) across active peer workers."""
    workers = [w for w in peer_workers(db) if w.active]
    status = status_of(db, [w.id for w in workers], today)
    expiring: list[Attention] = []
    lapsed: list[Attention] = []
    for w in workers:
        for s in status[w.id]:
            if s.state is ModuleState.EXPIRING:
                expiring.append(Attention(w, s))
            elif s.state in (ModuleState.LAPSED, ModuleState.MISSING):
                lapsed.append(Attention(w, s))
    expiring.sort(key=lambda a: (a.status.expires_on or today, a.person.display_name))
    return expiring, lapsed
