"""Reading the access log: its head, filtered pages for auditors, a person's own entries.

Pages use keyset pagination on `seq` (newest first), so page 1,000 costs what page 1 does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, not_, select
from sqlalchemy.orm import Session

from peernotes.audit.chain import GENESIS_MAC
from peernotes.audit.events import Action, Outcome
from peernotes.audit.labels import READS
from peernotes.audit.models import AuditEntry, micros_since_epoch

PAGE_SIZE = 50
#: A SELECT of whole entries (SQLAlchemy 2.1 types a Select by its row, not a tuple).
EntryQuery = Select[AuditEntry]


def head(session: Session) -> tuple[int, bytes]:
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.mac).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return (int(row[0]), bytes(row[1])) if row else (0, GENESIS_MAC)


@dataclass(frozen=True)
class Filters:
    """What an auditor narrowed the log to. Every field is optional."""

    actor_id: int | None = None
    subject_id: int | None = None
    action: Action | None = None
    outcome: Outcome | None = None
    basis_prefix: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: Any read of a person's information (`audit.labels.READS`), instead of one action.
    reads_only: bool = False
    #: A window to the instant: from `since` (included) to `until` (left out).
    since: datetime | None = None
    until: datetime | None = None
    #: Entry numbers, both included: the insight dashboard's flags name their entries exactly.
    seq_from: int | None = None
    seq_to: int | None = None

    def apply(self, query: EntryQuery, tz: ZoneInfo) -> EntryQuery:
        conditions = self.conditions(tz)
        return query.where(and_(*conditions)) if conditions else query

    def conditions(self, tz: ZoneInfo) -> list[ColumnElement[bool]]:
        """The filters as SQL conditions on `audit_log`, for a query of any columns."""
        conditions: list[ColumnElement[bool]] = []
        if self.reads_only:
            conditions.append(AuditEntry.action.in_(sorted(a.value for a in READS)))
        if self.since is not None:
            conditions.append(AuditEntry.occurred_at_us >= micros_since_epoch(self.since))
        if self.until is not None:
            conditions.append(AuditEntry.occurred_at_us < micros_since_epoch(self.until))
        if self.seq_from is not None:
            conditions.append(AuditEntry.seq >= self.seq_from)
        if self.seq_to is not None:
            conditions.append(AuditEntry.seq <= self.seq_to)
        if self.actor_id is not None:
            conditions.append(AuditEntry.actor_id == self.actor_id)
        if self.subject_id is not None:
            conditions.append(AuditEntry.subject_id == self.subject_id)
        if self.action is not None:
            conditions.append(AuditEntry.action == self.action.value)
        if self.outcome is not None:
            conditions.append(AuditEntry.outcome == self.outcome.value)
        if self.basis_prefix and ":" in self.basis_prefix:
            # A qualified basis names one thing (`emergency:1` must not match `emergency:12`).
            conditions.append(AuditEntry.basis == self.basis_prefix)
        elif self.basis_prefix:
            # The prefix is validated against the basis grammar: no LIKE wildcards in it.
            conditions.append(AuditEntry.basis.startswith(self.basis_prefix, autoescape=True))
        if self.date_from is not None:
            start = datetime.combine(self.date_from, time.min, tzinfo=tz)
            conditions.append(AuditEntry.occurred_at_us >= micros_since_epoch(start))
        if self.date_to is not None:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=tz)
            conditions.append(AuditEntry.occurred_at_us < micros_since_epoch(end))
        return conditions


@dataclass(frozen=True)
class Page:
    entries: list[AuditEntry]
    newer: int | None  # pass as `after` for the newer page, or None at the top
    older: int | None  # pass as `before` for the older page, or None at the end


def page(
    session: Session,
    query: EntryQuery,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page, newest first, just older than `before` or just newer than `after`."""
    if after is not None:
        rows = list(
            session.scalars(
                query.where(AuditEntry.seq > after).order_by(AuditEntry.seq.asc()).limit(size + 1)
            )
        )
        more_newer = len(rows) > size
        entries = list(reversed(rows[:size]))
        return Page(
            entries,
            newer=entries[0].seq if more_newer and entries else None,
            older=entries[-1].seq if entries else None,
        )
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    rows = list(session.scalars(query.order_by(AuditEntry.seq.desc()).limit(size + 1)))
    entries = rows[:size]
    return Page(
        entries,
        newer=entries[0].seq if before is not None and entries else None,
        older=entries[-1].seq if len(rows) > size else None,
    )


def all_matching(session: Session, query: EntryQuery, batch: int = 1000) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, fetched in keyset batches (for exports)."""
    before: int | None = None
    while True:
        q = query if before is None else query.where(AuditEntry.seq < before)
        rows = list(session.scalars(q.order_by(AuditEntry.seq.desc()).limit(batch)))
        yield from rows
        if len(rows) < batch:
            return
        before = rows[-1].seq


def about_subject(subject_id: int) -> EntryQuery:
    """Entries about one person, as their own page shows them.

    Their own visits to that very page are left out of the view (they are still in the log):
    otherwise every visit would add a line about itself.
    """
    return select(AuditEntry).where(
        AuditEntry.subject_id == subject_id,
        not_(
            and_(
                AuditEntry.actor_id == subject_id,
                AuditEntry.action == Action.AUDIT_VIEW_OWN.value,
            )
        ),
    )
