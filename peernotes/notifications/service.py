"""Telling people that something is waiting for them: `notify`, their list, and their choices.

`notify` is called where the thing happens, in the same transaction: if the action rolls back,
so does its notification (and the email it queued). A notification carries no text about
anyone, only its kind and where to act; the page it links to decides, as always, what the
person may see there. An email says even less (`email_body`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from config import Config
from peernotes.access.authorize import governs, load_and_authorize
from peernotes.access.decision import Decision
from peernotes.access.objects import RequestFacts, decide_own_request
from peernotes.access.relationships import Relationships
from peernotes.audit.events import Action
from peernotes.audit.steps import step
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.notifications.holds import held_until, shown
from peernotes.notifications.kinds import ALWAYS_EMAILED, kinds_for, link_for
from peernotes.notifications.kinds import Kind as Kind
from peernotes.notifications.mail import mail_enabled, queue_mail
from peernotes.notifications.models import EmailPreference, Notification
from peernotes.risk.models import RiskConcern
from peernotes.workforce.choosing.models import RequestState, WorkerRequest

#: Every email's subject, whatever it is about.
EMAIL_SUBJECT = "Something is waiting for you in PeerNotes"
#: The most a person's list shows (unread first, then newest).
LIST_LIMIT = 100


class NotificationNotFound(LookupError):
    """No such notification, or not this person's: the two answers are the same."""


class SettingsError(Refused):
    """A choice that cannot be saved; the message is safe to show."""


# Telling someone -------------------------------------------------------------------------------


def notify(db: Session, person_id: int, kind: Kind, about_id: int) -> Notification:
    """Tell `person_id` that something of `kind` (about the object `about_id`) waits for them,
    in the app and, if they chose it (or it is always emailed), by email after the commit."""
    row = Notification(
        person_id=person_id,
        kind=kind,
        about_id=about_id,
        link=link_for(kind, about_id),
        created_at=utcnow(),
    )
    db.add(row)
    db.flush()
    if mail_enabled() and emails_wanted(db, person_id, kind):
        person = db.get(User, person_id)
        if person is not None and person.active:
            queue_mail(db, person.email, EMAIL_SUBJECT, email_body(row.id), notification_id=row.id)
    return row


def notify_all(db: Session, person_ids: Iterable[int], kind: Kind, about_id: int) -> None:
    for person_id in sorted(set(person_ids)):
        notify(db, person_id, kind, about_id)


def notify_concern_raised(db: Session, concern: RiskConcern) -> None:
    """A new concern: the person it is about (held back while telling them is delayed,
    `holds.py`), the supervisor asked to co-sign it, and every other clinician in their care."""
    notify(db, concern.subject_id, Kind.RISK_ABOUT_YOU, concern.id)
    if concern.cosigner_id is not None:
        notify(db, concern.cosigner_id, Kind.COSIGN_ASKED, concern.id)
    clinicians = clinicians_in_care(db, concern.subject_id)
    notify_all(db, clinicians - {concern.cosigner_id}, Kind.RISK_IN_CARE, concern.id)


def clinicians_in_care(db: Session, subject_id: int) -> set[int]:
    """The active clinicians with a current care assignment to this person."""
    return set(
        db.scalars(
            select(CareAssignment.worker_id)
            .join(User, User.id == CareAssignment.worker_id)
            .where(
                CareAssignment.subject_id == subject_id,
                CareAssignment.active_at(utcnow()),
                User.role == Role.CLINICIAN,
                User.active.is_(True),
            )
        )
    )


def notify_handover_asked(db: Session, request: WorkerRequest) -> None:
    """The person agreed to a handover on an open change: their current worker is asked to
    write it. (Nothing when they did not agree, or the change is no longer open.)"""
    if not request.handover_consent or request.state is not RequestState.REQUESTED:
        return
    if request.previous_assignment_id is None:
        return
    previous = db.get(CareAssignment, request.previous_assignment_id)
    if previous is not None:
        notify(db, previous.worker_id, Kind.HANDOVER_ASKED, request.id)


def email_body(notification_id: int) -> str:
    """The whole of every notification email: that something is waiting, and a link. Never
    what it is, nor anyone's name, nor any text: an inbox may be read by someone else."""
    config: Config = current_app.config["PEERNOTES"]
    base = config.base_url
    return (
        "Something is waiting for you in PeerNotes.\n"
        "\n"
        "Open it here (you may be asked to sign in first):\n"
        f"{base}/notifications/{notification_id}\n"
        "\n"
        f"To choose which emails you get: {base}/notifications/settings\n"
    )


