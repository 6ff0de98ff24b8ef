"""What the FHIR tests read, added once to each module's demo: letters and diagnoses Dr Chen
writes for Alex (Alex shares his letters with Sam, never his diagnoses), the note waiting
for Alex's review, approved by Sam as "reviewed together in person", and two more notes by
Sam that nobody else may read: one Alex approved keeping every section "just us", one still
waiting for his review."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from peernotes.access.decision import Category
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.db import get_database
from peernotes.notes import service as notes
from peernotes.notes.lifecycle import State
from peernotes.notes.models import Note
from peernotes.notes.service.sections import Section
from peernotes.records.models import RecordEntry
from peernotes.records.service import write_entry
from tests.helpers import demo_email

LETTERS = 3
DIAGNOSES = 2


@dataclass(frozen=True)
class World:
    alex: int
    jordan: int
    sam: int
    letters: list[int]
    diagnoses: list[int]
    #: Shared, approved by Alex in the app (one section "just us").
    shared_note: int
    #: Approved in person, attested by Sam.
    in_person_note: int
    #: Sam's draft: Sam's alone.
    draft_note: int
    #: Approved by Alex with every section "just us": Sam's and Alex's alone.
    just_us_note: int
    #: Proposed, not yet approved: Sam's and Alex's alone.
    proposed_note: int
    #: The demo's own letters to Alex (one, tagged with a content note by
    #: `peernotes.demo.wellbeing`), which Sam reads too.
    demo_letters: tuple[int, ...] = ()


def _person(db, key: str) -> User:  # type: ignore[no-untyped-def]
    return db.scalars(select(User).where(User.email == demo_email(key))).one()


def build(app: Flask) -> World:
    with app.app_context(), get_database(app).session() as db:
        alex, chen, sam = _person(db, "alex"), _person(db, "dr.chen"), _person(db, "sam")
        jordan = _person(db, "jordan")
        by_chen = By(chen.id, chen.role, "fhir-world")
        by_sam = By(sam.id, sam.role, "fhir-world")
        demo_letters = tuple(
            db.scalars(
                select(RecordEntry.id).where(
                    RecordEntry.subject_id == alex.id,
                    RecordEntry.category == Category.CORRESPONDENCE,
                )
            )
        )
        letters = [
            write_entry(db, by_chen, alex, "correspondence", f"Letter {i}", "Appointment.").id
            for i in range(LETTERS)
        ]
        diagnoses = [
            write_entry(db, by_chen, alex, "diagnosis", f"Diagnosis {i}", "Withheld.").id
            for i in range(DIAGNOSES)
        ]
        about_alex = list(db.scalars(select(Note).where(Note.subject_id == alex.id)))
        shared = next(n for n in about_alex if n.state is State.SHARED)
        waiting = next(n for n in about_alex if n.state is State.PROPOSED)
        draft = next(n for n in about_alex if n.state is State.DRAFT)
        notes.approve_in_person(
            db, by_sam, waiting.id, ["care_team", "care_team", "care_team", "care_team"], 1
        )
        by_alex = By(alex.id, alex.role, "fhir-world")
        private = [Section("Between us", "Only for the two of us.")]
        just_us = notes.create(db, by_sam, alex.id, private)
        notes.propose(db, by_sam, just_us.id)
        notes.approve(db, by_alex, just_us.id, ["just_us"], 1)
        proposed = notes.create(db, by_sam, alex.id, [Section("Waiting", "Not yet approved.")])
        notes.propose(db, by_sam, proposed.id)
        db.commit()
        return World(
            alex.id,
            jordan.id,
            sam.id,
            letters,
            diagnoses,
            shared.id,
            waiting.id,
            draft.id,
            just_us.id,
            proposed.id,
            demo_letters,
        )
