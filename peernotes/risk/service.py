"""Risk concerns (duty of care): raised by a peer worker, without the subject's approval.

What was observed, why it matters now and what was done go to the care team at once, sealed
together under the subject's data key. The worker's supervising clinician is asked to co-sign.
The subject reads it too, unless a clinician records a reason to delay telling them; a delay
lasts at most `Config.risk_delay_hours`, and then is renewed (with a new reason) or runs out by
itself: "in force" is always `delay_until > now`, so no job is needed to end it.

Who may read a concern, and on what basis (every read and list is logged, allowed or not):
  - the worker who raised it (`author`);
  - the subject (`self`), unless a delay is in force: then it answers as if it did not exist;
  - every clinician with an active care assignment to the subject (`duty_of_care`);
  - the named co-signer (`duty_of_care`), who may not be in the subject's care;
  - nobody else: not other peer workers, carers or clinicians, and not on consent or emergency
    access. A concern someone may not read answers exactly like a missing one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from peernotes.access.authorize import governs, load_and_authorize
from peernotes.access.decision import Decision
from peernotes.access.objects import ConcernFacts, ObjectBasis, decide_concern
from peernotes.access.relationships import (
    Relationships,
    relationships,
    subjects_in_care,
    supervisor_of,
)
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.models import AuditEntry
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role, may_support
from peernotes.crypto.sealing import seal_about, unseal_about
from peernotes.crypto.texts import open_text, seal_text
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.notifications import service as notifications
from peernotes.risk.models import RiskConcern, RiskDelay


class RiskBasis(StrEnum):
    """Reasons of refused steps on a concern, in the access log."""

    ALREADY_COSIGNED = "already_cosigned"
    NOT_COSIGNER = "not_cosigner"
    NOT_CLINICIAN = "not_clinician"


#: Limits, in characters: each of the three parts of a concern, and a delay's reason.
MAX_FIELD = 4_000
MIN_DELAY_REASON = 10
MAX_DELAY_REASON = 1_000  # the column's size

DUTY_OF_CARE = ObjectBasis.DUTY_OF_CARE
RAISERS = frozenset({Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER})


class RiskError(Refused):
    """Bad input, or not this person's to do; the message is safe to show."""


class NotYours(RiskError):
    """They may read the concern, but this step belongs to someone else (HTTP 403)."""


class ConcernNotFound(LookupError):
    """No such concern, or none this person may see: the two are indistinguishable."""


class Reader(StrEnum):
    RAISER = "raiser"
    SUBJECT = "subject"
    CARE_TEAM = "care_team"
    COSIGNER = "cosigner"


@dataclass(frozen=True)
class ConcernText:
    observed: str
    why_now: str
    what_done: str


FIELD_LABELS = {
    "observed": "What was observed",
    "why_now": "Why it matters now",
    "what_done": "What was done",
}


# Input ------------------------------------------------------------------------------------------


def validate(observed: str, why_now: str, what_done: str) -> ConcernText:
    """Raises RiskError naming the first field that is empty or too long."""
    values = {"observed": observed, "why_now": why_now, "what_done": what_done}
    cleaned: dict[str, str] = {}
    for name, raw in values.items():
        text = raw.strip().replace("\r\n", "\n")
        if not text:
            raise RiskError(f"Fill in “{FIELD_LABELS[name]}”.", name)
        if len(text) > MAX_FIELD:
            raise RiskError(
                f"“{FIELD_LABELS[name]}” is longer than {MAX_FIELD:,} characters; shorten it.",
                name,
            )
        cleaned[name] = text
    return ConcernText(**cleaned)


def _delay_reason(reason: str) -> str:
    text = reason.strip()
    if len(text) < MIN_DELAY_REASON or len(text) > MAX_DELAY_REASON:
        raise RiskError(
            f"Say why telling them must wait, in {MIN_DELAY_REASON} to {MAX_DELAY_REASON:,}"
            " characters.",
            "reason",
        )
    return text


# Encryption -------------------------------------------------------------------------------------


def _aad(concern: RiskConcern) -> bytes:
    return f"risk_concerns:{concern.id}:{concern.subject_id}".encode()


