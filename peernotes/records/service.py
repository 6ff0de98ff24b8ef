"""The only way into the medical record: write, amend, read and list entries, and the
subject's own words and correction requests on them (with a clinician's answers).

Every call decides with `decide()` (or its SQL twin for lists), writes its access-log entry in
the same transaction, and decrypts only after a permit. A denied entry raises `NotFound`,
exactly as a missing one does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peernotes.access.decision import (
    PEER_WORKERS,
    RECORD_CATEGORIES,
    Act,
    Category,
    Decision,
    Reason,
    Request,
    decide,
)
from peernotes.access.objects import record_versions_open_to
from peernotes.access.queries import readable_entries
from peernotes.access.relationships import relationships, through_app
from peernotes.audit import words
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.crypto.sealing import MissingDataKey, seal_about, unseal_about
from peernotes.errors import Refused
from peernotes.records.models import (
    RecordEntry,
    RecordEntryStatement,
    RecordRevision,
    RevisionKind,
    StatementKind,
)
from peernotes.workforce.wellbeing.topics import UnknownTopic
from peernotes.workforce.wellbeing.topics import parse_note as parse_content_note


class RecordBasis(StrEnum):
    """Bases and reasons of the record's own steps in the access log."""

    NO_BASIS_TO_WRITE = "no_basis_to_write"
    NOT_BY_CONSENT = "not_by_consent"
    NOT_CLINICIAN = "not_clinician"
    #: Someone who may read an entry, but is not the person it is about, tried to add their
    #: "own words" to it.
    NOT_SUBJECT = "not_subject"


PAGE_SIZE = 25
MAX_TITLE = 200
MAX_BODY = 20_000
MAX_STATEMENT = 4_000


class NotFound(LookupError):
    """No such entry, or one this person may not see: the two are indistinguishable."""


class RecordError(Refused):
    """Bad input for a record operation; the message is safe to show."""


@dataclass(frozen=True)
class StatementView:
    """One statement on an entry, opened only after a permit to read the entry."""

    id: int
    kind: StatementKind
    author_id: int
    created_at: datetime
    text: str
    #: For a correction request: the clinician's answer, once there is one.
    answer: StatementView | None = None


@dataclass(frozen=True)
class EntryView:
    """A decrypted entry, built only after a permit."""

    id: int
    subject_id: int
    category: Category
    title: str
    body: str
    author_id: int
    created_at: datetime
    revision: int
    revised_at: datetime
    revised_by_id: int
    kind: RevisionKind
    reason: str
    entered_in_error: bool
    #: For a peer contribution filed from a note: who wrote it, who approved it, and when.
    provenance: str = ""
    #: The subject's own words and correction requests (each with its answer), oldest first:
    #: whoever may read the entry reads them with it.
    statements: tuple[StatementView, ...] = ()
    #: The author's content note, if they tagged it (`workforce.wellbeing.topics`).
    content_note: str | None = None


@dataclass(frozen=True)
class EntrySummary:
    """What a list shows: no content, only what the reader may know exists."""

    id: int
    category: Category
    created_at: datetime
    author_id: int
    revision: int
    entered_in_error: bool


def _aad(entry_id: int, number: int, subject_id: int) -> bytes:
    return f"record_revisions:{entry_id}:{number}:{subject_id}".encode()


def _decide(
    db: Session,
    actor: Acting,
    subject_id: int,
    act: Act,
    category: Category,
    at: datetime,
    author_id: int | None = None,
) -> Decision:
    assert actor.id is not None and actor.role is not None
    request = Request(actor.id, actor.role, subject_id, act, category, at, author_id)
    return decide(request, relationships(db, actor).consent_facts(subject_id, at))


def may_write(db: Session, actor: Acting, subject_id: int) -> bool:
    """Could this person write any entry in this record now? (Clinicians only: by care
    assignment, or by the consumer's `contribute` consent.) For pages; writes decide again."""
    if actor.role is not Role.CLINICIAN or actor.id is None or actor.id == subject_id:
        return False
    rel = relationships(db, actor)
    now, facts = rel.now, rel.consent_facts(subject_id)
    return any(
        decide(Request(actor.id, actor.role, subject_id, Act.CONTRIBUTE, c, now), facts).permitted
        for c in RECORD_CATEGORIES
    )


