"""The contact log: a peer worker records that a contact happened, without writing a note.

Date, optional time, how long, how (phone, text, ...), where (for contacts in person), and
whether it was one to one or in a group. Each contact is checked against the support
agreement in force on its date (`peernotes.workforce.agreements.service.in_force`); when it falls
outside, the plain reasons are stored with it ("on a Saturday — your agreement says
weekdays"). Boundaries bend sometimes, for good reasons: the reasons are shown gently, as
something to talk over in supervision, to the worker and their supervisor only. Never to the
person supported, other staff or the coordinator.

Contacts are append-only in the database. Flushes, never commits.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.care import service as care
from peernotes.care.models import CareAssignment
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.workforce.agreements import service as agreements
from peernotes.workforce.agreements import terms
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.contacts.models import Contact

#: How a contact happened, as a sentence reads it ("by text").
CHANNELS: dict[str, str] = {
    "phone": "by phone",
    "text": "by text",
    "email": "by email",
    "in_person": "in person",
    "video": "by video call",
}
CHANNEL_LABELS: dict[str, str] = {
    "phone": "Phone",
    "text": "Text message",
    "email": "Email",
    "in_person": "In person",
    "video": "Video call",
}
#: Where an in-person contact happened. Home and the community are "community contact".
PLACES: dict[str, str] = {
    "service": "at the service",
    "community": "in the community",
    "home": "at their home",
    # Peer workers sit with people on the ward, around an admission or a discharge.
    "ward": "on the inpatient ward",
}
COMMUNITY_PLACES = frozenset({"community", "home"})
MAX_MINUTES = 720
#: How far back a contact can be recorded: the log is kept as things happen.
MAX_DAYS_BACK = 92
SUMMARY_DAYS = 30


class ContactError(Refused):
    """Bad input, or someone not in this worker's care; the message is safe to show."""


