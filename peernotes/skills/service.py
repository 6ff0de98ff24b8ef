"""Skills and resources kept together.

A person (consumer or carer) keeps, with the peer workers who support them now, a list of the
skills they are practising (for example DBT skills such as "opposite action") and the
resources they use (services, groups, reading), each with notes on what worked. Both may add
an item or change one; a change is a new version (the earlier ones are kept and shown), and an
item no longer used is put aside (retired), never deleted. The texts are sealed under the
person's data key, bound to the version's row.

Who reads it is decided in `access.objects.decide_skills`: the person and the peer workers who
support them now (`self`, `party`); anyone else only when the person shares their "skills and
resources" by consent (read only). Every read of the list or of an item is one access-log
entry, allowed or refused; one that may not be read answers as a missing one.

Flushes, never commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.access.authorize import governs, load_and_authorize
from peernotes.access.decision import PEER_WORKERS, Act, Category, Decision, Request, decide
from peernotes.access.objects import ObjectBasis, Relation, SkillsFacts, decide_skills
from peernotes.access.relationships import Relationships, relationships
from peernotes.audit.events import Action, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import SUBJECT_ROLES
from peernotes.crypto.texts import open_text, seal_text
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.skills.models import SkillItem, SkillItemVersion

TABLE = SkillItemVersion.__tablename__
TARGET = "skill_item"

MAX_NAME = 120
MAX_ABOUT = 600
MAX_WORKED = 1000


class Kind(StrEnum):
    SKILL = "skill"
    RESOURCE = "resource"

    @property
    def label(self) -> str:
        return {"skill": "A skill I'm practising", "resource": "A resource"}[self.value]


class SkillsError(Refused):
    """A change was refused; the message is safe to show."""


class NotYours(SkillsError):
    """They may read it, but only the person and their peer workers change it (HTTP 403)."""


class SkillsNotFound(LookupError):
    """No such list or item, or none this person may read: the same answer."""


@dataclass(frozen=True)
class Text:
    """What one version says."""

    name: str
    about: str
    worked: str


@dataclass(frozen=True)
class Version:
    number: int
    text: Text
    written_by_id: int
    written_at: datetime


@dataclass(frozen=True)
class Item:
    """One item as a reader sees it: its newest version and the earlier ones, newest first."""

    id: int
    subject_id: int
    worker_id: int | None
    kind: Kind
    added_by_id: int
    added_at: datetime
    retired_at: datetime | None
    current: Version
    earlier: tuple[Version, ...]


@dataclass(frozen=True)
class SkillsList:
    subject: User
    #: `subject` or `worker` for those who keep it; None for a reader by consent.
    relation: str | None
    items: tuple[Item, ...]

    @property
    def may_change(self) -> bool:
        return self.relation in (Relation.SUBJECT, Relation.WORKER)

    @property
    def in_use(self) -> list[Item]:
        return [i for i in self.items if i.retired_at is None]

    @property
    def put_aside(self) -> list[Item]:
        return [i for i in self.items if i.retired_at is not None]


# Deciding ---------------------------------------------------------------------------------------


def _decide_for(rel: Relationships, by: Acting, subject_id: int) -> Decision:
    assert by.id is not None and by.role is not None
    shared = decide(
        Request(by.id, by.role, subject_id, Act.READ, Category.SKILLS, rel.now),
        rel.consent_facts(subject_id),
    )
    worker_in_care = by.role in PEER_WORKERS and rel.in_care(subject_id)
    return decide_skills(
        SkillsFacts(
            actor_id=by.id,
            subject_id=subject_id,
            worker_in_care=worker_in_care,
            shared=shared,
            training_current=not worker_in_care or rel.training_current(),
        )
    )


@governs(SkillItem, target_type=TARGET, not_found=SkillsNotFound)
def _decide(rel: Relationships, by: Acting, item: SkillItem) -> Decision:
    """Who this person is to the item (`access.objects.decide_skills`)."""
    return _decide_for(rel, by, item.subject_id)


def decision(db: Session, by: Acting, subject_id: int) -> Decision:
    """May this person read `subject_id`'s skills and resources now, and as whom?"""
    return _decide_for(relationships(db, by), by, subject_id)


def _log(
    db: Session,
    by: Acting,
    action: Action,
    subject_id: int | None,
    item_id: int | None,
    outcome: Outcome,
    basis: str,
) -> None:
    target = Target(TARGET, item_id) if item_id is not None else None
    record_event(db, by, action, subject_id, target, outcome, basis)


# Input ------------------------------------------------------------------------------------------


