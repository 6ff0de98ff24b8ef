"""'My wishes' at a transition: a consumer's statement for an admission or a discharge.

Peer workers "advocate for the rights of the client" when people feel pushed for discharge
before they are ready, and sit with them on the ward. So a consumer writes, with the peer
worker they choose if they wish, what they want the team to know, who to call, and what they do
not want. The person alone sends it to their care team, who read it on the record and answer
it in writing.

- Every save is a new version; nothing is changed in place or deleted. The texts are sealed
  under the person's data key, bound to the version's row.
- Who may read it is `access.objects.decide_wishes` (the person; the peer worker they chose,
  while supporting them; once sent, the care team). A statement someone may not read answers
  exactly like a missing one, after a refusal on the access log.
- Every read, list, save, send and reply writes one access-log entry.

Flushes, never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.access.authorize import governs, load_and_authorize
from peernotes.access.decision import PEER_WORKERS, Decision
from peernotes.access.objects import (
    ObjectBasis,
    Relation,
    WishesFacts,
    WishesListFacts,
    decide_wishes,
    decide_wishes_list,
    writes_wishes,
)
from peernotes.access.relationships import Relationships, relationships, subjects_in_care
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment
from peernotes.crypto.texts import open_text, seal_text
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.notifications import service as notifications
from peernotes.wishes.models import Transition, Wish, WishReply, WishVersion

VERSIONS = "wish_versions"
REPLIES = "wish_replies"
#: Each text's longest: a page, not a document.
MAX_TEXT = 2000
MAX_REPLY = 2000

#: Refusal reasons in the access log (their words are in `accesslog.phrases`).
NOT_WRITER = "not_writer"
NOT_SENDER = "not_sender"
NOT_CLINICIAN = "not_clinician"


class WishError(Refused):
    """Bad input, or a step that is not this person's to take; the message is safe to show."""


class WishNotFound(LookupError):
    """No such statement, or none this person may read: the two are indistinguishable."""


class NotInCare(LookupError):
    """A list of someone's wishes that is not this person's to see (answered as missing)."""


@dataclass(frozen=True)
class Texts:
    """The three parts of a statement, in the person's words."""

    know: str
    call: str
    not_want: str


def check_texts(know: str, call: str, not_want: str) -> Texts:
    """Trimmed texts, checked.

    Raises:
        WishError: all empty, or one too long (naming its field).
    """
    texts = Texts((know or "").strip(), (call or "").strip(), (not_want or "").strip())
    for field, text in (("know", texts.know), ("call", texts.call), ("not_want", texts.not_want)):
        if len(text) > MAX_TEXT:
            raise WishError(
                f"Each part can be up to {MAX_TEXT} characters; this one is {len(text)}."
                " Please shorten it a little.",
                field,
            )
    if not (texts.know or texts.call or texts.not_want):
        raise WishError("Write at least one of the three parts.", "know")
    return texts


# Who may do what --------------------------------------------------------------------------------


def _log(
    db: Session,
    by: Acting,
    action: Action,
    subject_id: int | None,
    wish_id: int | None,
    outcome: Outcome,
    basis: str,
) -> None:
    target = Target("wish", wish_id) if wish_id is not None else None
    record_event(db, by, action, subject_id, target, outcome, basis)


@governs(Wish, target_type="wish", not_found=WishNotFound)
def _decide(rel: Relationships, by: Acting, wish: Wish) -> Decision:
    """Who this person is to the statement (`access.objects.decide_wishes`)."""
    return decide_wishes(
        WishesFacts(
            actor_id=by.id,
            actor_role=by.role,
            subject_id=wish.subject_id,
            helper_id=wish.helper_id,
            sent=wish.sent_at is not None,
            in_care=by.id != wish.subject_id and rel.in_care(wish.subject_id),
            training_current=by.role not in PEER_WORKERS or rel.training_current(),
        )
    )


def helpers_for(db: Session, subject_id: int) -> list[User]:
    """The peer workers who support this person now: whom they may choose to write with."""
    now = utcnow()
    return list(
        db.scalars(
            select(User)
            .join(CareAssignment, CareAssignment.worker_id == User.id)
            .where(
                CareAssignment.subject_id == subject_id,
                CareAssignment.active_at(now),
                User.role == Role.CONSUMER_PEER_WORKER,
                User.active.is_(True),
            )
            .order_by(User.display_name, User.id)
            .distinct()
        )
    )


