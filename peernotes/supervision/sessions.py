"""Supervision sessions: a peer worker's supervisor logs what they talked about, how the worker
is doing, and what they agreed. Flushes, never commits.

The three texts are the worker's own business. They are sealed together under the worker's
data key, bound to the row's token and the worker, before the row is added (the table is
append-only, so the ciphertext cannot wait for an id).

Who reads a session, and on what basis (every read is logged, allowed or denied):
  - the worker it is about (`self`);
  - the clinician who logged it, and the worker's current supervisor (`supervisor`);
  - nobody else. Coordinators see only that a session happened, on whom and when
    (`last_sessions`); a session someone may not read answers exactly like a missing one.

Only the worker's current supervisor logs a session for them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.access.authorize import governs, load_and_authorize
from peernotes.access.decision import Decision
from peernotes.access.objects import ObjectBasis, SupervisionFacts, decide_supervision_session
from peernotes.access.relationships import Relationships, relationships
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.crypto.sealing import seal_about, unseal_about
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.risk.models import RiskConcern
from peernotes.supervision import service as supervision
from peernotes.supervision.models import Supervision, SupervisionSession
from peernotes.workforce.agreements import service as agreements
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.contacts import service as contacts
from peernotes.workforce.contacts.models import Contact

#: Each of the three texts, in characters.
MAX_TEXT = 5_000
#: How far back a session can be logged: further is most likely a wrong year.
MAX_DAYS_BACK = 366
#: A worker whose last session is older than this gets a nudge on the supervisor's dashboard.
OVERDUE_DAYS = 42
#: How far ahead an agreement's review date shows on the dashboard, and how far back
#: contacts outside an agreement do.
REVIEW_WITHIN_DAYS = 14
FLAGGED_SINCE_DAYS = 30

SELF = Basis.SELF
SUPERVISOR = ObjectBasis.SUPERVISOR
NOT_SUPERVISOR = ObjectBasis.NOT_SUPERVISOR

FIELD_LABELS = {
    "topics": "What you talked about",
    "wellbeing": "Wellbeing check-in",
    "actions": "What you agreed to do",
}


class SessionError(Refused):
    """Bad input; the message is safe to show. Nothing was stored."""


class SessionNotFound(LookupError):
    """No such session (or worker), or none this person may see: the two answer alike."""


@dataclass(frozen=True)
class SessionText:
    topics: str
    wellbeing: str
    actions: str


# Input ------------------------------------------------------------------------------------------


def validate(
    held_on: date | None, topics: str, wellbeing: str, actions: str, *, today: date
) -> tuple[date, SessionText]:
    """Raises SessionError naming the field at fault."""
    if held_on is None:
        raise SessionError("Give the date of the session.", "held_on")
    if held_on > today:
        raise SessionError(
            "The session date cannot be in the future. Log a session once it has happened.",
            "held_on",
        )
    if held_on < today - timedelta(days=MAX_DAYS_BACK):
        raise SessionError(
            f"That is more than {MAX_DAYS_BACK} days ago; check the year.", "held_on"
        )
    cleaned: dict[str, str] = {}
    for name, raw in (("topics", topics), ("wellbeing", wellbeing), ("actions", actions)):
        text = raw.strip().replace("\r\n", "\n")
        if len(text) > MAX_TEXT:
            raise SessionError(
                f"“{FIELD_LABELS[name]}” is longer than {MAX_TEXT:,} characters; shorten it.",
                name,
            )
        cleaned[name] = text
    if not any(cleaned.values()):
        raise SessionError(
            "Write at least one of: what you talked about, the wellbeing check-in, or what"
            " you agreed.",
            "topics",
        )
    return held_on, SessionText(**cleaned)


# Encryption -------------------------------------------------------------------------------------


def aad(token: str, worker_id: int) -> bytes:
    """What a session's ciphertext is bound to: its row (by token) and the worker."""
    return f"supervision_sessions:{token}:{worker_id}".encode()