def _seal(db: Session, concern: RiskConcern, text: ConcernText) -> bytes:
    plain = json.dumps(
        {"observed": text.observed, "why_now": text.why_now, "what_done": text.what_done},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return seal_about(db, concern.subject_id, plain, _aad(concern))


def _open(db: Session, concern: RiskConcern) -> ConcernText:
    parts = json.loads(unseal_about(db, concern.subject_id, concern.ciphertext, _aad(concern)))
    return ConcernText(parts["observed"], parts["why_now"], parts["what_done"])


# A delay's reason is bound to its place in the concern's story ("<concern>.<number>"): the row
# is sealed whole before it is added, and moving the reason to another delay does not open.
DELAYS = "risk_concern_delays"


def delay_key(concern_id: int, number: int) -> str:
    return f"{concern_id}.{number}"


@dataclass(frozen=True)
class DelayView:
    """One delay a clinician set, with its reason opened (for staff, after the permit)."""

    number: int
    set_by_id: int
    set_at: datetime | None
    until: datetime
    reason: str


def _delays(db: Session, concern: RiskConcern) -> list[DelayView]:
    rows = db.scalars(
        select(RiskDelay).where(RiskDelay.concern_id == concern.id).order_by(RiskDelay.number)
    )
    return [
        DelayView(
            d.number,
            d.set_by_id,
            d.set_at,
            d.until,
            open_text(
                db,
                concern.subject_id,
                DELAYS,
                "reason",
                delay_key(concern.id, d.number),
                d.reason_sealed,
            )
            or "",
        )
        for d in rows
    ]


# Who may do what ---------------------------------------------------------------------------------


def _log(
    db: Session,
    by: Acting,
    action: Action,
    subject_id: int | None,
    concern_id: int | None,
    outcome: Outcome,
    basis: str,
) -> None:
    target = Target("risk_concern", concern_id) if concern_id is not None else None
    record_event(db, by, action, subject_id, target, outcome, basis)


def delay_in_force(concern: RiskConcern, now: datetime) -> bool:
    return concern.delayed_at(now)


@governs(RiskConcern, target_type="risk_concern", not_found=ConcernNotFound)
def _decide(rel: Relationships, by: Acting, concern: RiskConcern) -> Decision:
    """Who this person is to the concern (`access.objects.decide_concern`)."""
    people = (concern.subject_id, concern.raised_by_id, concern.cosigner_id)
    delayed = delay_in_force(concern, utcnow())
    in_care = by.role is Role.CLINICIAN and rel.in_care(concern.subject_id)
    return decide_concern(ConcernFacts(by.id, by.role, *people, delayed, in_care))


def _manages(reader: Reader | None) -> bool:
    """Clinicians decide about telling the subject: the care team, and the co-signer (a
    carer's concern has no clinician in their care; the raiser's supervisor is the one)."""
    return reader in (Reader.CARE_TEAM, Reader.COSIGNER)


def _load(
    db: Session, by: Acting, concern_id: int, action: Action
) -> tuple[RiskConcern, Reader, str]:
    """The concern, who this person is to it and the basis; otherwise logged and
    ConcernNotFound."""
    concern, decision = load_and_authorize(db, by, RiskConcern, concern_id, action)
    return concern, Reader(str(decision.relation)), decision.basis


# Raising -----------------------------------------------------------------------------------------


def can_raise_for(db: Session, by: Acting, subject_id: int) -> bool:
    """A peer worker raises concerns about a subject of their kind in their active care."""
    subject = db.get(User, subject_id)
    return (
        subject is not None
        and by.role in RAISERS
        and by.role is not None
        and may_support(by.role, subject.role)
        and relationships(db, by).in_care(subject.id)
    )


def log_refused_form(db: Session, by: Acting, subject_id: int) -> None:
    subject = db.get(User, subject_id)
    _log(
        db,
        by,
        Action.RISK_RAISE,
        subject.id if subject else None,
        None,
        Outcome.DENIED,
        ObjectBasis.NO_CARE_ASSIGNMENT,
    )


@step
def raise_concern(
    db: Session, by: Acting, subject_id: int, observed: str, why_now: str, what_done: str
) -> RiskConcern:
    """A peer worker raises a concern about someone they support. It reaches the care team at
    once; their current supervisor (if any) is asked to co-sign.

    Raises:
        RiskError: not a peer worker of this person (logged), or bad input (nothing stored).
    """
    if not can_raise_for(db, by, subject_id):
        log_refused_form(db, by, subject_id)
        raise RiskError("You can raise a concern only about someone you support.")
    text = validate(observed, why_now, what_done)
    assert by.id is not None
    concern = RiskConcern(
        subject_id=subject_id,
        raised_by_id=by.id,
        created_at=utcnow(),
        # Sealed once the row has its id: the associated data binds the text to this row.
        ciphertext=b"",
        cosigner_id=supervisor_of(db, by.id),
    )
    db.add(concern)
    db.flush()
    concern.ciphertext = _seal(db, concern, text)
    db.flush()
    _log(db, by, Action.RISK_RAISE, subject_id, concern.id, Outcome.ALLOWED, DUTY_OF_CARE)
    notifications.notify_concern_raised(db, concern)
    return concern


# Reading -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernView:
    """A concern as one person may see it, built only after a permit."""

    id: int
    subject_id: int
    raised_by_id: int
    created_at: datetime
    text: ConcernText
    reader: Reader
    cosigner_id: int | None
    cosigned_at: datetime | None
    #: For staff: the current or last delay's reason, and every delay in the order they were
    #: set. The subject sees only that telling them waited (until when), never a reason.
    delay_reason: str | None
    delays: list[DelayView]
    delay_until: datetime | None
    delay_set_by_id: int | None
    delay_in_force: bool
    may_cosign: bool
    may_delay: bool


def read(db: Session, by: Acting, concern_id: int) -> ConcernView:
    """One concern, for someone who may read it. Logged, allowed or denied.

    Raises:
        ConcernNotFound: missing, or not theirs to read (the same answer).
    """
    now = utcnow()
    concern, reader, basis = _load(db, by, concern_id, Action.RISK_READ)
    text = _open(db, concern)
    _log(db, by, Action.RISK_READ, concern.subject_id, concern.id, Outcome.ALLOWED, basis)
    staff = reader is not Reader.SUBJECT
    delays = _delays(db, concern) if staff else []
    return ConcernView(
        id=concern.id,
        subject_id=concern.subject_id,
        raised_by_id=concern.raised_by_id,
        created_at=concern.created_at,
        text=text,
        reader=reader,
        cosigner_id=concern.cosigner_id,
        cosigned_at=concern.cosigned_at,
        delay_reason=delays[-1].reason if delays else None,
        delays=delays,
        delay_until=concern.delay_until,
        delay_set_by_id=concern.delay_set_by_id if staff else None,
        delay_in_force=delay_in_force(concern, now),
        may_cosign=by.id == concern.cosigner_id
        and by.role is Role.CLINICIAN
        and concern.cosigned_at is None,
        may_delay=_manages(reader),
    )


@dataclass(frozen=True)
class ConcernSummary:
    """What a list shows: never the concern's text."""

    id: int
    subject_id: int
    raised_by_id: int
    created_at: datetime
    cosigner_id: int | None
    cosigned_at: datetime | None
    delay_until: datetime | None
    delay_in_force: bool


def _summary(concern: RiskConcern, now: datetime, *, for_subject: bool = False) -> ConcernSummary:
    return ConcernSummary(
        concern.id,
        concern.subject_id,
        concern.raised_by_id,
        concern.created_at,
        concern.cosigner_id,
        concern.cosigned_at,
        concern.delay_until,
        False if for_subject else delay_in_force(concern, now),
    )


def _told(now: datetime) -> ColumnElement[bool]:
    """SQL twin of "no delay in force"."""
    return or_(RiskConcern.delay_until.is_(None), RiskConcern.delay_until <= now)


def told_to_subject(db: Session, subject_id: int, now: datetime) -> list[RiskConcern]:
    """The concerns about this person they may be told of now (no delay in force), newest
    first. Not logged: for what waits on their home page, which shows no concern's text."""
    return list(
        db.scalars(
            select(RiskConcern)
            .where(RiskConcern.subject_id == subject_id, _told(now))
            .order_by(RiskConcern.created_at.desc(), RiskConcern.id.desc())
        )
    )


def about_me(db: Session, by: Acting) -> list[ConcernSummary]:
    """The concerns about this person that they may read now (delayed ones are left out,
    without a trace), newest first. Logged."""
    assert by.id is not None
    now = utcnow()
    rows = told_to_subject(db, by.id, now)
    _log(db, by, Action.RISK_LIST, by.id, None, Outcome.ALLOWED, Basis.SELF)
    return [_summary(c, now, for_subject=True) for c in rows]


def raised_by_me(db: Session, by: Acting, subject_id: int) -> list[ConcernSummary]:
    """The concerns this worker raised about one person, newest first. Logged."""
    assert by.id is not None
    now = utcnow()
    rows = db.scalars(
        select(RiskConcern)
        .where(RiskConcern.subject_id == subject_id, RiskConcern.raised_by_id == by.id)
        .order_by(RiskConcern.created_at.desc(), RiskConcern.id.desc())
    ).all()
    _log(db, by, Action.RISK_LIST, subject_id, None, Outcome.ALLOWED, ObjectBasis.AUTHOR)
    return [_summary(c, now) for c in rows]


@dataclass(frozen=True)
class ClinicianLists:
    #: Named as co-signer and not yet co-signed.
    waiting: list[ConcernSummary]
    #: Everything else they may read: about people in their care, or that they co-signed.
    others: list[ConcernSummary]


def for_clinician(db: Session, by: Acting) -> ClinicianLists:
    """Concerns about people in this clinician's care, and those they are asked to co-sign.
    One log entry per person whose concerns are listed."""
    assert by.id is not None
    if by.role is not Role.CLINICIAN:
        return ClinicianLists([], [])
    now = utcnow()
    in_care = subjects_in_care(by.id, now)
    rows = db.scalars(
        select(RiskConcern)
        .where(or_(RiskConcern.subject_id.in_(in_care), RiskConcern.cosigner_id == by.id))
        .order_by(RiskConcern.created_at.desc(), RiskConcern.id.desc())
    ).all()
    for subject_id in sorted({c.subject_id for c in rows}):
        _log(db, by, Action.RISK_LIST, subject_id, None, Outcome.ALLOWED, DUTY_OF_CARE)
    waiting = {c.id for c in rows if c.cosigner_id == by.id and c.cosigned_at is None}
    return ClinicianLists(
        [_summary(c, now) for c in rows if c.id in waiting],
        [_summary(c, now) for c in rows if c.id not in waiting],
    )


def delayed_ids(db: Session, subject_id: int) -> list[int]:
    """Concerns about this person under a delay now."""
    now = utcnow()
    return list(
        db.scalars(
            select(RiskConcern.id).where(
                RiskConcern.subject_id == subject_id, RiskConcern.delay_until > now
            )
        )
    )


def own_log_condition(db: Session, subject_id: int) -> ColumnElement[bool] | None:
    """Which entries the subject's own access-log page may show while a delay is in force
    (None: all of them), or the log would tell them what the delay withholds.

    Left out: every entry about a delayed concern, and every list of concerns about them
    (a list names no concern, yet "Dr Chen looked at the concerns raised about you" would
    say that one exists). They all appear once no delay is in force.
    """
    delayed = delayed_ids(db, subject_id)
    if not delayed:
        return None
    # Entries without a target have NULL there: spelled out, or NOT (...) would drop them.
    return and_(
        or_(
            AuditEntry.target_type.is_(None),
            AuditEntry.target_type != "risk_concern",
            AuditEntry.target_id.not_in([str(i) for i in delayed]),
        ),
        AuditEntry.action != Action.RISK_LIST.value,
    )


# Co-signing and delays ---------------------------------------------------------------------------


@step
def cosign(db: Session, by: Acting, concern_id: int) -> RiskConcern:
    """The raiser's supervisor co-signs, once.

    Raises:
        ConcernNotFound: not theirs to read (logged).
        NotYours: they may read it, but are not the one asked to co-sign (logged).
        RiskError: already co-signed (logged; nothing changes).
    """
    now = utcnow()
    concern, _, _ = _load(db, by, concern_id, Action.RISK_COSIGN)
    if by.role is not Role.CLINICIAN or by.id != concern.cosigner_id:
        _log(
            db,
            by,
            Action.RISK_COSIGN,
            concern.subject_id,
            concern.id,
            Outcome.DENIED,
            RiskBasis.NOT_COSIGNER,
        )
        raise NotYours("Only the supervisor of the worker who raised it can co-sign it.")
    if concern.cosigned_at is not None:
        _log(
            db,
            by,
            Action.RISK_COSIGN,
            concern.subject_id,
            concern.id,
            Outcome.DENIED,
            RiskBasis.ALREADY_COSIGNED,
        )
        raise RiskError("You have already co-signed this concern.")
    concern.cosigned_at = now
    db.flush()
    _log(db, by, Action.RISK_COSIGN, concern.subject_id, concern.id, Outcome.ALLOWED, DUTY_OF_CARE)
    return concern


def _managing(db: Session, by: Acting, concern_id: int, action: Action) -> RiskConcern:
    concern, reader, _ = _load(db, by, concern_id, action)
    if not _manages(reader):
        _log(
            db, by, action, concern.subject_id, concern.id, Outcome.DENIED, RiskBasis.NOT_CLINICIAN
        )
        raise NotYours("Only a clinician in their care can decide when they are told.")
    return concern


@step
def delay(
    db: Session, by: Acting, concern_id: int, reason: str, hours: int, *, max_hours: int
) -> RiskConcern:
    """A clinician delays telling the subject, with a reason, for 1 to `max_hours` hours from
    now. Setting it again while one is in force renews it: always with a new reason.

    Raises ConcernNotFound (logged), NotYours (logged), or RiskError (bad input, nothing
    stored).
    """
    concern = _managing(db, by, concern_id, Action.RISK_DELAY)
    text = _delay_reason(reason)
    if not 1 <= hours <= max_hours:
        raise RiskError(f"A delay lasts from 1 to {max_hours} hours.", "hours")
    now = utcnow()
    assert by.id is not None
    concern.delay_until = now + timedelta(hours=hours)
    concern.delay_set_by_id = by.id
    number = 1 + len(
        db.scalars(select(RiskDelay.id).where(RiskDelay.concern_id == concern.id)).all()
    )
    sealed = seal_text(
        db, concern.subject_id, DELAYS, "reason", delay_key(concern.id, number), text
    )
    assert sealed is not None  # the reason is never empty (`_delay_reason`)
    db.add(
        RiskDelay(
            concern_id=concern.id,
            number=number,
            set_by_id=by.id,
            set_at=now,
            until=concern.delay_until,
            reason_sealed=sealed,
        )
    )
    db.flush()
    _log(db, by, Action.RISK_DELAY, concern.subject_id, concern.id, Outcome.ALLOWED, DUTY_OF_CARE)
    return concern


@step
def lift_delay(db: Session, by: Acting, concern_id: int) -> RiskConcern:
    """The subject may read it from now on. Every reason stays, for the care team.

    Raises ConcernNotFound (logged), NotYours (logged), or RiskError (no delay in force).
    """
    concern = _managing(db, by, concern_id, Action.RISK_LIFT_DELAY)
    now = utcnow()
    if not delay_in_force(concern, now):
        raise RiskError("There is no delay in force: they can already read it.")
    # Ended now rather than cleared: "telling them waited until …" stays true and visible.
    concern.delay_until = now
    db.flush()
    _log(
        db,
        by,
        Action.RISK_LIFT_DELAY,
        concern.subject_id,
        concern.id,
        Outcome.ALLOWED,
        DUTY_OF_CARE,
    )
    return concern
