"""Break the glass: a clinician's emergency access to a consumer's record, and its review.

A clinician with no other basis states why (at least 20 characters) and re-enters their
password. They then read, and only read, that consumer's record until the window closes
(at most four hours; `Config.emergency_access_minutes`). `decide()` permits those reads with
basis `emergency:<id>`. A review counts and lists every read in the window, whatever its
basis says (a timeline that mixes kinds logs `filtered`). Auditors review each use as
"justified" or "not justified", with a comment, once. The consumer sees each use, with the
clinician's reason, on "Who has looked at my information"; a refused start, which opened
nothing, stays off that page (`own_log_condition`).

Reasons and review comments are about the person, so they are sealed under the person's data
key, bound to their row (`peernotes.crypto.texts`). They are opened only where they are shown,
after the page's permit: auditors (who never read content) still read them on the review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session

from peernotes.access.relationships import relationships
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.models import AuditEntry, micros_since_epoch
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth import passwords
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.crypto.texts import open_text, seal_text
from peernotes.db import utcnow
from peernotes.emergency.models import EmergencyAccess, ReviewOutcome
from peernotes.errors import Refused
from peernotes.mfa import service as mfa
from peernotes.notifications import service as notifications

MIN_REASON = 20
MAX_REASON = 2_000
MAX_COMMENT = 2_000


class EmergencyBasis(StrEnum):
    """Reasons an emergency access was refused, in the access log."""

    NO_REASON = "no_reason"
    UNKNOWN_SUBJECT = "unknown_subject"


class EmergencyError(Refused):
    """Emergency access was refused, or its review was; the message is safe to show."""


def _refuse(
    db: Session,
    by: Acting,
    subject_id: int | None,
    reason: str,
    message: str,
    field: str | None = None,
) -> EmergencyError:
    """Log the refused attempt (it is an access attempt) and build the error to raise."""
    record_event(db, by, Action.EMERGENCY_START, subject_id, None, Outcome.DENIED, reason)
    return EmergencyError(message, field)


def active_for(
    db: Session, clinician_id: int, subject_id: int, at: datetime
) -> EmergencyAccess | None:

    return db.scalar(
        select(EmergencyAccess)
        .where(
            EmergencyAccess.clinician_id == clinician_id,
            EmergencyAccess.subject_id == subject_id,
            EmergencyAccess.starts_at <= at,
            EmergencyAccess.ends_at > at,
        )
        .order_by(EmergencyAccess.id.desc())
        .limit(1)
    )


@step
def start(
    db: Session,
    by: Acting,
    subject_id: int,
    reason: str,
    password: str,
    *,
    code: str,
    minutes: int,
) -> EmergencyAccess:
    """Open an emergency window for `by` on `subject_id`'s record.

    Raises:
        EmergencyError: not a clinician, no such consumer, another basis already exists, the
            reason is too short, the password is wrong, or `code` is not a fresh code from
            their authenticator (wrong, or already used). Nothing is stored but the refusal's
            access-log entries.
    """
    assert by.id is not None
    if by.role is not Role.CLINICIAN:
        raise _refuse(
            db, by, None, Basis.NO_PERMISSION, "Only clinicians can use emergency access."
        )
    subject = db.get(User, subject_id)
    if subject is None or subject.role is not Role.CONSUMER or not subject.active:
        raise _refuse(
            db,
            by,
            None,
            EmergencyBasis.UNKNOWN_SUBJECT,
            "Choose a consumer from the list.",
            "subject",
        )
    now = utcnow()
    reason = reason.strip()
    if len(reason) < MIN_REASON or len(reason) > MAX_REASON:
        raise _refuse(
            db,
            by,
            subject.id,
            EmergencyBasis.NO_REASON,
            f"Say why you need emergency access, in at least {MIN_REASON} characters.",
            "reason",
        )
    clinician = db.get_one(User, by.id)
    if not passwords.verify_password(clinician.password_hash, password):
        raise _refuse(
            db, by, subject.id, Basis.WRONG_PASSWORD, "That password is not right.", "password"
        )
    if relationships(db, by).in_care(subject.id):
        # Emergency access is for when there is no other basis; a care team member needs none.
        raise EmergencyError("This person is in your care: open their record directly.")
    if active_for(db, by.id, subject.id, now) is not None:
        raise EmergencyError("Your emergency access to this person's record is already open.")
    # Last, so that a code is spent only on a window that opens. Never a recovery code: those
    # are for a lost phone, not for breaking the glass.
    checked = mfa.check_code(db, by, clinician, code, allow_recovery=False)
    if not checked.ok:
        raise _refuse(
            db,
            by,
            subject.id,
            Basis.REPLAYED_CODE if checked is mfa.CodeResult.REPLAYED else Basis.WRONG_CODE,
            "That code isn't right, or was already used. Wait for the app to show a new code, "
            "then type it.",
            "code",
        )
    access = EmergencyAccess(
        clinician_id=by.id,
        subject_id=subject.id,
        starts_at=now,
        ends_at=now + timedelta(minutes=minutes),
    )
    db.add(access)
    db.flush()
    access.reason_sealed = _seal(db, access, "reason", reason)
    record_event(
        db,
        by,
        Action.EMERGENCY_START,
        subject.id,
        Target("emergency_access", access.id),
        Outcome.ALLOWED,
        f"emergency:{access.id}",
    )
    notifications.notify(db, subject.id, notifications.Kind.EMERGENCY_ACCESS, access.id)
    return access


@step
def review(db: Session, by: Acting, access_id: int, outcome: str, comment: str) -> EmergencyAccess:
    """An auditor's finding on one use of emergency access. Recorded once; never changed.

    Raises:
        LookupError: no such emergency access.
        EmergencyError: bad input, or it has been reviewed already.
    """
    access = db.get(EmergencyAccess, access_id)
    if access is None:
        raise LookupError(access_id)
    try:
        finding = ReviewOutcome(outcome)
    except ValueError as exc:
        raise EmergencyError("Choose justified or not justified.", "outcome") from exc
    comment = comment.strip()
    if not comment or len(comment) > MAX_COMMENT:
        raise EmergencyError(
            f"Write a comment for the record (up to {MAX_COMMENT:,} characters).", "comment"
        )
    if access.review_outcome is not None:
        raise EmergencyError("This use of emergency access has been reviewed already.")
    if by.id == access.clinician_id:
        raise EmergencyError("No one reviews their own emergency access.")
    access.review_outcome = finding
    access.review_comment_sealed = _seal(db, access, "review_comment", comment)
    access.reviewed_by_id = by.id
    access.reviewed_at = utcnow()
    db.flush()
    logged = Target("emergency_access", access.id)
    record_event(
        db, by, Action.EMERGENCY_REVIEW, access.subject_id, logged, Outcome.ALLOWED, finding.value
    )
    return access


TABLE = "emergency_accesses"


def _seal(db: Session, access: EmergencyAccess, column: str, text: str) -> bytes | None:
    return seal_text(db, access.subject_id, TABLE, column, access.id, text)


def reason_of(db: Session, access: EmergencyAccess) -> str:
    """The clinician's reason, opened. Call only after a permit."""
    return open_text(db, access.subject_id, TABLE, "reason", access.id, access.reason_sealed) or ""


