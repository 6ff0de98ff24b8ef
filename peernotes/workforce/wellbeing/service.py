"""Care for the peer workforce. Flushes, never commits.

Workplace concerns: a peer worker raises a concern about their workplace (bullying, stigma,
unsafe demands, other) privately with their supervisor, or, if they choose, with a
coordinator instead. What they write, and every reply, is sealed under the worker's own data
key. Who reads it is decided in `access.objects.decide_workplace_concern`: the worker and the
one reader they chose, nobody else. Every read is logged once, and every refusal.

The reader answers in writing: a reply, an acknowledgement (open -> acknowledged), or a
closing (either side; -> closed). Nothing is deleted: the header's status changes, and the
words that changed it are an append-only message.

Collapsed topics: a peer worker names topics (`topics.CONTENT_NOTES`) they would rather not
read in detail. Content an author tagged with one of them is shown to that worker collapsed
behind its content note. This decides only how something is shown, never whether.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from peernotes.access.authorize import governs, holds_or_logged, load_and_authorize
from peernotes.access.decision import Decision
from peernotes.access.objects import (
    WorkplaceConcernFacts,
    acknowledges_concern,
    decide_workplace_concern,
)
from peernotes.access.relationships import Relationships, supervisor_of
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role
from peernotes.crypto.sealing import seal_about, unseal_about
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.notifications import service as notifications
from peernotes.workforce.wellbeing import topics as vocabulary
from peernotes.workforce.wellbeing.models import (
    CollapsedTopic,
    WorkplaceConcern,
    WorkplaceConcernMessage,
)

#: What a concern is about, in the worker's words for it.
KINDS: dict[str, str] = {
    "bullying": "Bullying or being treated badly",
    "stigma": "Stigma about lived experience",
    "unsafe_demands": "Unsafe demands or workload",
    "other": "Something else",
}
OPEN, ACKNOWLEDGED, CLOSED = "open", "acknowledged", "closed"
STATUS_WORDS = {OPEN: "open", ACKNOWLEDGED: "acknowledged", CLOSED: "closed"}
SUPERVISOR, COORDINATOR = "supervisor", "coordinator"
#: The worker's text and each reply, in characters.
MAX_TEXT = 5_000
TARGET = "workplace_concern"


class ConcernError(Refused):
    """Bad input, or a step this concern is not at; the message is safe to show. Nothing
    was stored."""


class ConcernNotFound(LookupError):
    """No such concern, or not this person's to read: the two answer alike."""


# Sealing ---------------------------------------------------------------------------------------


def _aad(row: WorkplaceConcern) -> bytes:
    return f"workplace_concerns:{row.token}:{row.worker_id}:{row.reader_id}".encode()


def _message_aad(concern: WorkplaceConcern, token: str, author_id: int, status: str) -> bytes:
    return f"workplace_concern_messages:{token}:{concern.id}:{author_id}:{status}".encode()


def _clean(raw: str, what: str, field: str) -> str:
    text = (raw or "").strip().replace("\r\n", "\n")
    if not text:
        raise ConcernError(f"Write {what}.", field)
    if len(text) > MAX_TEXT:
        raise ConcernError(f"That is longer than {MAX_TEXT:,} characters; shorten it.", field)
    return text


# Who may read ----------------------------------------------------------------------------------


def _worker_of(row: WorkplaceConcern) -> int:
    return row.worker_id


@governs(WorkplaceConcern, target_type=TARGET, not_found=ConcernNotFound, subject_of=_worker_of)
def _decide(rel: Relationships, by: Acting, row: WorkplaceConcern) -> Decision:
    """Who this person is to the concern (`access.objects.decide_workplace_concern`)."""
    facts = WorkplaceConcernFacts(by.id, row.worker_id, row.reader_id, row.reader_kind)
    return decide_workplace_concern(facts)


# Raising ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderChoice:
    """Someone a worker may raise a concern with: `value` is what the form sends."""

    value: str
    label: str


def coordinators(db: Session) -> list[User]:
    return list(
        db.scalars(
            select(User)
            .where(User.role == Role.ADMIN, User.active.is_(True))
            .order_by(User.display_name, User.id)
        )
    )


def reader_choices(db: Session, worker_id: int) -> list[ReaderChoice]:
    """The worker's supervisor now (if they have one), then each coordinator."""
    found: list[ReaderChoice] = []
    supervisor_id = supervisor_of(db, worker_id)
    if supervisor_id is not None:
        supervisor = db.get(User, supervisor_id)
        assert supervisor is not None
        found.append(ReaderChoice(SUPERVISOR, f"{supervisor.display_name}, my supervisor"))
    for person in coordinators(db):
        found.append(
            ReaderChoice(f"{COORDINATOR}:{person.id}", f"{person.display_name}, coordinator")
        )
    return found