# Writing ----------------------------------------------------------------------------------------


def _add_version(db: Session, by: Acting, wish: Wish, texts: Texts) -> WishVersion:
    assert by.id is not None
    newest = db.scalar(select(func.max(WishVersion.version)).where(WishVersion.wish_id == wish.id))
    row = WishVersion(
        wish_id=wish.id, version=(newest or 0) + 1, written_by_id=by.id, created_at=utcnow()
    )
    db.add(row)
    db.flush()
    # Sealed once the row has its id, which each text is bound to.
    subject = wish.subject_id
    row.know_sealed = seal_text(db, subject, VERSIONS, "know", row.id, texts.know)
    row.call_sealed = seal_text(db, subject, VERSIONS, "call", row.id, texts.call)
    row.not_want_sealed = seal_text(db, subject, VERSIONS, "not_want", row.id, texts.not_want)
    db.flush()
    return row


def _send(db: Session, by: Acting, wish: Wish, version: WishVersion) -> None:
    """The person sends this version to their care team (only the person calls this)."""
    moment = utcnow()
    version.sent, version.sent_at = True, moment
    if wish.sent_at is None:
        wish.sent_at = moment
    db.flush()
    _log(db, by, Action.WISHES_SEND, wish.subject_id, wish.id, Outcome.ALLOWED, Basis.SELF)
    # The clinicians who read it on the record, and one of whom is to reply, are told.
    clinicians = notifications.clinicians_in_care(db, wish.subject_id)
    notifications.notify_all(db, clinicians, notifications.Kind.WISHES_SENT, wish.id)


@step
def start(
    db: Session,
    by: Acting,
    transition: str,
    helper_id: int | None,
    texts: Texts,
    *,
    send: bool = False,
) -> Wish:
    """A consumer starts a statement about themselves, on their own or with a peer worker who
    supports them now; `send` sends this first version to their care team at once.

    Raises:
        WishError: not a consumer, an unknown transition, or a helper who does not support
            them now (nothing stored; the refusal of a helper is logged).
    """
    if by.id is None or by.role is not Role.CONSUMER:
        raise WishError("Only a consumer writes their own wishes.")
    try:
        chosen = Transition(transition)
    except ValueError:
        raise WishError("Choose an admission or a discharge.", "transition") from None
    if helper_id is not None and helper_id not in {w.id for w in helpers_for(db, by.id)}:
        _log(db, by, Action.WISHES_WRITE, by.id, None, Outcome.DENIED, ObjectBasis.NOT_IN_CARE)
        raise WishError("Choose a peer worker who supports you now, or no one.", "helper")
    wish = Wish(subject_id=by.id, transition=chosen, helper_id=helper_id, created_at=utcnow())
    db.add(wish)
    db.flush()
    version = _add_version(db, by, wish, texts)
    _log(db, by, Action.WISHES_WRITE, wish.subject_id, wish.id, Outcome.ALLOWED, Basis.SELF)
    if send:
        _send(db, by, wish, version)
    return wish


def _may_write(db: Session, by: Acting, wish_id: int, action: Action) -> tuple[Wish, Decision]:
    """The statement and the permit of its person or the peer worker they chose.

    Raises:
        WishNotFound: missing, or not theirs to read (logged, the same answer).
        WishError: a care-team member, who reads it but does not write it (logged).
    """
    wish, decision = load_and_authorize(db, by, Wish, wish_id, action)
    if not writes_wishes(decision):
        _log(db, by, action, wish.subject_id, wish.id, Outcome.DENIED, NOT_WRITER)
        raise WishError("Only the person and the peer worker they chose write their wishes.")
    return wish, decision


@step
def may_write(db: Session, by: Acting, wish_id: int) -> Wish:
    """The edit page's check before a save (logged only when refused; the save logs itself)."""
    wish, _ = _may_write(db, by, wish_id, Action.WISHES_WRITE)
    return wish


@step
def for_editing(db: Session, by: Acting, wish_id: int) -> tuple[Wish, OpenVersion | None]:
    """The edit page: the statement and its newest version, opened to start from (a read,
    logged once).

    Raises:
        WishNotFound: missing, or not theirs to read (logged, the same answer).
        WishError: a care-team member, who reads it but does not write it (logged).
    """
    # A refused edit page is a refused edit (a care-team member may read it, not write it).
    wish, decision = _may_write(db, by, wish_id, Action.WISHES_WRITE)
    _log(db, by, Action.WISHES_READ, wish.subject_id, wish.id, Outcome.ALLOWED, decision.basis)
    every = _versions(db, wish.id)
    return wish, _open_version(db, wish.subject_id, every[0]) if every else None