def checked(kind: str, name: str, about: str, worked: str) -> tuple[Kind, Text]:
    """The kind and texts as they are kept (trimmed), or a refusal naming the field."""
    try:
        parsed = Kind(kind)
    except ValueError:
        raise SkillsError("Choose a skill or a resource.", "kind") from None
    text = Text(name.strip(), about.strip(), worked.strip())
    if not text.name:
        raise SkillsError("Give it a name, for example “Opposite action”.", "name")
    if len(text.name) > MAX_NAME:
        raise SkillsError(f"The name can be up to {MAX_NAME} characters.", "name")
    if len(text.about) > MAX_ABOUT:
        raise SkillsError(f"This can be up to {MAX_ABOUT} characters.", "about")
    if len(text.worked) > MAX_WORKED:
        raise SkillsError(f"This can be up to {MAX_WORKED} characters.", "worked")
    return parsed, text


# Reading ----------------------------------------------------------------------------------------


def _open(db: Session, subject_id: int, row: SkillItemVersion) -> Version:
    raw = open_text(db, subject_id, TABLE, "body", row.id, row.body_sealed) or "{}"
    loaded = json.loads(raw)
    text = Text(
        str(loaded.get("name", "")), str(loaded.get("about", "")), str(loaded.get("worked", ""))
    )
    return Version(row.version, text, row.written_by_id, row.written_at)


def _items(db: Session, subject_id: int, rows: list[SkillItem]) -> tuple[Item, ...]:
    """The items with their versions opened (call only after a permit)."""
    if not rows:
        return ()
    versions: dict[int, list[Version]] = {}
    for v in db.scalars(
        select(SkillItemVersion)
        .where(
            SkillItemVersion.item_id.in_([r.id for r in rows]),
            # Emptied at the person's erasure request: nobody's to read, and an item left with
            # nothing is no longer on the list.
            SkillItemVersion.body_sealed.is_not(None),
        )
        .order_by(SkillItemVersion.version.desc())
    ):
        versions.setdefault(v.item_id, []).append(_open(db, subject_id, v))
    return tuple(
        Item(
            r.id,
            r.subject_id,
            r.worker_id,
            Kind(r.kind),
            r.added_by_id,
            r.added_at,
            r.retired_at,
            versions[r.id][0],
            tuple(versions[r.id][1:]),
        )
        for r in rows
        if r.id in versions
    )


def _subject(db: Session, by: Acting, subject_id: int) -> User | None:
    """The consumer or carer asked about; None for anyone else, after the work a refusal does
    (so that the time of the answer does not tell a missing person from a withheld list)."""
    subject = db.get(User, subject_id)
    if subject is None or subject.role not in SUBJECT_ROLES:
        relationships(db, by).as_for_a_refusal()
        return None
    return subject


def read_list(db: Session, by: Acting, subject_id: int) -> SkillsList:
    """The person's skills and resources, for whoever `decide_skills` lets in. One entry logged,
    allowed or refused.

    Raises:
        SkillsNotFound: not a consumer or carer, or not theirs to read (the same answer).
    """
    subject = _subject(db, by, subject_id)
    if subject is None:
        raise SkillsNotFound(subject_id)
    permit = decision(db, by, subject.id)
    if not permit.permitted:
        _log(db, by, Action.SKILLS_READ, subject.id, None, Outcome.DENIED, permit.basis)
        raise SkillsNotFound(subject_id)
    rows = list(
        db.scalars(
            select(SkillItem)
            .where(SkillItem.subject_id == subject.id)
            .order_by(SkillItem.kind, SkillItem.id)
        )
    )
    _log(db, by, Action.SKILLS_READ, subject.id, None, Outcome.ALLOWED, permit.basis)
    return SkillsList(subject, permit.relation, _items(db, subject.id, rows))


def read_item(db: Session, by: Acting, item_id: int) -> tuple[Item, str | None]:
    """One item and who this person is to it. Logged, allowed or refused.

    Raises:
        SkillsNotFound: missing, or not theirs to read (the same answer).
    """
    row, permit = load_and_authorize(db, by, SkillItem, item_id, Action.SKILLS_READ)
    found = _items(db, row.subject_id, [row])
    if not found:  # emptied at the person's erasure request
        raise SkillsNotFound(item_id)
    _log(db, by, Action.SKILLS_READ, row.subject_id, row.id, Outcome.ALLOWED, permit.basis)
    return found[0], permit.relation


@step
def item_to_change(db: Session, by: Acting, item_id: int) -> Item:
    """One item, for the person or one of their peer workers about to change it. Logged: a
    read when allowed; a refusal otherwise (a reader by consent is refused as `not_party`).

    Raises:
        SkillsNotFound: missing, or not theirs to read (the same answer).
        NotYours: they read it by consent only.
    """
    row, permit = load_and_authorize(db, by, SkillItem, item_id, Action.SKILLS_EDIT)
    if permit.relation not in (Relation.SUBJECT, Relation.WORKER):
        _log(
            db,
            by,
            Action.SKILLS_EDIT,
            row.subject_id,
            row.id,
            Outcome.DENIED,
            ObjectBasis.NOT_PARTY,
        )
        raise NotYours("Only the person and the peer workers who support them change this list.")
    found = _items(db, row.subject_id, [row])
    if not found:  # emptied at the person's erasure request
        raise SkillsNotFound(item_id)
    _log(db, by, Action.SKILLS_READ, row.subject_id, row.id, Outcome.ALLOWED, permit.basis)
    return found[0]


