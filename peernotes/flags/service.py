"""Safety flags: a clinician in a consumer's care marks a family-violence or serious-harm risk.

While a flag is in place, `decide()` denies every carer and carer peer worker any access to
that consumer (reason `safety_flag`), from the very next request. The consumer is told, in
plain words, unless the clinician records why not: telling someone can itself put them at
risk, when the person of concern is close to them. A flag is lifted, never deleted.

The reason and "not told because" are about the person: sealed under their data key, bound to
the flag's row, and opened only for the pages that show them (`FlagView`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from peernotes.access.objects import ObjectBasis
from peernotes.access.relationships import relationships
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.crypto.texts import open_text, seal_text
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.flags.models import FlagKind, SafetyFlag

MIN_REASON = 10
MAX_TEXT = 2_000

FLAG_LABELS: dict[FlagKind, str] = {
    FlagKind.FAMILY_VIOLENCE: "family violence",
    FlagKind.SERIOUS_HARM: "risk of serious harm",
}


class FlagError(Refused):
    """A safety-flag change was refused; the message is safe to show."""


def in_care(db: Session, by: Acting, subject_id: int) -> bool:
    """Only a clinician in the consumer's care team sets or lifts their flags."""
    if by.role is not Role.CLINICIAN or by.id is None:
        return False
    return relationships(db, by).in_care(subject_id)


def _consumer(db: Session, subject_id: int) -> User | None:
    subject = db.get(User, subject_id)
    return subject if subject is not None and subject.role is Role.CONSUMER else None


@step
def set_flag(
    db: Session,
    by: Acting,
    subject_id: int,
    kind: str,
    reason: str,
    *,
    not_told_because: str | None = None,
) -> SafetyFlag:
    """Raises FlagError: not in this consumer's care (logged), or bad input (nothing stored)."""
    subject = _consumer(db, subject_id)
    if subject is None or not in_care(db, by, subject_id):
        record_event(
            db,
            by,
            Action.FLAG_SET,
            subject.id if subject else None,
            None,
            Outcome.DENIED,
            ObjectBasis.NOT_IN_CARE,
        )
        raise FlagError("You can set safety flags only for people in your care.")
    try:
        parsed = FlagKind(kind)
    except ValueError as exc:
        raise FlagError("Choose the kind of risk.", "kind") from exc
    reason = reason.strip()
    if len(reason) < MIN_REASON or len(reason) > MAX_TEXT:
        raise FlagError(f"Say why, in {MIN_REASON} to {MAX_TEXT:,} characters.", "reason")
    why_not = (not_told_because or "").strip() or None
    if not_told_because is not None and why_not is None:
        raise FlagError(
            "Say why the person should not be told, or let them be told.", "not_told_because"
        )
    if why_not is not None and len(why_not) > MAX_TEXT:
        raise FlagError(f"Keep it to {MAX_TEXT:,} characters.", "not_told_because")
    assert by.id is not None
    flag = SafetyFlag(
        subject_id=subject.id,
        kind=parsed,
        set_by_id=by.id,
        set_at=utcnow(),
    )
    db.add(flag)
    db.flush()
    # Sealed once the row has its id, which they are bound to.
    flag.reason_sealed = _seal(db, flag, "reason", reason)
    flag.not_told_because_sealed = _seal(db, flag, "not_told_because", why_not)
    db.flush()
    logged = Target("safety_flag", flag.id)
    record_event(
        db, by, Action.FLAG_SET, subject.id, logged, Outcome.ALLOWED, Basis.CARE_ASSIGNMENT
    )
    return flag


def lift_flag(db: Session, by: Acting, subject_id: int, flag_id: int) -> SafetyFlag:
    """Raises FlagError (not in care: logged) or LookupError (no such flag in force)."""
    flag = db.get(SafetyFlag, flag_id)
    if flag is None or flag.subject_id != subject_id or flag.lifted_at is not None:
        raise LookupError(flag_id)
    if not in_care(db, by, subject_id):
        logged = Target("safety_flag", flag.id)
        record_event(
            db, by, Action.FLAG_LIFT, subject_id, logged, Outcome.DENIED, ObjectBasis.NOT_IN_CARE
        )
        raise FlagError("You can lift safety flags only for people in your care.")
    flag.lifted_at = utcnow()
    flag.lifted_by_id = by.id
    db.flush()
    logged = Target("safety_flag", flag.id)
    record_event(
        db, by, Action.FLAG_LIFT, subject_id, logged, Outcome.ALLOWED, Basis.CARE_ASSIGNMENT
    )
    return flag


TABLE = "safety_flags"


def _seal(db: Session, flag: SafetyFlag, column: str, text: str | None) -> bytes | None:
    return seal_text(db, flag.subject_id, TABLE, column, flag.id, text)


@dataclass(frozen=True)
class FlagView:
    """A flag with its texts opened, for a page that shows them after its permit."""

    id: int
    kind: FlagKind
    set_by_id: int
    set_at: datetime
    lifted_at: datetime | None
    lifted_by_id: int | None
    reason: str
    not_told_because: str | None


def _view(db: Session, flag: SafetyFlag) -> FlagView:
    def opened(column: str, sealed: bytes | None) -> str | None:
        return open_text(db, flag.subject_id, TABLE, column, flag.id, sealed)

    return FlagView(
        flag.id,
        flag.kind,
        flag.set_by_id,
        flag.set_at,
        flag.lifted_at,
        flag.lifted_by_id,
        opened("reason", flag.reason_sealed) or "",
        opened("not_told_because", flag.not_told_because_sealed),
    )


def _in_force(at: datetime):  # type: ignore[no-untyped-def]
    return (
        SafetyFlag.set_at <= at,
        or_(SafetyFlag.lifted_at.is_(None), SafetyFlag.lifted_at > at),
    )


def flags_of(db: Session, subject_id: int) -> list[FlagView]:
    """Every flag of a consumer, in force first, newest first, texts opened (for their
    clinicians, after the page's permit)."""
    rows = db.scalars(
        select(SafetyFlag).where(SafetyFlag.subject_id == subject_id).order_by(SafetyFlag.id.desc())
    )
    return [_view(db, f) for f in sorted(rows, key=lambda f: f.lifted_at is not None)]


def _told(subject_id: int):  # type: ignore[no-untyped-def]
    return select(SafetyFlag).where(
        SafetyFlag.subject_id == subject_id,
        SafetyFlag.not_told_because_sealed.is_(None),
        *_in_force(utcnow()),
    )


def told_flags(db: Session, subject_id: int) -> list[FlagView]:
    """The flags in force that the consumer is to be told about, reasons opened (for the
    consumer's own pages)."""
    return [_view(db, f) for f in db.scalars(_told(subject_id).order_by(SafetyFlag.id))]


def any_told_flag(db: Session, subject_id: int) -> bool:
    """Is the consumer told of a flag in force? (Opens nothing.)"""
    return db.scalar(_told(subject_id).limit(1)) is not None


def untold_flag_ids(db: Session, subject_id: int) -> list[int]:
    """Flags (in force or lifted) the consumer was not told about: their own access-log page
    leaves these entries out, or it would tell them anyway."""
    return list(
        db.scalars(
            select(SafetyFlag.id).where(
                SafetyFlag.subject_id == subject_id,
                SafetyFlag.not_told_because_sealed.is_not(None),
            )
        )
    )