def may_write_or_logged(db: Session, actor: Acting, subject_id: int) -> bool:
    """`may_write`, with a refusal on record when not: the form to write here does not exist
    for this person (nor, in what they are shown, does the person's name)."""
    if may_write(db, actor, subject_id):
        return True
    record_event(
        db,
        actor,
        Action.RECORD_WRITE,
        subject_id,
        None,
        Outcome.DENIED,
        RecordBasis.NO_BASIS_TO_WRITE,
    )
    return False


def may_open(db: Session, actor: Acting, subject_id: int) -> bool:
    """Would this record's page open for this person now (anything to read, or to write)?
    Pages link to a record only when it would: a link is a promise that the page is there."""
    if actor.id == subject_id:
        return True
    assert actor.id is not None and actor.role is not None
    rel = relationships(db, actor)
    facts = rel.consent_facts(subject_id)
    if any(
        decide(Request(actor.id, actor.role, subject_id, Act.READ, c, rel.now), facts).permitted
        for c in RECORD_CATEGORIES
    ):
        return True
    return may_write(db, actor, subject_id)


def _validate(category: str, title: str, body: str) -> tuple[Category, str, str]:
    try:
        parsed = Category(category)
    except ValueError as exc:
        raise RecordError("Choose one of the record categories.", "category") from exc
    if parsed not in RECORD_CATEGORIES:
        raise RecordError("Choose one of the record categories.", "category")
    title, body = title.strip(), body.strip()
    if not title or len(title) > MAX_TITLE:
        raise RecordError(f"Give a title of up to {MAX_TITLE} characters.", "title")
    if not body or len(body) > MAX_BODY:
        raise RecordError(f"Write the entry (up to {MAX_BODY:,} characters).", "body")
    return parsed, title, body


def _payload(title: str, body: str, reason: str, provenance: str = "") -> bytes:
    return json.dumps(
        {"title": title, "body": body, "reason": reason, "provenance": provenance}
    ).encode()


def _create_entry(
    db: Session,
    actor: Acting,
    subject_id: int,
    category: Category,
    title: str,
    body: str,
    basis: str,
    now: datetime,
    provenance: str = "",
) -> RecordEntry:
    """A new entry with its first revision, sealed, and its access-log entry. After a permit."""
    assert actor.id is not None
    entry = RecordEntry(
        subject_id=subject_id, category=category, author_id=actor.id, created_at=now
    )
    db.add(entry)
    db.flush()
    db.add(
        RecordRevision(
            entry_id=entry.id,
            number=1,
            kind=RevisionKind.ORIGINAL,
            author_id=actor.id,
            created_at=now,
            ciphertext=seal_about(
                db, subject_id, _payload(title, body, "", provenance), _aad(entry.id, 1, subject_id)
            ),
        )
    )
    db.flush()
    logged = Target("record_entry", entry.id)
    record_event(db, actor, Action.RECORD_WRITE, subject_id, logged, Outcome.ALLOWED, basis)
    return entry


@step
def write_entry(
    db: Session,
    actor: Acting,
    subject: User,
    category: str,
    title: str,
    body: str,
    content_note: str = "",
) -> RecordEntry:
    """A clinician writes a new entry in a consumer's record, optionally tagged with a content
    note (a topic some readers asked to see collapsed; it never changes who may read it).

    Raises:
        RecordError: bad input, or no basis to write for this consumer (also logged).
    """
    if subject.role is not Role.CONSUMER:
        raise RecordError("Medical records are kept for consumers only.")
    parsed, title, body = _validate(category, title, body)
    try:
        note = parse_content_note(content_note)
    except UnknownTopic as exc:
        raise RecordError("Choose a content note from the list, or none.", "content_note") from exc
    now = relationships(db, actor).now
    decision = _decide(db, actor, subject.id, Act.CONTRIBUTE, parsed, now)
    if not decision.permitted or actor.role is not Role.CLINICIAN:
        record_event(
            db,
            actor,
            Action.RECORD_WRITE,
            subject.id,
            None,
            Outcome.DENIED,
            decision.basis if not decision.permitted else RecordBasis.NOT_CLINICIAN,
        )
        raise RecordError("You can write in the records of people in your care only.")
    entry = _create_entry(db, actor, subject.id, parsed, title, body, decision.basis, now)
    if note is not None:
        entry.content_note = note  # the header may change; its revisions never do
        db.flush()
    return entry