def items_of(db: Session, subject_id: int) -> tuple[Item, ...]:
    """Every item of the person's own list, for their own copy of their information (the caller
    is the person: `export`)."""
    rows = list(
        db.scalars(
            select(SkillItem).where(SkillItem.subject_id == subject_id).order_by(SkillItem.id)
        )
    )
    return _items(db, subject_id, rows)


# Changing ---------------------------------------------------------------------------------------


def _keeper(db: Session, by: Acting, subject_id: int, action: Action, item_id: int | None) -> str:
    """The basis on which `by` keeps the person's list, or a refusal (on record): only the person
    and the peer workers who support them now change it."""
    subject = _subject(db, by, subject_id)
    if subject is None:
        raise SkillsNotFound(subject_id)
    permit = decision(db, by, subject.id)
    if not permit.permitted:
        _log(db, by, action, subject.id, item_id, Outcome.DENIED, permit.basis)
        raise SkillsNotFound(subject_id)
    if permit.relation not in (Relation.SUBJECT, Relation.WORKER):
        _log(db, by, action, subject.id, item_id, Outcome.DENIED, ObjectBasis.NOT_PARTY)
        raise NotYours("Only the person and the peer workers who support them change this list.")
    return permit.basis


def _add_version(db: Session, by: Acting, item: SkillItem, number: int, text: Text) -> None:
    assert by.id is not None
    version = SkillItemVersion(
        item_id=item.id, version=number, written_by_id=by.id, written_at=utcnow()
    )
    db.add(version)
    db.flush()
    body = json.dumps({"name": text.name, "about": text.about, "worked": text.worked})
    version.body_sealed = seal_text(db, item.subject_id, TABLE, "body", version.id, body)
    db.flush()


@step
def add(
    db: Session, by: Acting, subject_id: int, kind: str, name: str, about: str, worked: str
) -> SkillItem:
    """A new item on the person's list, by the person or a peer worker who supports them now.

    Raises:
        SkillsNotFound: not someone whose list they may read.
        NotYours: they read it by consent only.
        SkillsError: the input, with the field at fault.
    """
    assert by.id is not None
    basis = _keeper(db, by, subject_id, Action.SKILLS_ADD, None)
    parsed, text = checked(kind, name, about, worked)
    worker_id = by.id if by.role in PEER_WORKERS else None
    item = SkillItem(
        subject_id=subject_id,
        worker_id=worker_id,
        kind=parsed.value,
        added_by_id=by.id,
        added_at=utcnow(),
    )
    db.add(item)
    db.flush()
    _add_version(db, by, item, 1, text)
    _log(db, by, Action.SKILLS_ADD, subject_id, item.id, Outcome.ALLOWED, basis)
    return item


@step
def edit(db: Session, by: Acting, item_id: int, name: str, about: str, worked: str) -> SkillItem:
    """A new version of an item (its kind stays). Earlier versions are kept.

    Raises:
        SkillsNotFound: missing, or not theirs to read.
        NotYours: they read it by consent only.
        SkillsError: the input, or nothing changed, or it was put aside.
    """
    row, _permit = load_and_authorize(db, by, SkillItem, item_id, Action.SKILLS_EDIT)
    basis = _keeper(db, by, row.subject_id, Action.SKILLS_EDIT, row.id)
    _kind, text = checked(row.kind, name, about, worked)
    if row.retired_at is not None:
        raise SkillsError("This was put aside; add it again if you use it again.", "name")
    newest = db.scalar(
        select(func.max(SkillItemVersion.version)).where(SkillItemVersion.item_id == row.id)
    )
    current = _items(db, row.subject_id, [row])[0].current
    if current.text == text:
        raise SkillsError("Nothing has changed.", "name")
    _add_version(db, by, row, (newest or 0) + 1, text)
    _log(db, by, Action.SKILLS_EDIT, row.subject_id, row.id, Outcome.ALLOWED, basis)
    return row


@step
def retire(db: Session, by: Acting, item_id: int) -> SkillItem:
    """Put an item aside: kept, and shown as no longer used.

    Raises:
        SkillsNotFound: missing, or not theirs to read.
        NotYours: they read it by consent only.
        SkillsError: already put aside.
    """
    assert by.id is not None
    row, _permit = load_and_authorize(db, by, SkillItem, item_id, Action.SKILLS_RETIRE)
    basis = _keeper(db, by, row.subject_id, Action.SKILLS_RETIRE, row.id)
    if row.retired_at is not None:
        raise SkillsError("This was already put aside.")
    row.retired_at = utcnow()
    row.retired_by_id = by.id
    db.flush()
    _log(db, by, Action.SKILLS_RETIRE, row.subject_id, row.id, Outcome.ALLOWED, basis)
    return row