# A person's own list ---------------------------------------------------------------------------


# Someone else's notification answers exactly like a missing one, and the attempt is on record,
# on its owner's page too (its subject is the owner).
@governs(
    Notification,
    target_type="notification",
    not_found=NotificationNotFound,
    subject_of=lambda row: row.person_id,
)
def _decide(_rel: Relationships, by: Acting, row: Notification) -> Decision:
    return decide_own_request(RequestFacts(actor_id=by.id, subject_id=row.person_id))


@dataclass(frozen=True)
class Listed:
    id: int
    kind: Kind
    created_at: datetime
    read_at: datetime | None


def listed(db: Session, person_id: int) -> list[Listed]:
    """The person's notifications: unread first, then newest first (held-back ones left out)."""
    rows = db.execute(
        select(Notification.id, Notification.kind, Notification.created_at, Notification.read_at)
        .where(Notification.person_id == person_id, shown(utcnow()))
        .order_by(
            Notification.read_at.is_not(None),
            Notification.created_at.desc(),
            Notification.id.desc(),
        )
        .limit(LIST_LIMIT)
    )
    return [Listed(*row) for row in rows]


#: Built once: the count runs on every page (the navigation's badge), and building the
#: statement cost as much as running it.
_UNREAD_COUNT = (
    select(func.count())
    .select_from(Notification)
    .where(
        Notification.person_id == bindparam("person_id"),
        Notification.read_at.is_(None),
        shown(bindparam("now")),
    )
)


def unread_count(db: Session, person_id: int) -> int:
    count = db.scalar(_UNREAD_COUNT, {"person_id": person_id, "now": utcnow()})
    return count or 0


def open_notification(db: Session, by: Acting, notification_id: int) -> str:
    """Mark the person's own notification read; returns where it leads.

    Raises:
        NotificationNotFound: missing, someone else's (logged as refused), or held back.
    """
    row, _ = load_and_authorize(db, by, Notification, notification_id, Action.ACCESS_DENIED)
    now = utcnow()
    if held_until(db, row.id, now) is not None:
        # Held back: it does not exist for them yet. Not logged, as for the concern itself:
        # their own access-log page would otherwise hint at what the delay withholds.
        raise NotificationNotFound(notification_id)
    if row.read_at is None:
        row.read_at = now
        db.flush()
    return row.link


def mark_all_read(db: Session, person_id: int) -> int:
    """Mark every notification the person can see as read; returns how many were unread."""
    now = utcnow()
    result = db.execute(
        update(Notification)
        .where(Notification.person_id == person_id, Notification.read_at.is_(None), shown(now))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# Email choices ---------------------------------------------------------------------------------


def emails_wanted(db: Session, person_id: int, kind: Kind) -> bool:
    if kind in ALWAYS_EMAILED:
        return True
    return bool(
        db.scalar(
            select(EmailPreference.email).where(
                EmailPreference.person_id == person_id, EmailPreference.kind == kind
            )
        )
    )


def email_choices(db: Session, person_id: int, role: Role) -> dict[Kind, bool]:
    """For each kind this person can receive: whether it is emailed (off unless chosen)."""
    rows = db.execute(
        select(EmailPreference.kind, EmailPreference.email).where(
            EmailPreference.person_id == person_id
        )
    )
    chosen = {kind: email for kind, email in rows}
    return {kind: kind in ALWAYS_EMAILED or bool(chosen.get(kind)) for kind in kinds_for(role)}


@step
def set_email_choices(db: Session, by: Acting, wanted: Iterable[str]) -> None:
    """Email about exactly the kinds in `wanted` (of those this person can receive); the
    always-emailed ones stay on whatever is asked.

    Raises:
        SettingsError: a kind that does not exist or is not theirs; nothing changes then.
    """
    assert by.id is not None and by.role is not None
    offered = set(kinds_for(by.role))
    names = set(wanted)
    unknown = names - {kind.value for kind in offered}
    if unknown:
        raise SettingsError("Choose only from the kinds of notice listed.", "email")
    now = utcnow()
    existing = {
        row.kind: row
        for row in db.scalars(select(EmailPreference).where(EmailPreference.person_id == by.id))
    }
    for kind in offered - ALWAYS_EMAILED:
        on = kind.value in names
        row = existing.get(kind)
        if row is None:
            if on:
                db.add(EmailPreference(person_id=by.id, kind=kind, email=True, updated_at=now))
        elif row.email != on:
            row.email = on
            row.updated_at = now
    db.flush()