def contribute_entry(
    db: Session,
    actor: Acting,
    subject: User,
    category: str,
    title: str,
    body: str,
    provenance: str,
) -> RecordEntry:
    """A peer worker files an approved section of a note into the record: only under the
    consumer's `contribute` consent for that category (never by role or assignment).

    Raises:
        RecordError: no such consent (logged), or bad input.
    """
    parsed, title, body = _validate(category, title, body)
    now = relationships(db, actor).now
    decision = _decide(db, actor, subject.id, Act.CONTRIBUTE, parsed, now)
    if actor.role not in PEER_WORKERS or not decision.basis.startswith("consent:"):
        record_event(
            db,
            actor,
            Action.RECORD_WRITE,
            subject.id,
            None,
            Outcome.DENIED,
            decision.basis if not decision.permitted else RecordBasis.NOT_BY_CONSENT,
        )
        raise RecordError("You need their consent to add to their record under this heading.")
    return _create_entry(
        db, actor, subject.id, parsed, title, body, decision.basis, now, provenance
    )


def contributable(db: Session, actor: Acting, subject_id: int) -> list[Category]:
    """The record categories this peer worker may file into, by the consumer's consent."""
    if actor.role not in PEER_WORKERS or actor.id is None:
        return []
    now = relationships(db, actor).now
    return [
        c
        for c in RECORD_CATEGORIES
        if _decide(db, actor, subject_id, Act.CONTRIBUTE, c, now).basis.startswith("consent:")
    ]


def _clinician_contribution(
    db: Session, actor: Acting, entry: RecordEntry, now: datetime
) -> Decision:
    """May this person add to this entry (amend it, or answer a correction request on it)?
    A clinician with a basis to contribute to its category: their care assignment, or the
    consumer's `contribute` consent. Anyone else is denied (`not_clinician`)."""
    decision = _decide(db, actor, entry.subject_id, Act.CONTRIBUTE, entry.category, now)
    if decision.permitted and actor.role is not Role.CLINICIAN:
        return Decision.deny(RecordBasis.NOT_CLINICIAN)
    return decision


@step
def amend_entry(
    db: Session,
    actor: Acting,
    subject_id: int,
    entry_id: int,
    title: str,
    body: str,
    reason: str,
    *,
    entered_in_error: bool = False,
) -> RecordEntry:
    """Add a revision (an amendment, or "entered in error"). The old text stays as it was.

    Raises:
        NotFound: no such entry in this subject's record, or not one this person may amend.
        RecordError: bad input.
    """
    entry = db.get(RecordEntry, entry_id)
    now = relationships(db, actor).now
    if entry is None or entry.subject_id != subject_id:
        # An entry reached through another person's address answers like a missing one (it
        # once amended the entry whatever the address said). Logged as `_readable_entry` does:
        # about the entry's real subject, never the person the address names.
        about = entry.subject_id if entry is not None else None
        logged = Target("record_entry", entry_id)
        record_event(db, actor, Action.RECORD_AMEND, about, logged, Outcome.DENIED, Basis.NOT_FOUND)
        raise NotFound()
    decision = _clinician_contribution(db, actor, entry, now)
    if not decision.permitted:
        record_event(
            db,
            actor,
            Action.RECORD_AMEND,
            entry.subject_id,
            Target("record_entry", entry.id),
            Outcome.DENIED,
            decision.basis,
        )
        raise NotFound()
    reason = reason.strip()
    if not reason or len(reason) > 500:
        raise RecordError("Say why you are changing this entry (up to 500 characters).", "reason")
    _, current = _open_revision(db, entry, entry.latest_revision)
    if entered_in_error:
        title, body = current["title"], current["body"]
    else:
        _, title, body = _validate(entry.category.value, title, body)
    # Where an entry came from stays with it through every amendment.
    provenance = current.get("provenance", "")
    number = entry.latest_revision + 1
    db.add(
        RecordRevision(
            entry_id=entry.id,
            number=number,
            kind=RevisionKind.ENTERED_IN_ERROR if entered_in_error else RevisionKind.AMENDMENT,
            author_id=actor.id,
            created_at=now,
            ciphertext=seal_about(
                db,
                entry.subject_id,
                _payload(title, body, reason, provenance),
                _aad(entry.id, number, entry.subject_id),
            ),
        )
    )
    entry.latest_revision = number
    entry.entered_in_error = entry.entered_in_error or entered_in_error
    db.flush()
    logged = Target("record_entry", entry.id)
    record_event(
        db, actor, Action.RECORD_AMEND, entry.subject_id, logged, Outcome.ALLOWED, decision.basis
    )
    return entry