def review_comment_of(db: Session, access: EmergencyAccess) -> str | None:
    """The auditor's comment, opened (None before the review). Call only after a permit."""
    sealed = access.review_comment_sealed
    return open_text(db, access.subject_id, TABLE, "review_comment", access.id, sealed)


@dataclass(frozen=True)
class EmergencyUse:
    """One use of emergency access with what happened in it, for auditors and the consumer
    (with its reason and review comment opened: `uses` is called only after a permit)."""

    access: EmergencyAccess
    reads: int
    reason: str
    review_comment: str | None

    @property
    def open_now(self) -> bool:
        return self.access.ends_at > utcnow()


def _window(access: EmergencyAccess) -> ColumnElement[bool]:
    """What the clinician did about the person while this access was open: every allowed
    entry of theirs about that person in the window, whatever its action (a record list, an
    entry, the notes list, the timeline) or basis (the timeline logs `filtered`), less the
    opening of the access itself. Emergency access is refused to anyone with another basis,
    so all of it is what the window made possible."""
    return and_(
        AuditEntry.actor_id == access.clinician_id,
        AuditEntry.subject_id == access.subject_id,
        AuditEntry.occurred_at_us >= micros_since_epoch(access.starts_at),
        AuditEntry.occurred_at_us < micros_since_epoch(access.ends_at),
        AuditEntry.outcome == Outcome.ALLOWED.value,
        AuditEntry.action != Action.EMERGENCY_START.value,
    )


def _reads(db: Session, accesses: list[EmergencyAccess]) -> dict[int, int]:
    """How many reads each access's window holds, in one query however many accesses."""
    if not accesses:
        return {}
    windows = [(_window(a), a.id) for a in accesses]
    # Labelled in a subquery, so that the GROUP BY names a column rather than repeating the
    # CASE (PostgreSQL would see the repeated bound parameters as a different expression).
    labelled = (
        select(case(*windows, else_=None).label("access_id"))
        .where(or_(*(window for window, _ in windows)))
        .subquery()
    )
    counted = select(labelled.c.access_id, func.count()).group_by(labelled.c.access_id)
    return {int(access_id): int(n) for access_id, n in db.execute(counted) if access_id}


def reads_in_window(db: Session, access: EmergencyAccess) -> list[AuditEntry]:
    """The entries `uses` counts for one access, oldest first, for its review."""
    return list(db.scalars(select(AuditEntry).where(_window(access)).order_by(AuditEntry.seq)))


def uses(
    db: Session,
    *,
    subject_id: int | None = None,
    clinician_id: int | None = None,
    unreviewed_only: bool = False,
) -> list[EmergencyUse]:
    """Uses of emergency access, newest first, each with how many reads it covered."""
    query = select(EmergencyAccess).order_by(EmergencyAccess.id.desc())
    if subject_id is not None:
        query = query.where(EmergencyAccess.subject_id == subject_id)
    if clinician_id is not None:
        query = query.where(EmergencyAccess.clinician_id == clinician_id)
    if unreviewed_only:
        query = query.where(EmergencyAccess.review_outcome.is_(None))
    accesses = list(db.scalars(query))
    counts = _reads(db, accesses)
    return [
        EmergencyUse(a, counts.get(a.id, 0), reason_of(db, a), review_comment_of(db, a))
        for a in accesses
    ]


def own_log_condition() -> ColumnElement[bool]:
    """Which entries the subject's own access-log page may show: not a clinician's refused
    emergency start. It opened nothing (a reason too short, a mistyped password, too many
    tries), so telling the person "Dr X tried to open your record" would alarm them about an
    attempt on their record that was a form filled in wrong. Auditors still see every one."""
    return not_(
        and_(
            AuditEntry.action == Action.EMERGENCY_START.value,
            AuditEntry.outcome == Outcome.DENIED.value,
        )
    )


def waiting_for_review(db: Session) -> int:
    return (
        db.scalar(
            select(func.count())
            .select_from(EmergencyAccess)
            .where(EmergencyAccess.review_outcome.is_(None))
        )
        or 0
    )
