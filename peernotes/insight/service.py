"""The access log in aggregate, for auditors: entries per day, emergency access and its
review, who reads each person's information, and the flagged patterns (`insight.flags`).

Everything is counted from `audit_log` (and, for emergency access, the table that gives those
entries their meaning) over a window of whole local days ending today. Counts are aggregated
in SQL; Python only sums quarter hours into days and arranges the ranked rows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.audit import log
from peernotes.audit.events import Action, Outcome
from peernotes.audit.models import AuditEntry, micros_since_epoch
from peernotes.emergency.models import EmergencyAccess, ReviewOutcome
from peernotes.insight.flags import Flag, FlagKind, find_flags
from peernotes.insight.window import US, Window, local_instant, reads_by_others

#: Day counts are grouped in SQL by quarter hour from the window's first local midnight, then
#: summed into local days here. Every time zone's offset, and every daylight-saving shift, is a
#: whole number of quarter hours, so each local midnight falls on a quarter-hour boundary and
#: no quarter hour straddles two days. (Grouping by UTC day would be wrong away from UTC.)
_QUARTER_US = 15 * 60 * US


@dataclass(frozen=True)
class Settings:
    """What the auditor asked for (the dashboard's GET parameters, validated)."""

    days: int = 30
    top: int = 5
    person: int | None = None
    night_from: int = 22
    night_to: int = 6
    burst_count: int = 5
    burst_minutes: int = 10


# Accesses and refusals per day -----------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: date
    allowed: int
    refused: int


def per_day(db: Session, window: Window) -> list[DayCount]:
    """Every entry in the window, allowed and refused, by local day (empty days included)."""
    bucket = ((AuditEntry.occurred_at_us - window.start_us) // _QUARTER_US).label("bucket")
    rows = db.execute(
        select(bucket, AuditEntry.outcome, func.count())
        .where(window.holds())
        .group_by(bucket, AuditEntry.outcome)
    ).all()
    days = window.days()
    starts = [micros_since_epoch(local_instant(d, 0, window.tz)) for d in days]
    allowed = [0] * len(days)
    refused = [0] * len(days)
    for quarter, outcome, n in rows:
        index = bisect_right(starts, window.start_us + int(quarter) * _QUARTER_US) - 1
        (refused if outcome == Outcome.DENIED.value else allowed)[index] += int(n)
    return [DayCount(d, a, r) for d, a, r in zip(days, allowed, refused, strict=True)]


# Emergency access ---------------------------------------------------------------------------


class ReviewStatus(StrEnum):
    WAITING = "waiting"
    JUSTIFIED = "justified"
    NOT_JUSTIFIED = "not_justified"


REVIEW_WORDS = {
    ReviewStatus.WAITING: "Waiting for review",
    ReviewStatus.JUSTIFIED: "Justified",
    ReviewStatus.NOT_JUSTIFIED: "Not justified",
}


@dataclass(frozen=True)
class EmergencyUse:
    id: int
    clinician_id: int
    subject_id: int
    starts_at: datetime
    ends_at: datetime
    status: ReviewStatus
    #: Allowed entries under its basis (`emergency:<id>`), its own opening left out.
    reads: int

    @property
    def basis(self) -> str:
        return f"emergency:{self.id}"


def emergency_uses(db: Session, window: Window) -> list[EmergencyUse]:
    """Uses of emergency access opened in the window, newest first, with their reads."""
    accesses = list(
        db.scalars(
            select(EmergencyAccess)
            .where(
                EmergencyAccess.starts_at >= window.start, EmergencyAccess.starts_at < window.end
            )
            .order_by(EmergencyAccess.id.desc())
        )
    )
    bases = [f"emergency:{a.id}" for a in accesses]
    reads: dict[str, int] = {}
    if bases:
        reads = {
            basis: int(n)
            for basis, n in db.execute(
                select(AuditEntry.basis, func.count())
                .where(
                    AuditEntry.basis.in_(bases),
                    AuditEntry.outcome == Outcome.ALLOWED.value,
                    AuditEntry.action != Action.EMERGENCY_START.value,
                    # Reads come after the opening, which is in the window: the index on time
                    # narrows the search to the window's entries.
                    AuditEntry.occurred_at_us >= window.start_us,
                )
                .group_by(AuditEntry.basis)
            )
        }
    statuses = {
        None: ReviewStatus.WAITING,
        ReviewOutcome.JUSTIFIED: ReviewStatus.JUSTIFIED,
        ReviewOutcome.NOT_JUSTIFIED: ReviewStatus.NOT_JUSTIFIED,
    }
    return [
        EmergencyUse(
            a.id,
            a.clinician_id,
            a.subject_id,
            a.starts_at,
            a.ends_at,
            statuses[a.review_outcome],
            reads.get(f"emergency:{a.id}", 0),
        )
        for a in accesses
    ]


def by_status(uses: Iterable[EmergencyUse]) -> dict[ReviewStatus, int]:
    counts = dict.fromkeys(ReviewStatus, 0)
    for use in uses:
        counts[use.status] += 1
    return counts


# Who reads each person's information -------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    actor_id: int
    reads: int


@dataclass(frozen=True)
class SubjectReaders:
    subject_id: int
    #: Allowed reads of this person's information by anyone but themselves.
    reads: int
    readers: int
    top: tuple[Reader, ...]


def top_readers(db: Session, window: Window, top: int) -> list[SubjectReaders]:
    """For each person whose information others read in the window, the `top` readers by
    reads (ties by id), most-read people first. A person reading their own is left out."""
    pairs = (
        select(AuditEntry.subject_id, AuditEntry.actor_id, func.count().label("n"))
        .where(*reads_by_others(window))
        .group_by(AuditEntry.subject_id, AuditEntry.actor_id)
        .subquery()
    )
    ranked = select(
        pairs.c.subject_id,
        pairs.c.actor_id,
        pairs.c.n,
        func.row_number()
        .over(partition_by=pairs.c.subject_id, order_by=(pairs.c.n.desc(), pairs.c.actor_id))
        .label("rank"),
        func.sum(pairs.c.n).over(partition_by=pairs.c.subject_id).label("total"),
        func.count().over(partition_by=pairs.c.subject_id).label("readers"),
    ).subquery()
    rows = db.execute(
        select(ranked.c.subject_id, ranked.c.actor_id, ranked.c.n, ranked.c.total, ranked.c.readers)
        .where(ranked.c.rank <= top)
        .order_by(ranked.c.total.desc(), ranked.c.subject_id, ranked.c.rank)
    ).all()
    found: dict[int, SubjectReaders] = {}
    for subject_id, actor_id, n, total, readers in rows:
        current = found.get(subject_id)
        reader = Reader(int(actor_id), int(n))
        found[subject_id] = SubjectReaders(
            int(subject_id),
            int(total),
            int(readers),
            (*current.top, reader) if current else (reader,),
        )
    return list(found.values())


# The report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    settings: Settings
    window: Window
    days: list[DayCount]
    emergency: list[EmergencyUse]
    readers: list[SubjectReaders]
    #: The person whose readers the chart shows: the one asked for, else the most read.
    person: SubjectReaders | None
    flags: list[Flag]

    @property
    def allowed(self) -> int:
        return sum(d.allowed for d in self.days)

    @property
    def refused(self) -> int:
        return sum(d.refused for d in self.days)

    def flags_of(self, kind: FlagKind) -> list[Flag]:
        return [f for f in self.flags if f.kind is kind]

    # The log filters behind the numbers, for links to the entries they count.

    def on_day(self, day: date, *, refused: bool) -> log.Filters:
        return log.Filters(
            outcome=Outcome.DENIED if refused else Outcome.ALLOWED,
            since=local_instant(day, 0, self.window.tz),
            until=local_instant(day + timedelta(days=1), 0, self.window.tz),
        )

    def reads_by(self, actor_id: int, subject_id: int) -> log.Filters:
        return self.window.filters(
            actor_id=actor_id, subject_id=subject_id, outcome=Outcome.ALLOWED, reads_only=True
        )

    @staticmethod
    def under(use: EmergencyUse) -> log.Filters:
        """Every entry under one use of emergency access: its opening and its reads."""
        return log.Filters(basis_prefix=use.basis)


def report(db: Session, settings: Settings, *, today: date, tz: ZoneInfo) -> Report:
    window = Window.ending(today, settings.days, tz)
    readers = top_readers(db, window, settings.top)
    person: SubjectReaders | None = readers[0] if readers else None
    if settings.person is not None:
        person = next(
            (r for r in readers if r.subject_id == settings.person),
            SubjectReaders(settings.person, 0, 0, ()),
        )
    return Report(
        settings,
        window,
        per_day(db, window),
        emergency_uses(db, window),
        readers,
        person,
        flags_for(db, window, settings),
    )


def flags_for(db: Session, window: Window, settings: Settings) -> list[Flag]:
    """The flags in `window` under these settings (the dashboard's, and the auditor's
    "Needs attention" item's with the default settings)."""
    return find_flags(
        db,
        window,
        night_from=settings.night_from,
        night_to=settings.night_to,
        burst_count=settings.burst_count,
        burst_minutes=settings.burst_minutes,
    )