def _open_revision(
    db: Session, entry: RecordEntry, number: int
) -> tuple[RecordRevision, dict[str, str]]:
    """A revision and its decrypted payload (title, body, reason)."""
    revision = db.scalar(
        select(RecordRevision).where(
            RecordRevision.entry_id == entry.id, RecordRevision.number == number
        )
    )
    if revision is None:
        raise NotFound()
    try:
        plain = unseal_about(
            db, entry.subject_id, revision.ciphertext, _aad(entry.id, number, entry.subject_id)
        )
    except MissingDataKey:
        raise NotFound() from None
    payload: dict[str, str] = json.loads(plain)
    return revision, payload


def _readable_entry(
    db: Session, actor: Acting, subject_id: int, entry_id: int, action: Action
) -> tuple[RecordEntry, Decision]:
    """The entry and the permit to read it, when it is in this subject's record and `decide()`
    lets this person read it. Otherwise the refusal is logged under `action` and NotFound
    raised: a withheld entry answers exactly like a missing one.

    A permit is not logged here: the caller logs what it then does, with the permit's basis.
    """
    entry = db.get(RecordEntry, entry_id)
    now = relationships(db, actor).now
    if entry is None or entry.subject_id != subject_id:
        # About the entry's real subject, or about nobody for an id that names no entry: never
        # about the person the URL names, whose own log would then tell them that an entry
        # (and its category) exists in someone else's record, or would show it to whoever
        # later gets an account with that id.
        about = entry.subject_id if entry is not None else None
        logged = Target("record_entry", entry_id)
        record_event(db, actor, action, about, logged, Outcome.DENIED, Basis.NOT_FOUND)
        raise NotFound()
    decision = _decide(db, actor, entry.subject_id, Act.READ, entry.category, now, entry.author_id)
    if not decision.permitted:
        logged = Target("record_entry", entry.id)
        record_event(db, actor, action, entry.subject_id, logged, Outcome.DENIED, decision.basis)
        raise NotFound()
    return entry, decision


def read_entry(db: Session, actor: Acting, subject_id: int, entry_id: int) -> EntryView:
    """One entry with its statements, decrypted after a permit. Every call is logged, allowed
    or denied.

    Raises:
        NotFound: no such entry in this subject's record, or not permitted (the same answer).
    """
    entry, decision = _readable_entry(db, actor, subject_id, entry_id, Action.RECORD_READ)
    record_event(
        db,
        actor,
        Action.RECORD_READ,
        entry.subject_id,
        Target("record_entry", entry.id),
        Outcome.ALLOWED,
        decision.basis,
    )
    revision, payload = _open_revision(db, entry, entry.latest_revision)
    return EntryView(
        id=entry.id,
        subject_id=entry.subject_id,
        category=entry.category,
        title=payload["title"],
        body=payload["body"],
        author_id=entry.author_id,
        created_at=entry.created_at,
        revision=revision.number,
        revised_at=revision.created_at,
        revised_by_id=revision.author_id,
        kind=revision.kind,
        reason=payload["reason"],
        entered_in_error=entry.entered_in_error,
        provenance=payload.get("provenance", ""),
        statements=_statements(db, entry),
        content_note=entry.content_note,
    )