@step
def save(db: Session, by: Acting, wish_id: int, texts: Texts, *, send: bool = False) -> WishVersion:
    """A new version by the person or the peer worker they chose; earlier ones stay as they
    were. `send` (the person alone) sends it to their care team.

    Raises:
        WishNotFound: missing, or not theirs to read (logged, the same answer).
        WishError: not the person or their chosen peer worker, or a helper asking to send
            (logged; nothing stored).
    """
    wish, decision = _may_write(db, by, wish_id, Action.WISHES_WRITE)
    if send and decision.relation is not Relation.SUBJECT:
        _log(db, by, Action.WISHES_SEND, wish.subject_id, wish.id, Outcome.DENIED, NOT_SENDER)
        raise WishError("Only the person sends their wishes to their care team.")
    version = _add_version(db, by, wish, texts)
    _log(db, by, Action.WISHES_WRITE, wish.subject_id, wish.id, Outcome.ALLOWED, decision.basis)
    if send:
        _send(db, by, wish, version)
    return version


@step
def send(db: Session, by: Acting, wish_id: int) -> Wish:
    """The person sends the newest version to their care team.

    Raises:
        WishNotFound: missing, or not theirs to read (logged, the same answer).
        WishError: not the person (logged), or the newest version is sent already.
    """
    wish, decision = load_and_authorize(db, by, Wish, wish_id, Action.WISHES_SEND)
    if decision.relation is not Relation.SUBJECT:
        _log(db, by, Action.WISHES_SEND, wish.subject_id, wish.id, Outcome.DENIED, NOT_SENDER)
        raise WishError("Only the person sends their wishes to their care team.")
    newest = _versions(db, wish.id)[0]
    if newest.sent:
        raise WishError("Your care team has this version already.")
    _send(db, by, wish, newest)
    return wish


@step
def reply(db: Session, by: Acting, wish_id: int, text: str) -> WishReply:
    """A clinician in the person's care answers the version sent, in writing.

    Raises:
        WishNotFound: missing, or not theirs to read (logged, the same answer).
        WishError: not a clinician of the care team (logged), or an empty or long reply.
    """
    wish, decision = load_and_authorize(db, by, Wish, wish_id, Action.WISHES_REPLY)
    if decision.relation is not Relation.CARE_TEAM or by.role is not Role.CLINICIAN:
        _log(db, by, Action.WISHES_REPLY, wish.subject_id, wish.id, Outcome.DENIED, NOT_CLINICIAN)
        raise WishError("Only a clinician in the person's care team replies.")
    words = (text or "").strip()
    if not words:
        raise WishError("Write your reply.", "text")
    if len(words) > MAX_REPLY:
        raise WishError(
            f"A reply can be up to {MAX_REPLY} characters; this one is {len(words)}.", "text"
        )
    answered = next(v for v in _versions(db, wish.id) if v.sent)
    assert by.id is not None
    row = WishReply(
        wish_id=wish.id,
        version=answered.version,
        author_id=by.id,
        created_at=utcnow(),
        text_sealed=b"",
    )
    db.add(row)
    db.flush()
    sealed = seal_text(db, wish.subject_id, REPLIES, "text", row.id, words)
    assert sealed is not None
    row.text_sealed = sealed
    db.flush()
    _log(db, by, Action.WISHES_REPLY, wish.subject_id, wish.id, Outcome.ALLOWED, decision.basis)
    # The person, and the peer worker they wrote with (whose own page decides, as always,
    # whether they may still read it).
    told = {wish.subject_id} | ({wish.helper_id} if wish.helper_id is not None else set())
    notifications.notify_all(db, told, notifications.Kind.WISHES_ANSWERED, wish.id)
    return row


# Reading ----------------------------------------------------------------------------------------


def _versions(db: Session, wish_id: int) -> list[WishVersion]:
    return list(
        db.scalars(
            select(WishVersion)
            .where(WishVersion.wish_id == wish_id)
            .order_by(WishVersion.version.desc())
        )
    )


