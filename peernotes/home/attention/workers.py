"""What waits for a peer worker: changes asked for, disputes, handovers to write, agreements
to confirm, training that lapses within 30 days, and people not contacted for longer than
their agreement says."""

from __future__ import annotations

from datetime import date, datetime

from flask import url_for
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.care import service as care
from peernotes.home.attention import agreements as attention_agreements
from peernotes.home.attention.items import Item, Kind
from peernotes.notes.lifecycle import State
from peernotes.notes.models import InPersonReview, Note, NoteStatement, StatementKind
from peernotes.timefmt import when
from peernotes.training import service as training
from peernotes.workforce.agreements import service as agreements
from peernotes.workforce.choosing import handover
from peernotes.workforce.contacts import service as contacts


def items(db: Session, actor: Actor, now: datetime, today: date) -> list[Item]:
    found = [
        *_notes_back_with_you(db, actor),
        *_corrections_asked(db, actor),
        *_handovers(db, actor, now),
        *attention_agreements.to_confirm(db, actor, today),
        *_contact_overdue(db, actor, now, today),
        *_training(db, actor, today),
    ]
    return found


def _notes_back_with_you(db: Session, actor: Actor) -> list[Item]:
    """Notes the person sent back: changes asked for, or an in-person approval disputed."""
    rows = list(
        db.scalars(
            select(Note)
            .where(
                Note.author_id == actor.id,
                (Note.state == State.CHANGES_REQUESTED)
                | ((Note.state == State.PROPOSED) & (Note.in_person == InPersonReview.DISPUTED)),
            )
            .order_by(Note.updated_at.desc(), Note.id.desc())
        )
    )
    names = display_names(db, {n.subject_id for n in rows})
    found: list[Item] = []
    for note in rows:
        who = names.get(note.subject_id, "The person")
        if note.state is State.CHANGES_REQUESTED:
            found.append(
                Item(
                    Kind.CHANGES_REQUESTED,
                    f"{who} asked for changes to your note of {when(note.created_at)}",
                    url_for("notes.show", note_id=note.id),
                    subject_id=note.subject_id,
                )
            )
        else:
            found.append(
                Item(
                    Kind.DISPUTE,
                    f"{who} disputes approving your note of {when(note.created_at)} in person",
                    url_for("notes.show", note_id=note.id),
                    detail="Nothing in it is shared until this is settled with them.",
                    subject_id=note.subject_id,
                )
            )
    return found


def _corrections_asked(db: Session, actor: Actor) -> list[Item]:
    """Corrections the person asked for on this worker's notes, not yet answered."""
    reply = aliased(NoteStatement)
    rows = list(
        db.execute(
            select(Note.id, Note.subject_id, Note.created_at)
            .join(NoteStatement, NoteStatement.note_id == Note.id)
            .where(
                Note.author_id == actor.id,
                NoteStatement.kind == StatementKind.CORRECTION,
                ~exists().where(reply.replies_to_id == NoteStatement.id),
            )
            .distinct()
            .order_by(Note.created_at.desc(), Note.id.desc())
        )
    )
    names = display_names(db, {subject for _, subject, _ in rows})
    return [
        Item(
            Kind.DISPUTE,
            f"{names.get(subject, 'The person')} asked for a correction to your note of "
            f"{when(created)}",
            url_for("notes.show", note_id=note_id),
            detail="Answer it on the note: say what you changed, or why not.",
            subject_id=subject,
        )
        for note_id, subject, created in rows
    ]


def _handovers(db: Session, actor: Actor, now: datetime) -> list[Item]:
    pending = handover.to_write(db, actor.id, now)
    names = display_names(db, {p.subject_id for p in pending})
    return [
        Item(
            Kind.HANDOVER_TO_WRITE,
            f"Write a handover for {names.get(p.subject_id, 'the person')}",
            url_for("choosing.write_handover", request_id=p.request_id),
            detail="They agreed to a handover to their new peer worker; the change waits for it.",
            subject_id=p.subject_id,
        )
        for p in pending
    ]


def _contact_overdue(db: Session, actor: Actor, now: datetime, today: date) -> list[Item]:
    """People whose agreement in force says to keep in touch at least every so many days,
    and whose last contact (or the agreement's start, when there has been none) is longer
    ago than that."""
    people = care.caseload(db, actor.id, now)
    in_force = agreements.in_force_for_worker(db, actor.id, today)
    summary = contacts.caseload_summary(db, actor.id, people, today)
    names = display_names(db, {a.subject_id for a in people})
    found: list[Item] = []
    for assignment in people:
        subject = assignment.subject_id
        current = agreements.pick_in_force(in_force.get(subject, []), today)
        if current is None or current.contact_every_days is None:
            continue
        last, _ = summary.get(subject, (None, 0))
        since = last or agreements.confirmed_on(current) or today
        gap = (today - since).days
        if gap > current.contact_every_days:
            words = (
                f"No contact with {names.get(subject, 'the person')} for {gap} days"
                if last is not None
                else f"No contact logged with {names.get(subject, 'the person')} since your "
                "agreement began"
            )
            found.append(
                Item(
                    Kind.CONTACT_OVERDUE,
                    words,
                    url_for("contacts.log"),
                    detail=f"Your agreement says at least every {current.contact_every_days} days.",
                    subject_id=subject,
                )
            )
    return found


def _training(db: Session, actor: Actor, today: date) -> list[Item]:
    """Modules lapsed, missing, or lapsing within the warning window (30 days)."""
    found: list[Item] = []
    for status in training.status_of(db, [actor.id], today).get(actor.id, []):
        sentences = training.explain([status], today)
        if not sentences:
            continue
        first, _, rest = sentences[0].partition(". ")
        found.append(
            Item(
                Kind.TRAINING_LAPSING,
                first.rstrip("."),
                url_for("training.mine"),
                detail=rest,
                urgent=status.state is not training.ModuleState.EXPIRING,
            )
        )
    return found