@dataclass(frozen=True)
class RevisionView:
    """One version of an entry: the original, an amendment, or "entered in error"."""

    number: int
    kind: RevisionKind
    author_id: int
    created_at: datetime
    title: str
    body: str
    reason: str
    provenance: str = ""


def revisions(db: Session, actor: Acting, entry: EntryView) -> list[RevisionView]:
    """Every version of an entry the person has just read (`read_entry`), oldest first, for
    the person it is about: their whole record is theirs, amendments and all. Anyone else
    reads the current version only (what `read_entry` gave them), so nothing more here.
    Nothing is logged: the read that produced `entry` already was."""
    if not record_versions_open_to(actor.id, entry.subject_id):
        return []
    row = db.get_one(RecordEntry, entry.id)
    shown = []
    for number in range(1, row.latest_revision + 1):
        revision, payload = _open_revision(db, row, number)
        shown.append(
            RevisionView(
                revision.number,
                revision.kind,
                revision.author_id,
                revision.created_at,
                payload["title"],
                payload["body"],
                payload["reason"],
                payload.get("provenance", ""),
            )
        )
    return shown


# The subject's voice on an entry -----------------------------------------------------------
#: What the subject may add themselves; an answer is a clinician's (`answer_correction`).
_SUBJECT_KINDS = frozenset({StatementKind.OWN_WORDS, StatementKind.CORRECTION})


def _statement_aad(
    entry: RecordEntry, number: int, kind: StatementKind, author_id: int, answers: int | None
) -> bytes:
    # Bound to the row's place in the entry's story and to what the row says it is: moved to
    # another entry or person, or relabelled (a person's own words shown as a clinician's
    # answer, an answer moved to another request), the text no longer opens.
    return (
        f"record_entry_statements:{entry.id}:{number}:{entry.subject_id}:"
        f"{kind.value}:{author_id}:{answers or 0}"
    ).encode()


def _statement_text(text: str, what: str) -> str:
    body = text.strip()
    if not body or len(body) > MAX_STATEMENT:
        raise RecordError(f"{what} (up to {MAX_STATEMENT:,} characters).", "text")
    return body


def _add_statement_row(
    db: Session,
    actor: Acting,
    entry: RecordEntry,
    kind: StatementKind,
    text: str,
    now: datetime,
    *,
    answers: int | None = None,
) -> RecordEntryStatement:
    """Seal and add one statement. The rows are append-only, so the ciphertext cannot be bound
    to an id that does not exist yet: it is bound to the statement's number on the entry,
    which a unique constraint keeps to one row."""
    assert actor.id is not None
    latest = db.scalar(
        select(func.max(RecordEntryStatement.number)).where(
            RecordEntryStatement.entry_id == entry.id
        )
    )
    number = (latest or 0) + 1
    aad = _statement_aad(entry, number, kind, actor.id, answers)
    row = RecordEntryStatement(
        entry_id=entry.id,
        number=number,
        author_id=actor.id,
        kind=kind,
        answers_id=answers,
        created_at=now,
        ciphertext=seal_about(db, entry.subject_id, text.encode(), aad),
    )
    try:
        with db.begin_nested():  # a savepoint: a lost race undoes this row and nothing else
            db.add(row)
    except IntegrityError as exc:
        # Another statement took this number, or another answer this request, a moment ago
        # (the unique constraints): a message, never an error page.
        if answers is not None:
            raise RecordError("This correction request has been answered already.") from exc
        raise RecordError(
            "Someone added to this entry at the same moment; please try again."
        ) from exc
    return row