def _seal(db: Session, token: str, worker_id: int, text: SessionText) -> bytes:
    plain = json.dumps(
        {"topics": text.topics, "wellbeing": text.wellbeing, "actions": text.actions},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return seal_about(db, worker_id, plain, aad(token, worker_id))


def _open(db: Session, row: SupervisionSession) -> SessionText:
    parts = json.loads(
        unseal_about(db, row.worker_id, row.ciphertext, aad(row.token, row.worker_id))
    )
    return SessionText(parts["topics"], parts["wellbeing"], parts["actions"])


# Who may do what --------------------------------------------------------------------------------


def _log(
    db: Session,
    by: Acting,
    action: Action,
    worker_id: int | None,
    target: Target | None,
    outcome: Outcome,
    basis: str,
) -> None:
    record_event(db, by, action, worker_id, target, outcome, basis)


def _peer_worker(db: Session, worker_id: int) -> User | None:
    worker = db.get(User, worker_id)
    if worker is None or worker.role not in supervision.PEER_WORKER_ROLES:
        return None
    return worker


def supervises_now(db: Session, by: Acting, worker_id: int) -> bool:
    """Is this person the worker's current supervising clinician?"""
    return by.role is Role.CLINICIAN and relationships(db, by).supervises(worker_id)


def _worker_of(row: SupervisionSession) -> int:
    return row.worker_id


@governs(
    SupervisionSession,
    target_type="supervision_session",
    not_found=SessionNotFound,
    subject_of=_worker_of,
)
def _decide(rel: Relationships, by: Acting, row: SupervisionSession) -> Decision:
    """Who this person is to the session (`access.objects.decide_supervision_session`)."""
    supervises = by.role is Role.CLINICIAN and rel.supervises(row.worker_id)
    facts = SupervisionFacts(by.id, by.role, row.worker_id, row.supervisor_id, supervises)
    return decide_supervision_session(facts)


# Logging a session ------------------------------------------------------------------------------


def worker_to_log_for(db: Session, by: Acting, worker_id: int) -> User:
    """The worker, when this person is their current supervisor; otherwise logged and
    SessionNotFound (the form does not exist for them)."""
    worker = _peer_worker(db, worker_id)
    if worker is None or not supervises_now(db, by, worker.id):
        _log(
            db,
            by,
            Action.SUPERVISION_SESSION_LOG,
            worker.id if worker else None,
            Target("user", worker_id),
            Outcome.DENIED,
            NOT_SUPERVISOR if worker else Basis.NOT_FOUND,
        )
        raise SessionNotFound(worker_id)
    return worker


@step
def log_session(
    db: Session,
    by: Acting,
    worker_id: int,
    held_on: date | None,
    topics: str,
    wellbeing: str,
    actions: str,
    *,
    today: date,
) -> SupervisionSession:
    """The worker's current supervisor logs a session.

    Raises:
        SessionNotFound: not their current supervisor, or no such worker (logged; nothing
            stored).
        SessionError: bad input (nothing stored).
    """
    worker = worker_to_log_for(db, by, worker_id)
    day, text = validate(held_on, topics, wellbeing, actions, today=today)
    assert by.id is not None
    token = uuid.uuid4().hex
    row = SupervisionSession(
        worker_id=worker.id,
        supervisor_id=by.id,
        held_on=day,
        created_at=utcnow(),
        token=token,
        ciphertext=_seal(db, token, worker.id, text),
    )
    db.add(row)
    db.flush()
    _log(
        db,
        by,
        Action.SUPERVISION_SESSION_LOG,
        worker.id,
        Target("supervision_session", row.id),
        Outcome.ALLOWED,
        SUPERVISOR,
    )
    return row


# Reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSummary:
    """What a list shows, and all a coordinator ever sees: never the texts."""

    id: int
    worker_id: int
    supervisor_id: int
    held_on: date
    created_at: datetime


@dataclass(frozen=True)
class SessionView:
    """One session as its reader sees it, built only after a permit."""

    summary: SessionSummary
    text: SessionText
    basis: str


def _summary(row: SupervisionSession) -> SessionSummary:
    return SessionSummary(row.id, row.worker_id, row.supervisor_id, row.held_on, row.created_at)


def read(db: Session, by: Acting, session_id: int) -> SessionView:
    """One session, for its worker or supervisor. Logged, allowed or denied.

    Raises:
        SessionNotFound: missing, or not theirs to read (the same answer).
    """
    row, decision = load_and_authorize(
        db, by, SupervisionSession, session_id, Action.SUPERVISION_SESSION_READ
    )
    target = Target("supervision_session", session_id)
    basis = decision.basis
    text = _open(db, row)
    _log(db, by, Action.SUPERVISION_SESSION_READ, row.worker_id, target, Outcome.ALLOWED, basis)
    return SessionView(_summary(row), text, basis)


def sessions_of(db: Session, by: Acting, worker_id: int) -> list[SessionSummary]:
    """The sessions of one worker this person may read, newest first: all of them for the
    worker and their current supervisor; the ones they logged, for a former supervisor.

    Dates and names only, as a coordinator sees them, so the list itself is not logged.

    Raises:
        SessionNotFound: not a peer worker, or nothing of theirs this person may read (logged).
    """
    worker = _peer_worker(db, worker_id)
    if worker is not None:
        query = (
            select(SupervisionSession)
            .where(SupervisionSession.worker_id == worker.id)
            .order_by(SupervisionSession.held_on.desc(), SupervisionSession.id.desc())
        )
        if by.id == worker.id or supervises_now(db, by, worker.id):
            return [_summary(r) for r in db.scalars(query)]
        if by.role is Role.CLINICIAN:
            logged = db.scalars(query.where(SupervisionSession.supervisor_id == by.id)).all()
            if logged:
                return [_summary(r) for r in logged]
    _log(
        db,
        by,
        Action.SUPERVISION_SESSION_READ,
        worker.id if worker else None,
        Target("user", worker_id),
        Outcome.DENIED,
        ObjectBasis.NOT_SUPERVISION_PARTY if worker else Basis.NOT_FOUND,
    )
    raise SessionNotFound(worker_id)


def last_sessions(db: Session, worker_ids: Iterable[int]) -> dict[int, SessionSummary]:
    """Each worker's most recent session (date and who), for coordinators and dashboards."""
    ids = set(worker_ids)
    if not ids:
        return {}
    newest = (
        select(
            SupervisionSession.worker_id,
            func.max(SupervisionSession.held_on).label("held_on"),
        )
        .where(SupervisionSession.worker_id.in_(ids))
        .group_by(SupervisionSession.worker_id)
        .subquery()
    )
    found: dict[int, SessionSummary] = {}
    for row in db.scalars(
        select(SupervisionSession)
        .join(
            newest,
            (newest.c.worker_id == SupervisionSession.worker_id)
            & (newest.c.held_on == SupervisionSession.held_on),
        )
        .order_by(SupervisionSession.id)
    ):
        found[row.worker_id] = _summary(row)  # the last logged of that day wins
    return found


# The supervisor's dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class OpenConcern:
    """A risk concern the worker raised that waits for this supervisor's co-signature."""

    id: int
    subject_id: int
    created_at: datetime


@dataclass
class WorkerRow:
    worker: User
    supervised_since: datetime
    last: SessionSummary | None
    #: "none" (no session yet), "overdue" (over six weeks ago) or "" (recent enough).
    nudge: str
    concerns: list[OpenConcern] = field(default_factory=list)
    agreements_due: list[SupportAgreement] = field(default_factory=list)
    flagged_contacts: list[Contact] = field(default_factory=list)


def current_workers(db: Session, supervisor_id: int) -> list[tuple[User, Supervision]]:
    """The active peer workers this clinician supervises now, by name."""
    return [
        (user, row)
        for user, row in db.execute(
            select(User, Supervision)
            .join(Supervision, Supervision.worker_id == User.id)
            .where(
                Supervision.supervisor_id == supervisor_id,
                Supervision.ended_at.is_(None),
                User.active.is_(True),
            )
            .order_by(User.display_name, User.id)
        )
    ]


def nudge(last: SessionSummary | None, today: date) -> str:
    """ "none" (no session yet), "overdue" (over OVERDUE_DAYS ago) or "" (recent enough)."""
    if last is None:
        return "none"
    if (today - last.held_on).days > OVERDUE_DAYS:
        return "overdue"
    return ""


def dashboard(db: Session, by: Acting, today: date) -> list[WorkerRow]:
    """A clinician's current workers: last session, open risk concerns waiting for their
    co-signature, agreements due for review and contacts outside an agreement.

    The concerns list is logged (one entry per person the concerns are about), as on the
    clinician's risk list; session texts are not read here.
    """
    if by.role is not Role.CLINICIAN or by.id is None:
        return []
    pairs = current_workers(db, by.id)
    ids = [user.id for user, _ in pairs]
    if not ids:
        return []
    last = last_sessions(db, ids)
    rows = {
        user.id: WorkerRow(user, sup.started_at, last.get(user.id), nudge(last.get(user.id), today))
        for user, sup in pairs
    }
    concerns = db.scalars(
        select(RiskConcern)
        .where(
            RiskConcern.raised_by_id.in_(ids),
            RiskConcern.cosigner_id == by.id,
            RiskConcern.cosigned_at.is_(None),
        )
        .order_by(RiskConcern.created_at, RiskConcern.id)
    ).all()
    for subject_id in sorted({c.subject_id for c in concerns}):
        record_event(
            db, by, Action.RISK_LIST, subject_id, None, Outcome.ALLOWED, ObjectBasis.DUTY_OF_CARE
        )
    for c in concerns:
        rows[c.raised_by_id].concerns.append(OpenConcern(c.id, c.subject_id, c.created_at))
    # Listed without their terms or any note, as on the agreements' own lists (not logged);
    # opening an agreement from here is logged by its page.
    for agreement in agreements.due_for_review(db, ids, today, within_days=REVIEW_WITHIN_DAYS):
        rows[agreement.worker_id].agreements_due.append(agreement)
    for contact in contacts.flagged(db, ids, today - timedelta(days=FLAGGED_SINCE_DAYS)):
        rows[contact.worker_id].flagged_contacts.append(contact)
    # Their reasons quote the agreement's terms: each worker's flags shown is a logged read.
    # About the worker, not the person: flags are never for the person's eyes, their own
    # access-log page included.
    for worker_id in sorted({i for i in ids if rows[i].flagged_contacts}):
        record_event(
            db,
            by,
            Action.CONTACT_FLAGS_READ,
            None,
            Target("user", worker_id),
            Outcome.ALLOWED,
            ObjectBasis.SUPERVISOR,
        )
    return [rows[i] for i in ids]


# Demo -------------------------------------------------------------------------------------------
