"""About me: a consumer's or carer's own words for the people who support them.

Only the person writes it; every save is a new version and earlier versions are kept (they read
them all). Its parts are sealed together under the person's data key, bound to the version's row.

Who reads it is decided by the consent decision alone (`access.decision.decide`, category
`about_me`, which no care assignment and no emergency access opens): the person (`self`), and
whoever their consent in force names for it (a peer worker with current training, a nominated
carer, ...). Every read is one access-log entry, allowed or refused; someone who may not read it
is answered exactly as if there were none.

Flushes, never commits.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from peernotes.aboutme.models import AboutMeVersion
from peernotes.access.decision import Act, Category, Decision, Request, decide
from peernotes.access.queries import subjects_decide_may_permit
from peernotes.access.relationships import relationships
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import SUBJECT_ROLES
from peernotes.crypto.texts import open_text, seal_text
from peernotes.db import utcnow
from peernotes.errors import Refused

TABLE = AboutMeVersion.__tablename__
TARGET = "about_me"

#: The parts, in the order they are asked and shown: (key, question, hint).
PARTS: tuple[tuple[str, str, str], ...] = (
    ("helps", "What helps me", "For example: a phone call before a visit; time to think."),
    ("upsets", "What upsets me", "Things you would rather people knew to avoid."),
    ("enjoy", "What I enjoy", "Things you like doing, or talking about."),
    ("contact", "How I like to be contacted", "For example: text first, not before 10."),
    ("words", "Words I prefer", "Words you like used about you, and words you do not."),
)
PART_KEYS = tuple(key for key, _, _ in PARTS)
#: Each part is short: a few sentences.
MAX_PART = 600


class AboutMeError(Refused):
    """A save was refused; the message is safe to show."""


class AboutMeNotFound(LookupError):
    """No "about me", or none this person may read: the same answer."""


@dataclass(frozen=True)
class AboutMe:
    """One version as its reader sees it, opened only after a permit."""

    subject_id: int
    version: int
    written_at: datetime
    parts: dict[str, str]

    def filled(self) -> list[tuple[str, str]]:
        """(question, answer) for every part written, in order."""
        return [(q, self.parts[k]) for k, q, _ in PARTS if self.parts.get(k)]


def holding_words(subject_id: int) -> ColumnElement[bool]:
    """The person's versions still holding their words: one emptied at their erasure request
    (`peernotes.erasure`) is nobody's to read, theirs included."""
    return and_(AboutMeVersion.subject_id == subject_id, AboutMeVersion.body_sealed.is_not(None))


def _newest(db: Session, subject_id: int) -> AboutMeVersion | None:
    return db.scalar(
        select(AboutMeVersion)
        .where(holding_words(subject_id))
        .order_by(AboutMeVersion.version.desc())
        .limit(1)
    )


def _open(db: Session, row: AboutMeVersion) -> AboutMe:
    text = open_text(db, row.subject_id, TABLE, "body", row.id, row.body_sealed) or "{}"
    loaded = json.loads(text)
    parts = {k: str(loaded.get(k, "")) for k in PART_KEYS}
    return AboutMe(row.subject_id, row.version, row.written_at, parts)


def _log(
    db: Session,
    by: Acting,
    action: Action,
    subject_id: int | None,
    row_id: int | None,
    outcome: Outcome,
    basis: str,
) -> None:
    target = Target(TARGET, row_id) if row_id is not None else None
    record_event(db, by, action, subject_id, target, outcome, basis)


def checked_parts(parts: dict[str, str]) -> dict[str, str]:
    """The parts as they are kept (trimmed), or a refusal naming the part at fault."""
    kept = {k: (parts.get(k) or "").strip() for k in PART_KEYS}
    for key, question, _ in PARTS:
        if len(kept[key]) > MAX_PART:
            raise AboutMeError(f"“{question}” can be up to {MAX_PART} characters.", key)
    if not any(kept.values()):
        raise AboutMeError("Write something in at least one part.", PART_KEYS[0])
    return kept


# Writing ------------------------------------------------------------------------------------------