@step
def add_statement(
    db: Session, actor: Acting, subject_id: int, entry_id: int, kind: str, text: str
) -> RecordEntryStatement:
    """The subject's own words on an entry about them, or their request for a correction.
    It never changes the entry: it stays beside it, wherever the entry is shown.

    Raises:
        NotFound: no such entry in this record, one this person may not read, or one they
            read but are not the subject of (each logged): for anyone but the subject there is
            nothing here to add to, as for an amendment by someone who may not amend.
        RecordError: something they cannot add, or no text or too much.
    """
    entry, _ = _readable_entry(db, actor, subject_id, entry_id, Action.RECORD_STATEMENT)
    logged = Target("record_entry", entry.id)
    if actor.id != entry.subject_id:
        record_event(
            db,
            actor,
            Action.RECORD_STATEMENT,
            entry.subject_id,
            logged,
            Outcome.DENIED,
            RecordBasis.NOT_SUBJECT,
        )
        raise NotFound()
    try:
        parsed = StatementKind(kind)
    except ValueError:
        parsed = None
    if parsed not in _SUBJECT_KINDS:
        raise RecordError("Choose your own words, or a request for a correction.", "kind")
    assert parsed is not None
    what = (
        "Write what you want to add" if parsed is StatementKind.OWN_WORDS else "Say what is wrong"
    )
    body = _statement_text(text, what)
    now = relationships(db, actor).now
    row = _add_statement_row(db, actor, entry, parsed, body, now)
    record_event(
        db, actor, Action.RECORD_STATEMENT, entry.subject_id, logged, Outcome.ALLOWED, Basis.SELF
    )
    return row


@step
def answer_correction(
    db: Session,
    actor: Acting,
    subject_id: int,
    entry_id: int,
    correction_id: int,
    text: str,
) -> RecordEntryStatement:
    """A clinician answers a correction request on an entry: what they changed, or why not.
    Once per request; the answer stays beside it.

    Who may: a clinician who may read the entry (they answer what they read) and who may
    contribute to it, by the same decision as an amendment (`_clinician_contribution`).

    Raises:
        NotFound: no such entry in this record, or one this person may not answer on (logged).
        RecordError: no such open correction request on this entry, or no text or too much.
    """
    action = Action.RECORD_CORRECTION_REPLY
    entry, _ = _readable_entry(db, actor, subject_id, entry_id, action)
    now = relationships(db, actor).now
    decision = _clinician_contribution(db, actor, entry, now)
    logged = Target("record_entry", entry.id)
    if not decision.permitted:
        record_event(db, actor, action, entry.subject_id, logged, Outcome.DENIED, decision.basis)
        raise NotFound()
    asked = db.get(RecordEntryStatement, correction_id)
    if asked is None or asked.entry_id != entry.id or asked.kind is not StatementKind.CORRECTION:
        raise RecordError("There is no such correction request on this entry.")
    answered = select(RecordEntryStatement.id).where(RecordEntryStatement.answers_id == asked.id)
    if db.scalar(answered) is not None:
        raise RecordError("This correction request has been answered already.")
    body = _statement_text(text, "Write your answer: what you changed, or why not")
    row = _add_statement_row(
        db, actor, entry, StatementKind.CORRECTION_REPLY, body, now, answers=asked.id
    )
    record_event(db, actor, action, entry.subject_id, logged, Outcome.ALLOWED, decision.basis)
    return row


def may_answer(db: Session, actor: Acting, entry: EntryView) -> bool:
    """Could this person answer correction requests on this entry (which they are reading)?
    For the page; `answer_correction` decides again."""
    if actor.role is not Role.CLINICIAN:
        return False
    row = db.get_one(RecordEntry, entry.id)
    return _clinician_contribution(db, actor, row, relationships(db, actor).now).permitted


