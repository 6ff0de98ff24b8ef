"""What waits for a consumer or a carer: notes to review, a concern about them they may now
read, emergency access to their record, agreements to confirm, answers to their requests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import url_for
from sqlalchemy import Row, select
from sqlalchemy.orm import Session, aliased

from peernotes.audit.events import Action
from peernotes.audit.models import micros_since_epoch
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.emergency.models import EmergencyAccess
from peernotes.home.attention import agreements
from peernotes.home.attention.items import Item, Kind, last_did, last_opened, plural
from peernotes.notes.lifecycle import State
from peernotes.notes.models import Note, NoteStatement
from peernotes.notes.models import StatementKind as NoteStatementKind
from peernotes.records.models import RecordEntryStatement, StatementKind
from peernotes.risk.service import told_to_subject
from peernotes.timefmt import when


def items(db: Session, actor: Actor, now: datetime) -> list[Item]:
    return [
        *_emergency_on_record(db, actor),
        *_risk_about_you(db, actor, now),
        *_notes_to_review(db, actor),
        *agreements.to_confirm(db, actor, now.date()),
        *_answers(db, actor),
    ]


def _notes_to_review(db: Session, actor: Actor) -> list[Item]:
    waiting = list(
        db.scalars(
            select(Note.id)
            .where(Note.subject_id == actor.id, Note.state == State.PROPOSED)
            .order_by(Note.updated_at.desc(), Note.id.desc())
        )
    )
    if not waiting:
        return []
    # One note: straight to it. Several: the notes list, where each says what it is.
    href = (
        url_for("notes.show", note_id=waiting[0]) if len(waiting) == 1 else url_for("notes.index")
    )
    words = f"{plural(len(waiting), 'note')} waiting for your review"
    return [
        Item(
            Kind.NOTES_TO_REVIEW,
            words,
            href,
            len(waiting),
            "Nothing in a note reaches anyone else until you approve it.",
        )
    ]


def _risk_about_you(db: Session, actor: Actor, now: datetime) -> list[Item]:
    """Concerns the person may be told of now and has not opened yet (a delayed concern is
    left out without a trace, as everywhere)."""
    concerns = told_to_subject(db, actor.id, now)
    opened = last_opened(db, actor.id, Action.RISK_READ, "risk_concern", [c.id for c in concerns])
    unread = [c for c in concerns if c.id not in opened]
    names = display_names(db, {c.raised_by_id for c in unread})
    return [
        Item(
            Kind.RISK_ABOUT_YOU,
            f"{names.get(c.raised_by_id, 'Someone in your care team')} raised a concern about "
            f"you on {when(c.created_at)}",
            url_for("risk.show", concern_id=c.id),
            detail="You can read what they wrote, and talk about it with anyone in your care team.",
            urgent=True,
        )
        for c in unread
    ]


def _emergency_on_record(db: Session, actor: Actor) -> list[Item]:
    """Emergency access to their record since they last looked at who has looked at their
    information: opening that page (which names the emergency and its reason) is acting on it.
    Never switched off: the person always hears of it."""
    seen = last_did(db, actor.id, Action.AUDIT_VIEW_OWN)
    rows = list(
        db.scalars(
            select(EmergencyAccess)
            .where(EmergencyAccess.subject_id == actor.id)
            .order_by(EmergencyAccess.starts_at.desc(), EmergencyAccess.id.desc())
        )
    )
    new = [a for a in rows if seen is None or micros_since_epoch(a.starts_at) > seen]
    names = display_names(db, {a.clinician_id for a in new})
    return [
        Item(
            Kind.EMERGENCY_ON_YOUR_RECORD,
            f"{names.get(a.clinician_id, 'A clinician')} used emergency access to your record "
            f"on {when(a.starts_at)}",
            url_for("accesslog.show_own_log"),
            detail="See what they looked at and the reason they gave.",
            urgent=True,
        )
        for a in new
    ]


def _answers(db: Session, actor: Actor) -> list[Item]:
    """Answers to the corrections they asked for, on record entries and on notes, that they
    have not read since the answer came."""
    on_entries = _unread_since(
        db,
        actor,
        _replies_to_own(db, actor, RecordEntryStatement, "entry_id", "answers_id", StatementKind),
        Action.RECORD_READ,
        "record_entry",
    )
    on_notes = _unread_since(
        db,
        actor,
        _replies_to_own(db, actor, NoteStatement, "note_id", "replies_to_id", NoteStatementKind),
        Action.NOTE_READ,
        "note",
    )
    return [
        Item(
            Kind.ANSWER_TO_YOUR_REQUEST,
            f"Your correction request on a record entry was answered on {when(at)}",
            url_for("records.show_entry", subject_id=actor.id, entry_id=entry_id),
        )
        for entry_id, at in on_entries
    ] + [
        Item(
            Kind.ANSWER_TO_YOUR_REQUEST,
            f"Your correction request on a note was answered on {when(at)}",
            url_for("notes.show", note_id=note_id),
        )
        for note_id, at in on_notes
    ]


def _replies_to_own(
    db: Session,
    actor: Actor,
    statement: type[RecordEntryStatement] | type[NoteStatement],
    thing: str,
    replies_to: str,
    kinds: type[StatementKind] | type[NoteStatementKind],
) -> list[tuple[int, datetime]]:
    """(thing, replied at) for every correction reply to a correction this person asked for.
    Record entries and notes keep their statements in twin tables; one query shape reads
    both."""
    asked = aliased(statement)
    rows = db.execute(
        select(getattr(statement, thing), statement.created_at)
        .join(asked, asked.id == getattr(statement, replies_to))
        .where(
            asked.author_id == actor.id,
            asked.kind == kinds.CORRECTION,
            statement.kind == kinds.CORRECTION_REPLY,
        )
    )
    return _pairs(rows)


def _unread_since(
    db: Session, actor: Actor, answers: list[tuple[int, datetime]], action: Action, target: str
) -> list[tuple[int, datetime]]:
    """Of (thing, answered at) pairs, the things not opened since their latest answer, with
    that answer's time, newest first."""
    latest: dict[int, datetime] = {}
    for thing, at in answers:
        latest[thing] = max(at, latest.get(thing, at))
    read = last_opened(db, actor.id, action, target, latest)
    unread = [(t, at) for t, at in latest.items() if read.get(t, -1) < micros_since_epoch(at)]
    return sorted(unread, key=lambda pair: pair[1], reverse=True)


def _pairs(rows: Iterable[Row[int, datetime]]) -> list[tuple[int, datetime]]:
    return [(int(row[0]), row[1]) for row in rows]