@dataclass(frozen=True)
class OpenVersion:
    """One version, opened after a permit."""

    version: int
    written_by_id: int
    created_at: datetime
    sent: bool
    know: str
    call: str
    not_want: str


@dataclass(frozen=True)
class OpenReply:
    author_id: int
    created_at: datetime
    version: int
    text: str


@dataclass(frozen=True)
class WishView:
    """A statement as one person may read it, built only after a permit."""

    wish: Wish
    relation: str
    #: Newest first: every version for the person and their chosen peer worker; the newest
    #: version sent for the care team.
    versions: list[OpenVersion]
    replies: list[OpenReply]
    may_write: bool
    may_send: bool
    may_reply: bool


def _open_version(db: Session, subject_id: int, row: WishVersion) -> OpenVersion:
    def opened(column: str, sealed: bytes | None) -> str:
        return open_text(db, subject_id, VERSIONS, column, row.id, sealed) or ""

    return OpenVersion(
        row.version,
        row.written_by_id,
        row.created_at,
        row.sent,
        opened("know", row.know_sealed),
        opened("call", row.call_sealed),
        opened("not_want", row.not_want_sealed),
    )


def _replies(db: Session, wish: Wish) -> list[OpenReply]:
    rows = db.scalars(
        select(WishReply).where(WishReply.wish_id == wish.id).order_by(WishReply.id)
    ).all()
    return [
        OpenReply(
            r.author_id,
            r.created_at,
            r.version,
            open_text(db, wish.subject_id, REPLIES, "text", r.id, r.text_sealed) or "",
        )
        for r in rows
    ]


def read(db: Session, by: Acting, wish_id: int) -> WishView:
    """One statement for someone who may read it. One access-log entry, allowed or denied.

    Raises:
        WishNotFound: missing, or not theirs to read (the same answer).
    """
    wish, decision = load_and_authorize(db, by, Wish, wish_id, Action.WISHES_READ)
    _log(db, by, Action.WISHES_READ, wish.subject_id, wish.id, Outcome.ALLOWED, decision.basis)
    every = _versions(db, wish.id)
    writer = decision.relation in (Relation.SUBJECT, Relation.WORKER)
    shown = every if writer else [v for v in every if v.sent][:1]
    return WishView(
        wish=wish,
        relation=str(decision.relation),
        versions=[_open_version(db, wish.subject_id, v) for v in shown],
        replies=_replies(db, wish),
        may_write=writer,
        may_send=decision.relation is Relation.SUBJECT and bool(every) and not every[0].sent,
        may_reply=decision.relation is Relation.CARE_TEAM and by.role is Role.CLINICIAN,
    )


@dataclass(frozen=True)
class ListedWish:
    """What a list shows: which transition, when, sent or not, answered or not; no text."""

    id: int
    transition: Transition
    helper_id: int | None
    updated_at: datetime
    sent_at: datetime | None
    #: A version newer than the one the care team has is waiting to be sent.
    unsent_changes: bool
    replies: int


def _permitted(
    db: Session, by: Acting, subject_id: int
) -> tuple[list[tuple[Wish, Decision]], str | None]:
    """The person's statements this person may read, each with its permit, and the basis of the
    first permit."""
    rel = relationships(db, by)
    rows = db.scalars(
        select(Wish).where(Wish.subject_id == subject_id).order_by(Wish.created_at.desc())
    ).all()
    shown: list[tuple[Wish, Decision]] = []
    basis: str | None = None
    for wish in rows:
        decision = _decide(rel, by, wish)
        if decision.permitted:
            shown.append((wish, decision))
            basis = basis or decision.basis
    return shown, basis


def _listed(db: Session, wishes: list[tuple[Wish, Decision]]) -> list[ListedWish]:
    if not wishes:
        return []
    ids = [w.id for w, _ in wishes]
    versions: dict[int, list[WishVersion]] = {}
    for row in db.scalars(select(WishVersion).where(WishVersion.wish_id.in_(ids))):
        versions.setdefault(row.wish_id, []).append(row)
    replies = dict(
        db.execute(
            select(WishReply.wish_id, func.count())
            .where(WishReply.wish_id.in_(ids))
            .group_by(WishReply.wish_id)
        ).all()
    )
    listed = []
    for wish, decision in wishes:
        every = sorted(versions.get(wish.id, []), key=lambda v: v.version, reverse=True)
        # Its writers see every version (drafts too); the care team only what was sent.
        writer = writes_wishes(decision)
        seen = every if writer else [v for v in every if v.sent][:1]
        listed.append(
            ListedWish(
                id=wish.id,
                transition=wish.transition,
                helper_id=wish.helper_id,
                updated_at=seen[0].created_at if seen else wish.created_at,
                sent_at=wish.sent_at,
                unsent_changes=writer and bool(every) and not every[0].sent,
                replies=int(replies.get(wish.id, 0)),
            )
        )
    return listed