def _statements(db: Session, entry: RecordEntry) -> tuple[StatementView, ...]:
    """The entry's statements, opened (call only after a permit to read the entry): own words
    and correction requests in the order they were made, each request with its answer."""
    rows = db.scalars(
        select(RecordEntryStatement)
        .where(RecordEntryStatement.entry_id == entry.id)
        .order_by(RecordEntryStatement.number)
    ).all()
    opened = {
        r.id: StatementView(
            r.id,
            r.kind,
            r.author_id,
            r.created_at,
            unseal_about(
                db,
                entry.subject_id,
                r.ciphertext,
                _statement_aad(entry, r.number, r.kind, r.author_id, r.answers_id),
            ).decode(),
        )
        for r in rows
    }
    answers = {r.answers_id: opened[r.id] for r in rows if r.answers_id is not None}
    return tuple(
        replace(opened[r.id], answer=answers.get(r.id))
        for r in rows
        if r.kind is not StatementKind.CORRECTION_REPLY
    )


@dataclass(frozen=True)
class StatementCounts:
    """What a list may say of an entry's statements: how many, never what they say."""

    own_words: int = 0
    corrections: int = 0
    answered: int = 0

    @property
    def waiting(self) -> int:
        """Correction requests with no answer yet."""
        return self.corrections - self.answered


def statement_counts(db: Session, entry_ids: Sequence[int]) -> dict[int, StatementCounts]:
    """The statements of each of these entries, counted by kind, in one query: for a list of
    entries the reader may already see (the caller's filter), so a page's cost stays flat."""
    if not entry_ids:
        return {}
    query = (
        select(RecordEntryStatement.entry_id, RecordEntryStatement.kind, func.count())
        .where(RecordEntryStatement.entry_id.in_(entry_ids))
        .group_by(RecordEntryStatement.entry_id, RecordEntryStatement.kind)
    )
    counted: dict[int, dict[StatementKind, int]] = {}
    for entry_id, kind, number in db.execute(query):
        counted.setdefault(entry_id, {})[kind] = number
    return {
        entry_id: StatementCounts(
            own_words=kinds.get(StatementKind.OWN_WORDS, 0),
            corrections=kinds.get(StatementKind.CORRECTION, 0),
            # One answer per request (a unique constraint), so answers count answered requests.
            answered=kinds.get(StatementKind.CORRECTION_REPLY, 0),
        )
        for entry_id, kinds in counted.items()
    }


@dataclass(frozen=True)
class EntryPage:
    entries: list[EntrySummary]
    older: int | None
    #: May this person read anything of this record at all (even if this page is empty)?
    permitted: bool


def list_entries(
    db: Session,
    actor: Acting,
    subject_id: int,
    *,
    before: int | None = None,
    size: int = PAGE_SIZE,
) -> EntryPage:
    """The entries of one record this person may read, newest first, keyset-paged.

    It says nothing of entries this person may not read: not that there are any.

    The cost of a page does not grow with the record: the page walks the index on
    (subject_id, id) newest first and stops after `size + 1` readable entries.
    """
    assert actor.id is not None and actor.role is not None
    now = relationships(db, actor).now
    if db.get_bind().dialect.name == "postgresql":
        # psycopg prepares a statement once it has run five times on a connection, and
        # PostgreSQL may then plan it once for any subject: for the *average* record, a handful
        # of entries. That generic plan bitmap-scans the whole record, runs every entry through
        # the consent subqueries, then sorts: 12 ms instead of 0.5 ms for a record of 2,000
        # entries (`make bench-records`). A custom plan sees this subject's real size.
        db.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    readable = readable_entries(actor.id, actor.role, now, emergency=not through_app(actor))
    query = select(RecordEntry).where(RecordEntry.subject_id == subject_id, readable)
    if before is not None:
        query = query.where(RecordEntry.id < before)
    rows = list(db.scalars(query.order_by(RecordEntry.id.desc()).limit(size + 1)))
    if subject_id == actor.id:
        basis = "self"  # the subject reads their whole record (rule 1 of decide())
    else:
        basis = _list_basis(_decisions(db, actor, subject_id, now), bool(rows))
    # Allowed when anything on this record may be read (an empty page of a record one may read
    # is still a permitted look), denied only when nothing may be.
    allowed = subject_id == actor.id or bool(rows) or basis not in _DENY_REASONS
    record_event(
        db,
        actor,
        Action.RECORD_LIST,
        subject_id,
        None,
        Outcome.ALLOWED if allowed else Outcome.DENIED,
        basis,
    )
    entries = [
        EntrySummary(
            r.id, r.category, r.created_at, r.author_id, r.latest_revision, r.entered_in_error
        )
        for r in rows[:size]
    ]
    older = rows[size - 1].id if len(rows) > size else None
    return EntryPage(entries, older, allowed)