# The check --------------------------------------------------------------------------------------


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def outside(
    agreement: SupportAgreement | None,
    occurred_on: date,
    at_time: time | None,
    minutes: int,
    channel: str,
    place: str,
) -> list[str]:
    """Plain reasons this contact falls outside the agreement; empty when inside, or when no
    agreement was in force (nothing to be outside of)."""
    if agreement is None:
        return []
    reasons: list[str] = []
    hours = terms.hours_phrase(agreement.starts_at, agreement.ends_at)
    if occurred_on.weekday() not in agreement.days:
        reasons.append(
            f"on a {terms.DAY_NAMES[occurred_on.weekday()]} — your agreement says"
            f" {terms.days_phrase(agreement.days)}"
        )
    if at_time is not None:
        start, end = _minutes(at_time), _minutes(at_time) + minutes
        if not _minutes(agreement.starts_at) <= start < _minutes(agreement.ends_at):
            reasons.append(f"at {at_time:%H:%M} — your agreement says {hours}")
        elif end > _minutes(agreement.ends_at):
            finish = time(min(end, 24 * 60 - 1) // 60, min(end, 24 * 60 - 1) % 60)
            reasons.append(f"until {finish:%H:%M} — your agreement says {hours}")
    if channel not in agreement.methods:
        reasons.append(f"{CHANNELS.get(channel, channel)} — not one of the agreed ways")
    if place in COMMUNITY_PLACES and not agreement.community_contact:
        reasons.append(f"{PLACES[place]} — community contact isn't part of the agreement")
    if place == "ward" and not agreement.ward_visits:
        reasons.append(f"{PLACES[place]} — visits on the ward aren't part of the agreement")
    return reasons


# Recording --------------------------------------------------------------------------------------


def _log_refused(db: Session, by: Acting, subject_id: int | None) -> None:
    subject = db.get(User, subject_id) if subject_id else None
    record_event(
        db,
        by,
        Action.CONTACT_LOG,
        subject.id if subject else None,
        None,
        Outcome.DENIED,
        agreements.NO_CARE_ASSIGNMENT if subject else Basis.NOT_FOUND,
    )


def _support_started(db: Session, worker_id: int, subject_id: int) -> date | None:
    """The first day of the worker's current, unbroken support of the person."""
    now = utcnow()
    return min(
        (
            a.starts_on
            for a in care.assignments_between(db, worker_id, subject_id)
            if a.is_active_at(now)
        ),
        default=None,
    )


@step
def record(
    db: Session,
    by: Acting,
    subject_id: int | None,
    *,
    occurred_on: date | None,
    at_time: str,
    minutes: int | None,
    channel: str,
    place: str,
    group: bool,
    today: date,
) -> Contact:
    """A worker records a contact with someone they support now.

    `place` counts only for contacts in person (it is left empty for the others).

    Raises:
        ContactError: not someone they support (logged), or bad input; nothing is stored.
    """
    if subject_id is None or agreements.works_with(db, by, subject_id) is None:
        _log_refused(db, by, subject_id)
        raise ContactError("Choose someone you support now.", "subject")
    assert by.id is not None
    if occurred_on is None:
        raise ContactError("Give the date of the contact.", "occurred_on")
    if occurred_on > today:
        raise ContactError(
            "The date can't be in the future; choose today or earlier.", "occurred_on"
        )
    if occurred_on < today - timedelta(days=MAX_DAYS_BACK):
        raise ContactError(
            f"That is more than {MAX_DAYS_BACK} days ago. Contacts are recorded as they happen;"
            " ask your supervisor if an older one needs adding.",
            "occurred_on",
        )
    started = _support_started(db, by.id, subject_id)
    if started is not None and occurred_on < started:
        raise ContactError(
            f"You began supporting them on {started.day} {started:%B %Y}; choose a date from"
            " then on.",
            "occurred_on",
        )
    moment: time | None = None
    if (at_time or "").strip():
        try:
            moment = terms.parse_time(at_time, "at_time", "the time")
        except terms.AgreementError as exc:
            raise ContactError(str(exc), "at_time") from exc
    if minutes is None or not 1 <= minutes <= MAX_MINUTES:
        raise ContactError(
            f"Say how long it lasted, in minutes, from 1 to {MAX_MINUTES} (12 hours).", "minutes"
        )
    if channel not in CHANNELS:
        raise ContactError(
            "Choose how you were in touch: phone, text, email, in person or video call.",
            "channel",
        )
    where = (place or "").strip() if channel == "in_person" else ""
    if channel == "in_person" and where not in PLACES:
        raise ContactError(
            "For a contact in person, choose where: at the service, in the community, at"
            " their home or on the inpatient ward.",
            "place",
        )
    agreement = agreements.in_force(db, by.id, subject_id, occurred_on)
    contact = Contact(
        worker_id=by.id,
        subject_id=subject_id,
        occurred_on=occurred_on,
        at_time=moment,
        minutes=minutes,
        channel=channel,
        place=where,
        group=bool(group),
        outside_agreement=outside(agreement, occurred_on, moment, minutes, channel, where),
        created_at=utcnow(),
    )
    db.add(contact)
    db.flush()
    logged = Target("contact", contact.id)
    record_event(
        db, by, Action.CONTACT_LOG, subject_id, logged, Outcome.ALLOWED, Basis.CARE_ASSIGNMENT
    )
    return contact


# Reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedContact:
    """A contact on its worker's (or their supervisor's) page. `agreed` is False when no
    agreement was in force on the day ("no agreement yet")."""

    contact: Contact
    agreed: bool


def recent(db: Session, worker_id: int, today: date, days: int = 60) -> list[LoggedContact]:
    """The worker's own contacts of the last `days` days, newest first, each knowing whether an
    agreement was in force then. For the worker and their supervisor only."""
    rows = db.scalars(
        select(Contact)
        .where(Contact.worker_id == worker_id, Contact.occurred_on >= today - timedelta(days=days))
        .order_by(
            Contact.occurred_on.desc(), Contact.at_time.desc().nulls_last(), Contact.id.desc()
        )
    ).all()
    confirmed = agreements.in_force_for_worker(db, worker_id, today)
    return [
        LoggedContact(
            c,
            agreements.pick_in_force(confirmed.get(c.subject_id, []), c.occurred_on) is not None,
        )
        for c in rows
    ]


def flagged(db: Session, worker_ids: Collection[int], since: date) -> list[Contact]:
    """Contacts by these workers since `since` that fell outside their agreement, newest first.
    For the workers themselves and their supervisor: never show them to anyone else."""
    ids = set(worker_ids)
    if not ids:
        return []
    rows = db.scalars(
        select(Contact)
        .where(Contact.worker_id.in_(ids), Contact.occurred_on >= since)
        .order_by(
            Contact.occurred_on.desc(), Contact.at_time.desc().nulls_last(), Contact.id.desc()
        )
    )
    # The reasons are a JSON list; "not empty" is asked in Python, the same on every engine.
    return [c for c in rows if c.outside_agreement]


def flagged_between(db: Session, worker_id: int, subject_id: int, since: date) -> list[Contact]:
    """`flagged` for one pair (the agreement page of the worker and their supervisor)."""
    return [c for c in flagged(db, [worker_id], since) if c.subject_id == subject_id]


def caseload_summary(
    db: Session, worker_id: int, people: Collection[CareAssignment], today: date
) -> dict[int, tuple[date | None, int]]:
    """For each person of `people` (the worker's caseload, which the caller has already read):
    the date of the last contact (None if there has been none) and how many contacts there
    were in the last 30 days, today included."""
    subjects = {a.subject_id for a in people}
    summary: dict[int, tuple[date | None, int]] = {s: (None, 0) for s in subjects}
    if not subjects:
        return summary
    since = today - timedelta(days=SUMMARY_DAYS - 1)
    last: dict[int, date] = {
        subject: day
        for subject, day in db.execute(
            select(Contact.subject_id, func.max(Contact.occurred_on))
            .where(
                Contact.worker_id == worker_id,
                Contact.subject_id.in_(subjects),
                Contact.occurred_on <= today,
            )
            .group_by(Contact.subject_id)
        )
    }
    counts: dict[int, int] = {
        subject: count
        for subject, count in db.execute(
            select(Contact.subject_id, func.count())
            .where(
                Contact.worker_id == worker_id,
                Contact.subject_id.in_(subjects),
                Contact.occurred_on >= since,
                Contact.occurred_on <= today,
            )
            .group_by(Contact.subject_id)
        )
    }
    for subject in subjects:
        summary[subject] = (last.get(subject), int(counts.get(subject, 0)))
    return summary
