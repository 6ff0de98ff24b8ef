"""Flagged patterns in the access log: sets of entries that deserve an auditor's look.

A flag names its entries exactly: it carries the log filter (`audit.log.Filters`) that lists
those entries and no others, so its link opens the access log on precisely what it counted.

- **Outside their caseload**: a worker read a person's information while no care assignment
  joined them (`_outside_caseload` says precisely what counts, and why).
- **Unusual hours**: a worker read someone else's information at night, local time.
- **A burst of refusals**: N or more of one person's refused attempts within M minutes.

Candidates are picked in SQL; only they (and, for a caseload, the assignments of the people
involved) come back to be grouped into runs.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from peernotes.audit import log
from peernotes.audit.events import Outcome
from peernotes.audit.models import AuditEntry, micros_since_epoch
from peernotes.care.models import CareAssignment
from peernotes.insight.window import (
    STAFF_CODES,
    US,
    Window,
    local_instant,
    moment,
    reads_by_others,
)

#: Scope queries per round trip (SQLite allows 500 terms in one compound SELECT).
_UNION_CHUNK = 100

#: Bases under which a worker reads someone outside their caseload by the service's own design,
#: not by their choice of whom to read: the supervisor of the person's worker (agreements,
#: sessions), the co-signer a risk concern names (duty of care), a group's facilitator. And
#: `care_assignment`, which `decide()` grants only while an assignment is active, so such a
#: read is inside the caseload by definition.
_CASELOAD_BASES = ("care_assignment", "supervisor", "duty_of_care", "facilitator")


class FlagKind(StrEnum):
    OUTSIDE_CASELOAD = "outside_caseload"
    UNUSUAL_HOURS = "unusual_hours"
    DENIAL_BURST = "denial_burst"


FLAG_WORDS = {
    FlagKind.OUTSIDE_CASELOAD: "Reading outside their caseload",
    FlagKind.UNUSUAL_HOURS: "Reading at unusual hours",
    FlagKind.DENIAL_BURST: "Bursts of refusals",
}


@dataclass(frozen=True)
class FlagEntry:
    seq: int
    at: datetime
    subject_id: int | None
    action: str
    basis: str


@dataclass(frozen=True)
class Flag:
    kind: FlagKind
    actor_id: int
    entries: tuple[FlagEntry, ...]
    #: The log filter that lists exactly `entries`.
    link: log.Filters

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def first_at(self) -> datetime:
        return min(e.at for e in self.entries)

    @property
    def last_at(self) -> datetime:
        return max(e.at for e in self.entries)

    @property
    def subject_ids(self) -> list[int]:
        return sorted({e.subject_id for e in self.entries if e.subject_id is not None})

    @property
    def bases(self) -> list[str]:
        return sorted({e.basis for e in self.entries})

    @property
    def actions(self) -> list[str]:
        return sorted({e.action for e in self.entries})


@dataclass
class _Candidates:
    """Entries a pattern picked, grouped; each group is checked against its scope (`_runs`)."""

    kind: FlagKind
    #: Per group: the filter every entry of the group matches (without entry numbers)...
    scopes: list[log.Filters] = field(default_factory=list)
    #: ...and the group's flagged entry numbers.
    seqs: list[set[int]] = field(default_factory=list)

    def add(self, scope: log.Filters, seqs: set[int]) -> None:
        self.scopes.append(scope)
        self.seqs.append(seqs)


def _known(person_id: int | None) -> int:
    """An id the query asked to be there (`actor_id IS NOT NULL`)."""
    assert person_id is not None
    return person_id


def _outside_caseload(db: Session, window: Window) -> _Candidates:
    """A worker's allowed reads of someone with whom no care assignment was active then.

    Why this definition: the caseload is the care assignments; everything a worker is asked to
    do for a person starts from one. A read of someone outside it (on their consent, on a
    share with the worker's role or team, by emergency access, or as the author of something
    written while they were assigned) may be right, but it is the case an auditor looks at.
    Reads a relationship other than the caseload requires by design are left out
    (`_CASELOAD_BASES`). "Active then" is `CareAssignment.is_active_at`, the rule the access
    layer itself applies, at the entry's moment.
    """
    rows = db.execute(
        select(
            AuditEntry.seq, AuditEntry.occurred_at_us, AuditEntry.actor_id, AuditEntry.subject_id
        ).where(
            *reads_by_others(window),
            AuditEntry.actor_role.in_(STAFF_CODES),
            AuditEntry.basis.not_in(_CASELOAD_BASES),
        )
    ).all()
    found = _Candidates(FlagKind.OUTSIDE_CASELOAD)
    if not rows:
        return found
    actors = {_known(r[2]) for r in rows}
    subjects = {_known(r[3]) for r in rows}
    assignments: dict[tuple[int, int], list[CareAssignment]] = defaultdict(list)
    for a in db.scalars(
        select(CareAssignment).where(
            CareAssignment.worker_id.in_(actors), CareAssignment.subject_id.in_(subjects)
        )
    ):
        assignments[(a.worker_id, a.subject_id)].append(a)
    flagged: dict[tuple[int, int], set[int]] = defaultdict(set)
    for seq, us, actor_id, subject_id in rows:
        pair = (_known(actor_id), _known(subject_id))
        at = moment(int(us))
        if not any(a.is_active_at(at) for a in assignments[pair]):
            flagged[pair].add(int(seq))
    for (actor_id, subject_id), seqs in sorted(flagged.items()):
        found.add(
            window.filters(
                actor_id=actor_id,
                subject_id=subject_id,
                outcome=Outcome.ALLOWED,
                reads_only=True,
            ),
            seqs,
        )
    return found


def night_intervals(window: Window, night_from: int, night_to: int) -> list[tuple[int, int]]:
    """The window's unusual hours as `[start, end)` microsecond intervals, in order. From 22 to
    6 is each night from 22:00 to 06:00 the next morning, local time; from 1 to 5 is within
    each day."""
    intervals = []
    for day in [window.first_day - timedelta(days=1), *window.days()]:
        next_day = day + timedelta(days=1) if night_from > night_to else day
        start = micros_since_epoch(local_instant(day, night_from, window.tz))
        end = micros_since_epoch(local_instant(next_day, night_to, window.tz))
        start, end = max(start, window.start_us), min(end, window.end_us)
        if start < end:
            intervals.append((start, end))
    return intervals


def _unusual_hours(db: Session, window: Window, night_from: int, night_to: int) -> _Candidates:
    """A worker's allowed reads of someone else's information in the unusual hours, one group
    per worker per night. Consumers and carers are left out: they read what was shared with
    them whenever they like; a worker reads by their job."""
    found = _Candidates(FlagKind.UNUSUAL_HOURS)
    intervals = night_intervals(window, night_from, night_to)
    if not intervals:
        return found
    rows = db.execute(
        select(AuditEntry.seq, AuditEntry.occurred_at_us, AuditEntry.actor_id).where(
            *reads_by_others(window),
            AuditEntry.actor_role.in_(STAFF_CODES),
            or_(
                *(
                    and_(AuditEntry.occurred_at_us >= s, AuditEntry.occurred_at_us < e)
                    for s, e in intervals
                )
            ),
        )
    ).all()
    starts = [s for s, _ in intervals]
    groups: dict[tuple[int, int], set[int]] = defaultdict(set)
    for seq, us, actor_id in rows:
        night = bisect_right(starts, int(us)) - 1
        groups[(_known(actor_id), night)].add(int(seq))
    for (actor_id, _night), seqs in sorted(groups.items()):
        found.add(window.filters(actor_id=actor_id, outcome=Outcome.ALLOWED, reads_only=True), seqs)
    return found


def _denial_bursts(db: Session, window: Window, count: int, minutes: int) -> _Candidates:
    """Bursts: maximal runs of one person's consecutive refusals in which each refusal is one of
    `count` in a row spanning at most `minutes` minutes. Refusals with nobody
    signed in (an unknown email at sign-in) have no person to group them by, and are left out.
    """
    found = _Candidates(FlagKind.DENIAL_BURST)
    denied = [window.holds(), AuditEntry.outcome == Outcome.DENIED.value]
    actors = list(
        db.scalars(
            select(AuditEntry.actor_id)
            .where(*denied, AuditEntry.actor_id.is_not(None))
            .group_by(AuditEntry.actor_id)
            .having(func.count() >= count)
        )
    )
    if not actors:
        return found
    refusals: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for seq, us, actor_id in db.execute(
        select(AuditEntry.seq, AuditEntry.occurred_at_us, AuditEntry.actor_id)
        .where(*denied, AuditEntry.actor_id.in_(actors))
        .order_by(AuditEntry.seq)
    ):
        refusals[_known(actor_id)].append((int(seq), int(us)))
    span = minutes * 60 * US
    n = count
    for actor_id, entries in sorted(refusals.items()):
        member = [False] * len(entries)
        for i in range(len(entries) - n + 1):
            times = [us for _, us in entries[i : i + n]]
            if max(times) - min(times) <= span:
                member[i : i + n] = [True] * n
        run: set[int] = set()
        for (seq, _), is_member in zip(entries, member, strict=True):
            if is_member:
                run.add(seq)
            elif run:
                found.add(window.filters(actor_id=actor_id, outcome=Outcome.DENIED), run)
                run = set()
        if run:
            found.add(window.filters(actor_id=actor_id, outcome=Outcome.DENIED), run)
    return found


def _scope_entries(
    db: Session, scopes: Sequence[log.Filters], tz: ZoneInfo
) -> list[list[FlagEntry]]:
    """Every entry each scope lists, in order of entry number: one round trip per hundred."""
    found: list[list[FlagEntry]] = [[] for _ in scopes]
    for offset in range(0, len(scopes), _UNION_CHUNK):
        selects = [
            select(
                literal(offset + i, Integer).label("g"),
                AuditEntry.seq,
                AuditEntry.occurred_at_us,
                AuditEntry.subject_id,
                AuditEntry.action,
                AuditEntry.basis,
            ).where(*scope.conditions(tz))
            for i, scope in enumerate(scopes[offset : offset + _UNION_CHUNK])
        ]
        for g, seq, us, subject_id, action, basis in db.execute(union_all(*selects)):
            found[int(g)].append(FlagEntry(int(seq), moment(int(us)), subject_id, action, basis))
    for entries in found:
        entries.sort(key=lambda e: e.seq)
    return found


def _whole_second(at: datetime) -> datetime:
    return at.replace(microsecond=0)


def _runs(db: Session, candidates: _Candidates, tz: ZoneInfo) -> list[Flag]:
    """Each group's flagged entries as flags whose links list exactly them.

    A group's scope (its actor, and subject or outcome, over the window) is read between its
    first and last flagged entry; maximal runs of flagged entries in it become flags, each
    linking to its scope narrowed to the run's entry numbers and times. Any entry of the scope
    that was not flagged ends a run, so a link never shows an entry the flag did not count.
    """
    narrowed = [
        replace(scope, seq_from=min(seqs), seq_to=max(seqs))
        for scope, seqs in zip(candidates.scopes, candidates.seqs, strict=True)
    ]
    flags: list[Flag] = []
    for scope, seqs, entries in zip(
        candidates.scopes, candidates.seqs, _scope_entries(db, narrowed, tz), strict=True
    ):
        run: list[FlagEntry] = []
        for entry in [*entries, None]:
            if entry is not None and entry.seq in seqs:
                run.append(entry)
                continue
            if run:
                first, last = min(e.at for e in run), max(e.at for e in run)
                link = replace(
                    scope,
                    seq_from=run[0].seq,
                    seq_to=run[-1].seq,
                    since=_whole_second(first),
                    until=_whole_second(last) + timedelta(seconds=1),
                )
                assert scope.actor_id is not None
                flags.append(Flag(candidates.kind, scope.actor_id, tuple(run), link))
                run = []
    return flags


def find_flags(
    db: Session,
    window: Window,
    *,
    night_from: int,
    night_to: int,
    burst_count: int,
    burst_minutes: int,
) -> list[Flag]:
    """Every flag in the window: by kind, newest first within each."""
    found: list[Flag] = []
    for candidates in (
        _outside_caseload(db, window),
        _unusual_hours(db, window, night_from, night_to),
        _denial_bursts(db, window, burst_count, burst_minutes),
    ):
        found.extend(
            sorted(_runs(db, candidates, window.tz), key=lambda f: f.last_at, reverse=True)
        )
    return found