def _decisions(
    db: Session, actor: Acting, subject_id: int, at: datetime
) -> dict[Category, Decision]:
    """`decide()` for every category of this record, with the facts read once."""
    assert actor.id is not None and actor.role is not None
    facts = relationships(db, actor).consent_facts(subject_id, at)
    return {
        category: decide(Request(actor.id, actor.role, subject_id, Act.READ, category, at), facts)
        for category in RECORD_CATEGORIES
    }


_DENY_REASONS = frozenset(
    {
        Reason.NO_CONSENT,
        Reason.ROLE_EXCLUDED,
        Reason.SAFETY_FLAG,
        Reason.TRAINING_LAPSED,
        Reason.NOT_NOMINATED,
    }
)


def _list_basis(decisions: dict[Category, Decision], any_rows: bool) -> str:
    """What the list entry in the access log says: the one basis every permitted category
    shares (`care_assignment`, `emergency:7`, `consent:12`), or `filtered` when they differ;
    for an empty list, the most telling reason (`training_lapsed`, `safety_flag`, ...) over
    the plain `no_consent`."""
    bases = {d.basis for d in decisions.values() if d.permitted}
    if any_rows or bases:
        return bases.pop() if len(bases) == 1 else "filtered"
    reasons = {d.basis for d in decisions.values() if not d.permitted}
    telling = sorted(reasons - {Reason.NO_CONSENT})
    return telling[0] if telling else Reason.NO_CONSENT


@dataclass(frozen=True)
class RecordPage:
    """One page of a record, and what the person may do there: all decided here, by the access
    layer's facts, so the page only shows it."""

    entries: EntryPage
    can_write: bool
    #: A clinician in the person's care (they also manage safety flags).
    in_care: bool
    #: When the clinician's emergency access ends, while one is open (and no other basis).
    emergency_until: datetime | None
    #: The own words and correction requests on each listed entry (counts only).
    statements: dict[int, StatementCounts]
    #: A carer the person named, to whom they show nothing now: the page is theirs to open
    #: (they know of each other), and says kindly that nothing is here, never why.
    nothing_yet: bool = False


def record_page(
    db: Session,
    actor: Acting,
    subject_id: int,
    *,
    before: int | None = None,
    size: int = PAGE_SIZE,
) -> RecordPage | None:
    """A page of the record, or None when there is nothing this person may read or write here
    (the page then answers exactly as for a person who does not exist)."""
    page = list_entries(db, actor, subject_id, before=before, size=size)
    can_write = may_write(db, actor, subject_id)
    rel = relationships(db, actor)
    if not page.permitted and not can_write:
        if actor.role is Role.CARER and rel.consent_facts(subject_id).carer_nominated:
            return RecordPage(page, False, False, None, {}, nothing_yet=True)
        return None
    clinician = actor.role is Role.CLINICIAN
    in_care = clinician and rel.in_care(subject_id)
    glass = rel.emergency_until(subject_id) if clinician and not in_care else None
    counts = statement_counts(db, [e.id for e in page.entries])
    return RecordPage(page, can_write, in_care, glass, counts)


# The access log in words -----------------------------------------------------------------
def _entry_categories(db: Session, ids: frozenset[int]) -> dict[int, str]:
    """The kind of each record entry (never its title or text)."""
    query = select(RecordEntry.id, RecordEntry.category).where(RecordEntry.id.in_(ids))
    return {entry_id: category.label for entry_id, category in db.execute(query)}


words.register("record_entry", "category", _entry_categories)
