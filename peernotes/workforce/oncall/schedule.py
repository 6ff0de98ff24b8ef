"""Weekly on-call windows against a moment in the service's local time. Pure: no Flask, no
SQLAlchemy, no clock (the caller passes `now`, already in the service's time zone).

Windows are wall-clock times where the service is ("Tuesday 18:00 to 22:00" in Melbourne),
so every moment here is an aware datetime in the service's zone, and arithmetic on it is
wall-clock arithmetic: a window that starts at 18:00 starts at 18:00 local on the day the
clocks change, too.

Edges, each pinned by tests/workforce/test_oncall.py:
  - a window covers its start minute and not its end minute (18:00 to 22:00 covers 21:59,
    not 22:00);
  - an end at or before the start runs past midnight into the next day, and Sunday's
    night window runs into Monday (the week wraps);
  - windows of one worker that meet (Monday 00:00–24:00, Tuesday 00:00–09:00) read as one
    stretch: "on call until Tuesday at 09:00", not "until midnight".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

MINUTES_PER_DAY = 24 * 60
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Window:
    """Every week on `weekday` (0 is Monday) from `start` to `end`, minutes after midnight."""

    weekday: int
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday} is not 0 to 6")
        if not 0 <= self.start < MINUTES_PER_DAY:
            raise ValueError(f"start {self.start} is not a minute of the day")
        if not 0 < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"end {self.end} is not a minute of the day or its end")

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def length(self) -> int:
        """Minutes from start to end."""
        return self.end - self.start + (MINUTES_PER_DAY if self.crosses_midnight else 0)


def _midnight(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(), tzinfo=moment.tzinfo)


def _minute_of_day(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def _started_on(window: Window, now: datetime) -> datetime | None:
    """The start of the occurrence of `window` that covers `now`, if one does."""
    day, minute = now.weekday(), _minute_of_day(now)
    today = _midnight(now)
    if not window.crosses_midnight:
        if day == window.weekday and window.start <= minute < window.end:
            return today + timedelta(minutes=window.start)
        return None
    if day == window.weekday and minute >= window.start:
        return today + timedelta(minutes=window.start)
    if day == (window.weekday + 1) % 7 and minute < window.end:
        return today - timedelta(days=1) + timedelta(minutes=window.start)
    return None


def covers(window: Window, now: datetime) -> bool:
    return _started_on(window, now) is not None


def next_start(window: Window, now: datetime) -> datetime:
    """The first start of `window` strictly after `now` (within the next seven days)."""
    today = _midnight(now)
    for days in range(8):
        day = today + timedelta(days=days)
        if day.weekday() == window.weekday:
            start = day + timedelta(minutes=window.start)
            if start > now:
                return start
    raise AssertionError("a weekly window starts within eight days")  # pragma: no cover


def on_call_until(windows: Iterable[Window], now: datetime) -> datetime | None:
    """When one worker's on-call stretch that covers `now` ends, following windows that meet.

    None when no window covers `now`, and also when the stretch never ends (the whole week is
    covered): callers tell the two apart with `covers`.
    """
    mine = list(windows)
    end = None
    for window in mine:
        started = _started_on(window, now)
        if started is not None:
            candidate = started + timedelta(minutes=window.length)
            end = candidate if end is None else max(end, candidate)
    if end is None:
        return None
    limit = now + timedelta(days=7)
    while end < limit:
        later = [
            started + timedelta(minutes=w.length)
            for w in mine
            if (started := _started_on(w, end)) is not None
        ]
        if not later or max(later) <= end:
            return end
        end = max(later)
    return None  # on call all week round


def in_words(moment: datetime, now: datetime) -> str:
    """A time near `now` as a carer reads it: "18:00", "tomorrow at 09:00", "Friday at 09:00"
    (both in the service's zone)."""
    days = (moment.date() - now.date()).days
    clock = f"{moment:%H:%M}"
    if days == 0:
        return clock
    if days == 1:
        return f"tomorrow at {clock}"
    if days < 7:
        return f"{WEEKDAYS[moment.weekday()]} at {clock}"
    return f"{moment.day} {moment:%B} at {clock}"


def parse_clock(text: str, *, end: bool = False) -> int | None:
    """Minutes after midnight from "HH:MM" (or "H:MM"), ASCII digits only; "24:00" only as
    an end. None if it is not a time of day."""
    found = _CLOCK.fullmatch(text.strip())
    if found is None:
        return None
    hours, minutes = int(found[1]), int(found[2])
    value = hours * 60 + minutes
    if minutes > 59:
        return None
    if value < MINUTES_PER_DAY or (end and value == MINUTES_PER_DAY):
        return value
    return None


def clock_words(minute: int) -> str:
    """ "18:00" for 1080; "24:00" for the midnight that ends a day."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
