"""The days the dashboard counts, and links from its numbers into the access log.

A window is whole local days ending today, in the service's time zone (`timefmt.zone`), held as
UTC instants because the log keeps microseconds since the epoch, UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_

from peernotes.audit import log
from peernotes.audit.events import Outcome
from peernotes.audit.labels import READS, READS_CHOICE
from peernotes.audit.models import AuditEntry, micros_since_epoch
from peernotes.auth.roles import STAFF_ROLES

US = 1_000_000
READ_CODES = tuple(sorted(a.value for a in READS))
#: Clinicians and peer workers: whoever reads people's information by their job.
STAFF_CODES = tuple(sorted(r.value for r in STAFF_ROLES))


@dataclass(frozen=True)
class Window:
    """Whole local days: `first_day` to `last_day` (today), as UTC instants `[start, end)`."""

    first_day: date
    last_day: date
    start: datetime
    end: datetime
    tz: ZoneInfo

    @classmethod
    def ending(cls, today: date, days: int, tz: ZoneInfo) -> Window:
        first = today - timedelta(days=days - 1)
        end = local_instant(today + timedelta(days=1), 0, tz)
        return cls(first, today, local_instant(first, 0, tz), end, tz)

    @property
    def start_us(self) -> int:
        return micros_since_epoch(self.start)

    @property
    def end_us(self) -> int:
        return micros_since_epoch(self.end)

    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=i)
            for i in range((self.last_day - self.first_day).days + 1)
        ]

    def holds(self) -> ColumnElement[bool]:
        return and_(
            AuditEntry.occurred_at_us >= self.start_us, AuditEntry.occurred_at_us < self.end_us
        )

    def filters(
        self,
        *,
        actor_id: int,
        outcome: Outcome,
        subject_id: int | None = None,
        reads_only: bool = False,
    ) -> log.Filters:
        """Log filters for one person's entries in these days."""
        return log.Filters(
            actor_id=actor_id,
            subject_id=subject_id,
            outcome=outcome,
            reads_only=reads_only,
            since=self.start,
            until=self.end,
        )


def local_instant(day: date, hour: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of `hour`:00 local time on `day`."""
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def moment(us: int) -> datetime:
    """An entry's `occurred_at_us` as an aware UTC datetime (exact: no float in between)."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


def reads_by_others(window: Window) -> list[ColumnElement[bool]]:
    """Allowed reads of a person's information in the window, by someone else."""
    return [
        window.holds(),
        AuditEntry.outcome == Outcome.ALLOWED.value,
        AuditEntry.action.in_(READ_CODES),
        AuditEntry.actor_id.is_not(None),
        AuditEntry.subject_id.is_not(None),
        AuditEntry.actor_id != AuditEntry.subject_id,
    ]


def log_query(filters: log.Filters, tz: ZoneInfo) -> dict[str, str]:
    """The access log's GET parameters for `filters` (`accesslog.forms.LogFilterForm`).

    `since` and `until` must be whole seconds: the log's "to" time includes the whole second
    it names, so `until` is given as the second before it.
    """
    query: dict[str, str] = {}
    if filters.actor_id is not None:
        query["actor_id"] = str(filters.actor_id)
    if filters.subject_id is not None:
        query["subject_id"] = str(filters.subject_id)
    if filters.reads_only:
        query["action"] = READS_CHOICE
    elif filters.action is not None:
        query["action"] = filters.action.value
    if filters.outcome is not None:
        query["outcome"] = filters.outcome.value
    if filters.basis_prefix:
        query["basis"] = filters.basis_prefix
    if filters.since is not None:
        since = filters.since.astimezone(tz)
        query["date_from"] = since.date().isoformat()
        if since.time() != time.min and _says(since, tz):
            query["time_from"] = since.strftime("%H:%M:%S")
    if filters.until is not None:
        last = (filters.until - timedelta(seconds=1)).astimezone(tz)
        query["date_to"] = last.date().isoformat()
        if last.time() != time(23, 59, 59) and _says(last, tz):
            query["time_to"] = last.strftime("%H:%M:%S")
    if filters.seq_from is not None:
        query["seq_from"] = str(filters.seq_from)
    if filters.seq_to is not None:
        query["seq_to"] = str(filters.seq_to)
    return query


def _says(local: datetime, tz: ZoneInfo) -> bool:
    """Whether the wall-clock time names this instant. In the hour repeated when daylight
    saving ends it may name the other one; the link then gives the whole day instead, which
    only widens the window (its entry numbers keep it exact)."""
    wall = datetime.combine(local.date(), local.time(), tzinfo=tz)
    return wall.astimezone(UTC) == local.astimezone(UTC)