@step
def save(db: Session, by: Acting, parts: dict[str, str], now: datetime | None = None) -> AboutMe:
    """A new version of the person's own "about me" (consumers and carers write their own;
    nobody writes anyone else's). Logged.

    Raises:
        AboutMeError: not a consumer or carer, nothing written, or a part too long.
    """
    if by.id is None or by.role not in SUBJECT_ROLES:
        raise AboutMeError("Only consumers and carers keep an “about me”, for themselves.")
    kept = checked_parts(parts)
    newest = db.scalar(
        select(func.max(AboutMeVersion.version)).where(AboutMeVersion.subject_id == by.id)
    )
    if newest is not None:
        current = _newest(db, by.id)
        if current is not None and _open(db, current).parts == kept:
            raise AboutMeError("Nothing has changed since your last save.", PART_KEYS[0])
    row = AboutMeVersion(subject_id=by.id, version=(newest or 0) + 1, written_at=now or utcnow())
    db.add(row)
    db.flush()
    row.body_sealed = seal_text(db, by.id, TABLE, "body", row.id, json.dumps(kept))
    db.flush()
    _log(db, by, Action.ABOUT_ME_WRITE, by.id, row.id, Outcome.ALLOWED, Basis.SELF)
    return _open(db, row)


# Reading ------------------------------------------------------------------------------------------


def decision(db: Session, by: Acting, subject_id: int) -> Decision:
    """May this person read `subject_id`'s "about me" now? (`decide()`, category about_me.)"""
    assert by.id is not None and by.role is not None
    rel = relationships(db, by)
    request = Request(by.id, by.role, subject_id, Act.READ, Category.ABOUT_ME, rel.now)
    return decide(request, rel.consent_facts(subject_id))


def own(db: Session, by: Acting) -> tuple[AboutMe | None, list[AboutMe]]:
    """The person's own "about me" and every earlier version, newest first. One entry logged
    when there is one to read."""
    assert by.id is not None
    rows = list(
        db.scalars(
            select(AboutMeVersion)
            .where(holding_words(by.id))
            .order_by(AboutMeVersion.version.desc())
        )
    )
    if not rows:
        return None, []
    _log(db, by, Action.ABOUT_ME_READ, by.id, rows[0].id, Outcome.ALLOWED, Basis.SELF)
    opened = [_open(db, r) for r in rows]
    return opened[0], opened[1:]


def read(db: Session, by: Acting, subject_id: int) -> AboutMe:
    """Someone's current "about me", for whoever their consent lets read it. One entry logged,
    allowed or refused (a refusal about a real consumer or carer only: an id that names no one
    of theirs is about no one).

    Raises:
        AboutMeNotFound: none written, or not theirs to read (the same answer).
    """
    subject = db.get(User, subject_id)
    if subject is None or subject.role not in SUBJECT_ROLES:
        # The work a refusal does, so that the time of the answer does not tell which it was.
        relationships(db, by).as_for_a_refusal()
        raise AboutMeNotFound(subject_id)
    permit = decision(db, by, subject.id)
    row = _newest(db, subject.id)
    if not permit.permitted:
        _log(db, by, Action.ABOUT_ME_READ, subject.id, None, Outcome.DENIED, permit.basis)
        raise AboutMeNotFound(subject_id)
    if row is None:
        raise AboutMeNotFound(subject_id)
    _log(db, by, Action.ABOUT_ME_READ, subject.id, row.id, Outcome.ALLOWED, permit.basis)
    return _open(db, row)


def shared_with_me(db: Session, by: Acting, among: Collection[int]) -> dict[int, AboutMe]:
    """The "about me" of each of these people (a caseload) that this person may read now, each
    read logged once. Candidates come from the SQL twin of `decide()` (whose consent names them
    for about me); `decide()` has the last word on each, asked before reading. Those whom no
    consent names, or whom the decision refuses (lapsed training), are not read, so nothing is
    logged about them."""
    if by.id is None or by.role is None or not among:
        return {}
    now = utcnow()
    candidates = set(
        db.scalars(
            subjects_decide_may_permit(by.id, by.role, Category.ABOUT_ME, now).where(
                User.id.in_(set(among))
            )
        )
    )
    found: dict[int, AboutMe] = {}
    for subject_id in sorted(candidates - {by.id}):
        if _newest(db, subject_id) is None:
            continue
        # The SQL twin does not know the reader's training: ask the decision first, so a home
        # page does not write a refused read on the person's log at every load.
        if not decision(db, by, subject_id).permitted:
            continue
        try:
            found[subject_id] = read(db, by, subject_id)
        except AboutMeNotFound:
            continue
    return found


def versions_of(db: Session, subject_id: int) -> list[AboutMe]:
    """Every version of the person's own "about me", oldest first, for their own copy of their
    information (the caller is the person: `export`)."""
    rows = db.scalars(
        select(AboutMeVersion).where(holding_words(subject_id)).order_by(AboutMeVersion.version)
    )
    return [_open(db, r) for r in rows]
