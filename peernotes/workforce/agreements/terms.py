"""What a support agreement says, as checked input and as plain words: the ways, days, hours and
places of keeping in touch. Pure: no database."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time

from peernotes.errors import Refused
from peernotes.parsing import parse_id

#: The ways of keeping in touch, as a list reads them ("by phone or text").
METHOD_LABELS: dict[str, str] = {
    "phone": "phone",
    "text": "text message",
    "email": "email",
    "in_person": "in person",
    "video": "video call",
}


DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


MAX_PLACES = 300  # the column's size

#: The longest "keep in touch at least every … days" a form accepts: a quarter.
MAX_CONTACT_EVERY_DAYS = 90


_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


class AgreementError(Refused):
    """Bad input, or not this person's to do; the message is safe to show."""


@dataclass(frozen=True)
class Terms:
    """What a version says, checked."""

    methods: tuple[str, ...]
    days: tuple[int, ...]
    starts_at: time
    ends_at: time
    places: str
    community_contact: bool
    review_on: date
    #: Keep in touch at least every so many days (None: not agreed). The worker's home page
    #: says when a longer gap has passed.
    contact_every_days: int | None = None
    #: Visiting on the inpatient ward is part of the agreement.
    ward_visits: bool = False


def join_words(words: Sequence[str], last: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def days_phrase(days: Iterable[int]) -> str:
    """ "weekdays", "weekends", "every day", or the days named."""
    chosen = sorted(set(days))
    if chosen == [0, 1, 2, 3, 4]:
        return "weekdays"
    if chosen == [5, 6]:
        return "weekends"
    if chosen == list(range(7)):
        return "every day"
    return join_words([DAY_NAMES[d] for d in chosen])


def hours_phrase(starts_at: time, ends_at: time) -> str:
    return f"{starts_at:%H:%M}–{ends_at:%H:%M}"


def methods_phrase(methods: Iterable[str]) -> str:
    return join_words([METHOD_LABELS.get(m, m) for m in methods], "or")


def parse_time(raw: str, field: str, what: str) -> time:
    """ "09:00" (or "9:00", or "09:00:00" as some browsers send) → a time of day.

    Raises:
        AgreementError: empty, not hours and minutes, or not a time of day.
    """
    text = (raw or "").strip()
    if not text:
        raise AgreementError(f"Enter {what}, for example 09:00.", field)
    match = _TIME.match(text)
    if match is None:
        raise AgreementError(
            f"Enter {what} as hours and minutes, for example 09:00 (not “{text[:20]}”).", field
        )
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        raise AgreementError(
            f"“{text[:20]}” isn't a time of day: use a time from 00:00 to 23:59.", field
        )
    return time(hours, minutes)


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def validate_terms(
    *,
    methods: Iterable[str],
    days: Iterable[str | int],
    starts_at: str,
    ends_at: str,
    places: str,
    community_contact: bool,
    review_on: date | None,
    today: date,
    contact_every_days: str | int | None = None,
    ward_visits: bool = False,
) -> Terms:
    """Check a proposal, field by field, in the order the form asks.

    Raises:
        AgreementError: naming the first field that is wrong, in plain words.
    """
    chosen_methods = [m.strip() for m in methods if m.strip()]
    if not chosen_methods:
        raise AgreementError("Choose at least one way of keeping in touch.", "methods")
    for method in chosen_methods:
        if method not in METHOD_LABELS:
            raise AgreementError(
                f"“{method[:20]}” isn't one of the ways we know: choose from phone, text"
                " message, email, in person or video call.",
                "methods",
            )
    chosen_days: set[int] = set()
    for day in days:
        value = day if isinstance(day, int) else (parse_id(day) if len(day) < 3 else None)
        value = -1 if value is None else value
        if not 0 <= value <= 6:
            raise AgreementError("Choose days from Monday to Sunday.", "days")
        chosen_days.add(value)
    if not chosen_days:
        raise AgreementError("Choose at least one day when contact is okay.", "days")
    start = parse_time(starts_at, "starts_at", "the time contact can start")
    end = parse_time(ends_at, "ends_at", "the time contact should end")
    if end <= start:
        raise AgreementError(
            f"The end time ({end:%H:%M}) must be later than the start time ({start:%H:%M}),"
            " for example 09:00 to 17:00.",
            "ends_at",
        )
    place_text = (places or "").strip()
    if len(place_text) > MAX_PLACES:
        raise AgreementError(
            f"Places can be up to {MAX_PLACES} characters; this is {len(place_text)}."
            " Please shorten it a little.",
            "places",
        )
    if review_on is None:
        raise AgreementError("Choose a date to look at this agreement again together.", "review_on")
    if review_on < today:
        raise AgreementError(
            "The review date has already passed; choose today or a later date.", "review_on"
        )
    latest = one_year_after(today)
    if review_on > latest:
        raise AgreementError(
            f"Choose a review date within a year, by {latest.day} {latest:%B %Y}, so that you"
            " look at it together at least once a year.",
            "review_on",
        )
    every = _contact_every(contact_every_days)
    return Terms(
        methods=tuple(m for m in METHOD_LABELS if m in chosen_methods),
        days=tuple(sorted(chosen_days)),
        starts_at=start,
        ends_at=end,
        places=place_text,
        community_contact=bool(community_contact),
        review_on=review_on,
        contact_every_days=every,
        ward_visits=bool(ward_visits),
    )


def _contact_every(raw: str | int | None) -> int | None:
    """ "Keep in touch at least every N days": empty for no such promise, else 1 to 90."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    value = parse_id(text) if len(text) <= 3 else None
    if value is None or not 1 <= value <= MAX_CONTACT_EVERY_DAYS:
        raise AgreementError(
            f"Enter a number of days from 1 to {MAX_CONTACT_EVERY_DAYS}, or leave it empty"
            f" (not “{text[:20]}”).",
            "contact_every_days",
        )
    return value