def _reader(db: Session, worker_id: int, choice: str) -> tuple[int, str]:
    """The reader a form's choice names: (their id, supervisor or coordinator)."""
    if choice == SUPERVISOR:
        supervisor_id = supervisor_of(db, worker_id)
        if supervisor_id is None:
            raise ConcernError(
                "You have no supervisor at the moment: choose a coordinator instead.", "reader"
            )
        return supervisor_id, SUPERVISOR
    kind, _, raw_id = choice.partition(":")
    if kind == COORDINATOR and raw_id.isdigit():
        person = db.get(User, int(raw_id))
        if person is not None and person.role is Role.ADMIN and person.active:
            return person.id, COORDINATOR
    raise ConcernError("Choose who should read it: your supervisor or a coordinator.", "reader")


@step
def raise_concern(
    db: Session, by: Acting, reader_choice: str, kind: str, text: str
) -> WorkplaceConcern:
    """A peer worker raises a workplace concern with the reader they choose.

    Raises:
        ConcernError: not a peer worker (logged), or bad input (nothing stored).
    """
    if not holds_or_logged(db, by, Permission.WELLBEING_OWN, Action.WORKPLACE_CONCERN_RAISE):
        raise ConcernError("Only peer workers raise workplace concerns here.")
    assert by.id is not None
    if kind not in KINDS:
        raise ConcernError("Choose what the concern is about.", "kind")
    reader_id, reader_kind = _reader(db, by.id, reader_choice)
    body = _clean(text, "what happened and what you would like", "text")
    now = utcnow()
    row = WorkplaceConcern(
        worker_id=by.id,
        reader_id=reader_id,
        reader_kind=reader_kind,
        kind=kind,
        status=OPEN,
        created_at=now,
        updated_at=now,
        token=uuid.uuid4().hex,
        ciphertext=b"",
    )
    row.ciphertext = seal_about(db, by.id, body.encode(), _aad(row))
    db.add(row)
    db.flush()
    record_event(
        db,
        by,
        Action.WORKPLACE_CONCERN_RAISE,
        by.id,
        Target(TARGET, row.id),
        Outcome.ALLOWED,
        Basis.SELF,
    )
    notifications.notify(db, reader_id, notifications.Kind.WORKPLACE_CONCERN, row.id)
    return row


# Reading ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernSummary:
    """What a list shows, to the worker and to their chosen reader only: never the text."""

    id: int
    worker_id: int
    reader_id: int
    reader_kind: str
    kind: str
    status: str
    created_at: datetime
    updated_at: datetime

    @property
    def kind_words(self) -> str:
        return KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Message:
    author_id: int
    status_after: str | None
    created_at: datetime
    text: str


@dataclass(frozen=True)
class ConcernView:
    """One concern as a party sees it, built only after a permit."""

    summary: ConcernSummary
    text: str
    messages: tuple[Message, ...]
    #: "raiser" (the worker) or what the reader is to them ("supervisor", "coordinator").
    relation: str

    @property
    def is_reader(self) -> bool:
        return self.relation != "raiser"


def _summary(row: WorkplaceConcern) -> ConcernSummary:
    return ConcernSummary(
        row.id,
        row.worker_id,
        row.reader_id,
        row.reader_kind,
        row.kind,
        row.status,
        row.created_at,
        row.updated_at,
    )


def _messages(db: Session, row: WorkplaceConcern) -> tuple[Message, ...]:
    found = []
    for m in db.scalars(
        select(WorkplaceConcernMessage)
        .where(WorkplaceConcernMessage.concern_id == row.id)
        .order_by(WorkplaceConcernMessage.created_at, WorkplaceConcernMessage.id)
    ):
        aad = _message_aad(row, m.token, m.author_id, m.status_after or "")
        plain = unseal_about(db, row.worker_id, m.ciphertext, aad).decode()
        found.append(Message(m.author_id, m.status_after, m.created_at, plain))
    return tuple(found)


def read(db: Session, by: Acting, concern_id: int) -> ConcernView:
    """One concern with its messages, for the worker or their chosen reader. Logged once,
    allowed or denied.

    Raises:
        ConcernNotFound: missing, or not theirs to read (the same answer).
    """
    row, decision = load_and_authorize(
        db, by, WorkplaceConcern, concern_id, Action.WORKPLACE_CONCERN_READ
    )
    text = unseal_about(db, row.worker_id, row.ciphertext, _aad(row)).decode()
    record_event(
        db,
        by,
        Action.WORKPLACE_CONCERN_READ,
        row.worker_id,
        Target(TARGET, row.id),
        Outcome.ALLOWED,
        decision.basis,
    )
    return ConcernView(_summary(row), text, _messages(db, row), decision.relation or "")


def raised_by(db: Session, by: Acting) -> list[ConcernSummary]:
    """The concerns this person raised, newest first (no text: not a read)."""
    if by.id is None:
        return []
    query = (
        select(WorkplaceConcern)
        .where(WorkplaceConcern.worker_id == by.id)
        .order_by(WorkplaceConcern.created_at.desc(), WorkplaceConcern.id.desc())
    )
    return [_summary(r) for r in db.scalars(query)]