def listed_for(db: Session, by: Acting, subject_id: int) -> list[ListedWish]:
    """The list page of one consumer's statements: for the person and their care team (the
    statements each may read). One access-log entry.

    Raises:
        NotInCare: neither the person nor in their care now, or a peer worker whose training
            has lapsed (logged, with the reason; the page is missing).
    """
    subject = db.get(User, subject_id)
    if subject is None or subject.role is not Role.CONSUMER:
        raise NotInCare(subject_id)
    own = by.id == subject.id
    rel = relationships(db, by)
    gate = decide_wishes_list(
        WishesListFacts(
            actor_id=by.id,
            subject_id=subject.id,
            in_care=not own and by.role is not None and rel.in_care(subject.id),
            training_current=own or by.role not in PEER_WORKERS or rel.training_current(),
        )
    )
    if not gate.permitted:
        _log(db, by, Action.WISHES_LIST, subject.id, None, Outcome.DENIED, gate.basis)
        raise NotInCare(subject_id)
    wishes, basis = _permitted(db, by, subject.id)
    _log(db, by, Action.WISHES_LIST, subject.id, None, Outcome.ALLOWED, basis or gate.basis)
    return _listed(db, wishes)


def on_record(db: Session, by: Acting, subject_id: int) -> list[ListedWish]:
    """The statements shown on the person's record page: only those this person may read,
    nothing at all (and nothing logged) when there are none; one entry when there are."""
    wishes, basis = _permitted(db, by, subject_id)
    if not wishes or basis is None:
        return []
    _log(db, by, Action.WISHES_LIST, subject_id, None, Outcome.ALLOWED, basis)
    return _listed(db, wishes)


@dataclass(frozen=True)
class Awaiting:
    """A statement sent to a clinician's care team whose newest sent version has no reply."""

    wish_id: int
    subject_id: int
    transition: Transition
    sent_at: datetime


def awaiting_reply(db: Session, by: Acting) -> list[Awaiting]:
    """What waits for this clinician's reply: statements of people in their care, decided one
    by one as any read is. Names no text, and logs nothing here: the home page logs the
    people it names (`home.attention.log_shown`); the count beside "Home" names no one."""
    if by.id is None or by.role is not Role.CLINICIAN:
        return []
    now = utcnow()
    rows = db.scalars(
        select(Wish)
        .where(Wish.subject_id.in_(subjects_in_care(by.id, now)), Wish.sent_at.is_not(None))
        .order_by(Wish.sent_at, Wish.id)
    ).all()
    if not rows:
        return []
    rel = relationships(db, by)
    # Only what they read as the care team (the basis the home logs: `WISHES_CARE_TEAM`).
    readable: dict[int, Wish] = {}
    for wish in rows:
        decision = _decide(rel, by, wish)
        if decision.permitted and decision.relation is Relation.CARE_TEAM:
            readable[wish.id] = wish
    if not readable:
        return []
    # The newest version sent of each, and whether any clinician has replied to it.
    newest: dict[int, tuple[int, datetime]] = {}
    for wish_id, version, sent_at in db.execute(
        select(WishVersion.wish_id, WishVersion.version, WishVersion.sent_at).where(
            WishVersion.wish_id.in_(readable), WishVersion.sent.is_(True)
        )
    ):
        if sent_at is not None and (wish_id not in newest or version > newest[wish_id][0]):
            newest[wish_id] = (version, sent_at)
    answered = {
        (wish_id, version)
        for wish_id, version in db.execute(
            select(WishReply.wish_id, WishReply.version).where(WishReply.wish_id.in_(readable))
        )
    }
    return [
        Awaiting(wish.id, wish.subject_id, wish.transition, newest[wish.id][1])
        for wish in readable.values()
        if wish.id in newest and (wish.id, newest[wish.id][0]) not in answered
    ]
