"""On-call for carers: a coordinator sets weekly times when a carer peer worker can be reached
in a crisis, and a carer's home shows who is on call now (or when the next one starts), beside
the crisis lines. Flushes, never commits.

Times are wall-clock times in the service's zone (`timefmt.zone()`), the zone every page shows
times in, so "Tuesday 18:00 to 22:00" means the same to the coordinator who set it and to the
carer reading it, whatever the server's clock says.

Who may read the roster is decided in the access layer (`access.objects.decide_on_call`). The
roster says nothing about any carer or consumer, so reading it is not logged; every change
to it is, about the worker (so it shows in their own log).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.access.authorize import holds_or_logged
from peernotes.access.objects import OnCallFacts, decide_on_call
from peernotes.audit.events import Action, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, acting_basis, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.parsing import parse_id
from peernotes.workforce.oncall import schedule
from peernotes.workforce.oncall.models import OnCallSlot
from peernotes.workforce.oncall.schedule import Window

MAX_REACH = 200
TARGET = "on_call_slot"
#: Who can be put on call for carers.
ON_CALL_ROLE = Role.CARER_PEER_WORKER


class OnCallError(Refused):
    """An on-call time could not be set or ended; nothing was changed."""


@dataclass(frozen=True)
class OnCallPerson:
    worker_id: int
    name: str
    reach: str
    #: When their stretch ends, in words ("22:00", "tomorrow at 09:00"); "" all week round.
    until: str


@dataclass(frozen=True)
class NextOnCall:
    name: str
    starts: datetime
    #: When it starts, in words ("18:00", "Friday at 09:00").
    starts_words: str


@dataclass(frozen=True)
class OnCallNow:
    now: list[OnCallPerson]
    #: Who comes on call next, when no one is now (None when no one ever is).
    next: NextOnCall | None


@dataclass(frozen=True)
class RosterRow:
    slot: OnCallSlot
    name: str
    day: str
    start: str
    end: str
    overnight: bool


def window_of(slot: OnCallSlot) -> Window:
    return Window(slot.weekday, slot.start_minute, slot.end_minute)


def _active_slots(db: Session) -> list[tuple[OnCallSlot, User]]:
    rows = db.execute(
        select(OnCallSlot, User)
        .join(User, User.id == OnCallSlot.worker_id)
        .where(OnCallSlot.ended_at.is_(None), User.active.is_(True), User.role == ON_CALL_ROLE)
        .order_by(OnCallSlot.weekday, OnCallSlot.start_minute, OnCallSlot.id)
    )
    return [(slot, user) for slot, user in rows]


def on_call(db: Session, viewer: Acting, now: datetime) -> OnCallNow | None:
    """Who is on call at `now` (aware, in the service's zone) and how to reach them; when no
    one is, who is next and when. None for someone the roster is not for."""
    if not decide_on_call(OnCallFacts(viewer.role)).permitted:
        return None
    by_worker: dict[int, list[OnCallSlot]] = defaultdict(list)
    names: dict[int, str] = {}
    for slot, user in _active_slots(db):
        by_worker[user.id].append(slot)
        names[user.id] = user.display_name
    present: list[OnCallPerson] = []
    upcoming: list[tuple[datetime, str]] = []
    for worker_id, slots in by_worker.items():
        windows = [window_of(s) for s in slots]
        covering = [s for s in slots if schedule.covers(window_of(s), now)]
        if covering:
            until = schedule.on_call_until(windows, now)
            present.append(
                OnCallPerson(
                    worker_id,
                    names[worker_id],
                    # Of two overlapping times, the one that started first says how to reach them.
                    covering[0].reach,
                    schedule.in_words(until, now) if until is not None else "",
                )
            )
        else:
            first = min(schedule.next_start(w, now) for w in windows)
            upcoming.append((first, names[worker_id]))
    present.sort(key=lambda p: p.name)
    following = None
    if not present and upcoming:
        starts, name = min(upcoming)
        following = NextOnCall(name, starts, schedule.in_words(starts, now))
    return OnCallNow(present, following)


# The coordinator's roster ------------------------------------------------------------------------


def roster(db: Session) -> list[RosterRow]:
    """Every on-call time in force, by day and start (coordinators)."""
    return [
        RosterRow(
            slot,
            user.display_name,
            schedule.WEEKDAYS[slot.weekday],
            schedule.clock_words(slot.start_minute),
            schedule.clock_words(slot.end_minute),
            window_of(slot).crosses_midnight,
        )
        for slot, user in _active_slots(db)
    ]


def workers(db: Session) -> list[User]:
    """Who may be put on call: active carer peer workers."""
    return list(
        db.scalars(
            select(User)
            .where(User.role == ON_CALL_ROLE, User.active.is_(True))
            .order_by(User.display_name)
        )
    )


@step
def add_slot(
    db: Session,
    by: Acting,
    worker_id: int,
    weekday: str,
    start: str,
    end: str,
    reach: str,
) -> OnCallSlot:
    """A coordinator puts a carer peer worker on call every week at the given times.

    Raises:
        OnCallError: not a coordinator (logged), not an active carer peer worker, a day or
            time that is not one, a start equal to the end, or no way to reach them.
    """
    if not holds_or_logged(db, by, Permission.ADMIN_ON_CALL, Action.ON_CALL_SLOT_ADD):
        raise OnCallError("Only a coordinator can set on-call times.")
    worker = db.get(User, worker_id) if worker_id else None
    if worker is None or worker.role is not ON_CALL_ROLE or not worker.active:
        raise OnCallError("Choose one of the service's carer peer workers.", "worker")
    day = parse_id(weekday)
    if day is None or not 0 <= day <= 6:
        raise OnCallError("Choose a day of the week.", "weekday")
    start_minute = schedule.parse_clock(start)
    if start_minute is None:
        raise OnCallError("Give the start as a time of day, for example 18:00.", "start")
    end_minute = schedule.parse_clock(end, end=True)
    if end_minute is None:
        raise OnCallError(
            "Give the end as a time of day, for example 22:00 (24:00 for midnight).", "end"
        )
    if end_minute == start_minute:
        raise OnCallError(
            "The end must differ from the start. For a whole day, use 00:00 to 24:00.", "end"
        )
    # An end at 00:00 is the midnight that ends the day (18:00 to 00:00 is the evening).
    end_minute = end_minute or schedule.MINUTES_PER_DAY
    how = " ".join(reach.split())
    if not how:
        raise OnCallError("Say how carers reach them, for example the on-call phone.", "reach")
    if len(how) > MAX_REACH:
        raise OnCallError(f"Keep it to {MAX_REACH} characters or fewer.", "reach")
    assert by.id is not None  # holds_or_logged
    slot = OnCallSlot(
        worker_id=worker.id,
        weekday=day,
        start_minute=start_minute,
        end_minute=end_minute,
        reach=how,
        added_by_id=by.id,
    )
    db.add(slot)
    db.flush()
    record_event(
        db,
        by,
        Action.ON_CALL_SLOT_ADD,
        worker.id,
        Target(TARGET, slot.id),
        Outcome.ALLOWED,
        acting_basis(by),
    )
    return slot


@step
def end_slot(db: Session, by: Acting, slot_id: int) -> OnCallSlot:
    """A coordinator ends an on-call time: it is kept, and no longer shown to carers.

    Raises:
        OnCallError: not a coordinator (logged), no such time, or ended already.
    """
    target = Target(TARGET, slot_id)
    if not holds_or_logged(db, by, Permission.ADMIN_ON_CALL, Action.ON_CALL_SLOT_END, target):
        raise OnCallError("Only a coordinator can change on-call times.")
    slot = db.get(OnCallSlot, slot_id)
    if slot is None:
        raise OnCallError("That on-call time is not on the roster.")
    if slot.ended_at is not None:
        raise OnCallError("That on-call time has ended already.")
    slot.ended_at = utcnow()
    slot.ended_by_id = by.id
    db.flush()
    record_event(
        db,
        by,
        Action.ON_CALL_SLOT_END,
        slot.worker_id,
        target,
        Outcome.ALLOWED,
        acting_basis(by),
    )
    return slot