def addressed_to(db: Session, by: Acting) -> list[ConcernSummary]:
    """The concerns a worker chose this person to read, open ones first, newest first (no
    text: not a read). Empty for anyone not chosen, whatever their role."""
    if by.id is None:
        return []
    query = (
        select(WorkplaceConcern)
        .where(WorkplaceConcern.reader_id == by.id)
        .order_by(WorkplaceConcern.created_at.desc(), WorkplaceConcern.id.desc())
    )
    rows = [_summary(r) for r in db.scalars(query)]
    return sorted(rows, key=lambda r: r.status == CLOSED)


def waiting_for(db: Session, reader_id: int) -> int:
    """How many concerns addressed to this person are still open (not yet acknowledged)."""
    return int(
        db.scalar(
            select(func.count())
            .select_from(WorkplaceConcern)
            .where(WorkplaceConcern.reader_id == reader_id, WorkplaceConcern.status == OPEN)
        )
        or 0
    )


# Answering --------------------------------------------------------------------------------------

#: What a reply may do: only write, acknowledge (the reader, while open), or close.
REPLY, ACKNOWLEDGE, CLOSE = "reply", "acknowledge", "close"


@step
def answer(db: Session, by: Acting, concern_id: int, what: str, text: str) -> WorkplaceConcern:
    """A party writes on the concern: a reply, the reader's acknowledgement, or a closing.

    Raises:
        ConcernNotFound: missing or not theirs (logged).
        ConcernError: closed already, a step this person cannot take, or no words.
    """
    row, decision = load_and_authorize(
        db, by, WorkplaceConcern, concern_id, Action.WORKPLACE_CONCERN_REPLY
    )
    assert by.id is not None
    if row.status == CLOSED:
        raise ConcernError("This concern is closed. Raise a new one if something else happens.")
    if what == ACKNOWLEDGE:
        if not acknowledges_concern(decision):
            raise ConcernError("Only the person it was raised with acknowledges it.", "text")
        if row.status != OPEN:
            raise ConcernError("It is acknowledged already.", "text")
        status: str | None = ACKNOWLEDGED
    elif what == CLOSE:
        status = CLOSED
    elif what == REPLY:
        status = None
    else:
        raise ConcernError("Choose what to do.", "text")
    words = _clean(text, "what you want to say", "text")
    token = uuid.uuid4().hex
    aad = _message_aad(row, token, by.id, status or "")
    now = utcnow()
    db.add(
        WorkplaceConcernMessage(
            concern_id=row.id,
            author_id=by.id,
            status_after=status,
            created_at=now,
            token=token,
            ciphertext=seal_about(db, row.worker_id, words.encode(), aad),
        )
    )
    if status is not None:
        row.status = status
    row.updated_at = now
    db.flush()
    record_event(
        db,
        by,
        Action.WORKPLACE_CONCERN_REPLY,
        row.worker_id,
        Target(TARGET, row.id),
        Outcome.ALLOWED,
        decision.basis,
    )
    # The other party is told (the worker and their chosen reader are the only two).
    if by.id == row.worker_id:
        notifications.notify(db, row.reader_id, notifications.Kind.WORKPLACE_CONCERN, row.id)
    else:
        notifications.notify(db, row.worker_id, notifications.Kind.WORKPLACE_ANSWERED, row.id)
    return row


# Collapsed topics -------------------------------------------------------------------------------


def topics_of(db: Session, user_id: int | None) -> frozenset[str]:
    """The topics this person asked to see collapsed (none for anyone else)."""
    if user_id is None:
        return frozenset()
    return frozenset(
        db.scalars(select(CollapsedTopic.topic).where(CollapsedTopic.user_id == user_id))
    )


def collapses(db: Session, reader_id: int | None, content_note: str | None) -> bool:
    """Is content tagged `content_note` shown collapsed to this reader? (One query, and none
    at all for untagged content.)"""
    if content_note is None:
        return False
    return vocabulary.collapsed(content_note, topics_of(db, reader_id))


@step
def set_topics(db: Session, by: Acting, chosen: Iterable[str]) -> frozenset[str]:
    """A peer worker chooses their topics to see collapsed (replacing the last choice: a
    preference about how things are shown, not a record). Logged, without the topics.

    Raises:
        ConcernError: not a peer worker (logged), or a topic outside the vocabulary.
    """
    if not holds_or_logged(db, by, Permission.WELLBEING_OWN, Action.COLLAPSED_TOPICS_SET):
        raise ConcernError("Only peer workers choose topics to see collapsed here.")
    assert by.id is not None
    try:
        wanted = vocabulary.parse_topics(chosen)
    except vocabulary.UnknownTopic as exc:
        raise ConcernError("Choose topics from the list.", "topics") from exc
    db.execute(delete(CollapsedTopic).where(CollapsedTopic.user_id == by.id))
    now = utcnow()
    for topic in sorted(wanted):
        db.add(CollapsedTopic(user_id=by.id, topic=topic, created_at=now))
    db.flush()
    record_event(db, by, Action.COLLAPSED_TOPICS_SET, by.id, None, Outcome.ALLOWED, Basis.SELF)
    return wanted
