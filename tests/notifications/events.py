"""Every event that notifies someone, made the way the app makes it, on the demo service.

`trigger_every_kind` also writes unique canary strings into everything that holds text about a
person (a note, a record entry, a concern and a delay's reason, an emergency reason, a
coordinator's answer, an agreement), so that a test can look for them in what was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from peernotes.audit.events import Action
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import get_database, utcnow
from peernotes.demo.loader import DEMO_PASSWORD, PEOPLE
from peernotes.emergency import service as emergency
from peernotes.notes import service as notes
from peernotes.notifications import service as notifications
from peernotes.notifications.kinds import Kind, kinds_for
from peernotes.records import service as records
from peernotes.risk import service as risk
from peernotes.supervision import service as supervision
from peernotes.wishes import service as wishes
from peernotes.workforce.agreements import service as agreements
from peernotes.workforce.agreements.terms import validate_terms
from peernotes.workforce.choosing import service as choosing
from peernotes.workforce.choosing.models import RequestState, WorkerRequest
from peernotes.workforce.wellbeing import service as wellbeing
from tests.helpers import unused_code

CANARIES = {
    "note": "CANARY-NOTE-7f3a91",
    "record": "CANARY-RECORD-2c8d44",
    "concern": "CANARY-CONCERN-9b1e07",
    "delay": "CANARY-DELAY-5d6f20",
    "emergency": "CANARY-EMERGENCY-4a0c3b",
    "decline": "CANARY-DECLINE-8e2b16",
    "agreement": "CANARY-AGREEMENT-1f9c58",
    "wishes": "CANARY-WISHES-6c2e81",
    "wishes_reply": "CANARY-WISHES-REPLY-0d7b39",
    "workplace": "CANARY-WORKPLACE-3e9a72",
    "workplace_answer": "CANARY-WORKPLACE-ANSWER-b41f05",
}


@dataclass(frozen=True)
class Expected:
    """A notification the events must have made: for whom, of what kind, about which id."""

    person: str
    kind: Kind
    about_id: int


def ids(app: Flask) -> dict[str, int]:
    with app.app_context(), get_database(app).session() as db:
        rows = db.execute(select(User.email, User.id)).all()
    by_email = dict(rows)
    return {p.key: by_email[p.email] for p in PEOPLE}


def email_everything(app: Flask, keys: list[str]) -> None:
    """These people choose to be emailed about every kind they can receive."""
    people = ids(app)
    with app.app_context(), get_database(app).session() as db:
        for key in keys:
            user = db.get_one(User, people[key])
            by = By(user.id, user.role, "test")
            notifications.set_email_choices(db, by, [k.value for k in kinds_for(user.role)])
        db.commit()


def trigger_every_kind(app: Flask) -> list[Expected]:
    """One of each event (and text with canaries everywhere); returns what should be notified.

    Sam's supervisor becomes Dr Walsh first, so that a concern Sam raises about Alex asks
    Dr Walsh to co-sign and tells Dr Chen (in Alex's care) separately.
    """
    people = ids(app)

    def by(key: str) -> By[Role]:
        return By(people[key], ROLES[key], "test")

    expected: list[Expected] = []
    with app.app_context(), get_database(app).session() as db:
        alex = db.get_one(User, people["alex"])
        records.write_entry(
            db, by("dr.chen"), alex, "clinical_note", "Seen today", f"Body {CANARIES['record']}"
        )

        note = notes.create(
            db, by("sam"), alex.id, [notes.Section("What we talked about", CANARIES["note"])]
        )
        notes.propose(db, by("sam"), note.id)
        expected.append(Expected("alex", Kind.NOTE_TO_REVIEW, note.id))

        supervision.set_supervisor(db, by("admin"), people["sam"], people["dr.walsh"])
        told, delayed = (
            risk.raise_concern(
                db, by("sam"), alex.id, CANARIES["concern"], "Why now.", "What was done."
            )
            for _ in range(2)
        )
        risk.delay(
            db,
            by("dr.chen"),
            delayed.id,
            f"Not today: {CANARIES['delay']}",
            24,
            max_hours=72,
        )
        for concern in (told, delayed):
            expected += [
                Expected("alex", Kind.RISK_ABOUT_YOU, concern.id),
                Expected("dr.walsh", Kind.COSIGN_ASKED, concern.id),
                Expected("dr.chen", Kind.RISK_IN_CARE, concern.id),
            ]

        access = emergency.start(
            db,
            by("dr.walsh"),
            people["jordan"],
            f"Out of hours in the emergency department: {CANARIES['emergency']}",
            DEMO_PASSWORD,
            code=unused_code(db, people["dr.walsh"]),
            minutes=60,
        )
        expected.append(Expected("jordan", Kind.EMERGENCY_ACCESS, access.id))

        change = choosing.request_worker(db, by("alex"), people["tui"], handover=True)
        expected.append(Expected("sam", Kind.HANDOVER_ASKED, change.id))
        choosing.decline(db, by("admin"), change.id, f"Tui is full now. {CANARIES['decline']}")
        expected.append(Expected("alex", Kind.REQUEST_ANSWERED, change.id))
        jordans = db.scalar(
            select(WorkerRequest.id).where(
                WorkerRequest.subject_id == people["jordan"],
                WorkerRequest.state == RequestState.REQUESTED,
            )
        )
        assert jordans is not None
        choosing.confirm(db, by("admin"), jordans)
        expected.append(Expected("jordan", Kind.REQUEST_ANSWERED, jordans))

        today = utcnow().date()
        terms = validate_terms(
            methods=["phone"],
            days=[0, 1],
            starts_at="09:00",
            ends_at="12:00",
            places=f"At the service. {CANARIES['agreement']}",
            community_contact=False,
            review_on=today + timedelta(days=30),
            today=today,
        )
        proposed = agreements.propose(db, by("sam"), alex.id, terms)
        expected.append(Expected("alex", Kind.AGREEMENT_TO_CONFIRM, proposed.id))
        version, reader = agreements.may_change(
            db, by("alex"), proposed.id, Action.AGREEMENT_PROPOSE
        )
        suggested = agreements.propose_change(db, by("alex"), version, reader, terms)
        expected.append(Expected("sam", Kind.AGREEMENT_TO_CONFIRM, suggested.id))

        # Alex writes his wishes with Sam and sends them: his clinician is told; her reply
        # tells Alex and Sam.
        words = wishes.check_texts(CANARIES["wishes"], "My sister.", "")
        wish = wishes.start(db, by("alex"), "admission", people["sam"], words, send=True)
        expected.append(Expected("dr.chen", Kind.WISHES_SENT, wish.id))
        wishes.reply(db, by("dr.chen"), wish.id, CANARIES["wishes_reply"])
        expected += [
            Expected("alex", Kind.WISHES_ANSWERED, wish.id),
            Expected("sam", Kind.WISHES_ANSWERED, wish.id),
        ]

        # Tui raises a workplace concern with the coordinator; each answer tells the other.
        raised = wellbeing.raise_concern(
            db, by("tui"), f"coordinator:{people['admin']}", "stigma", CANARIES["workplace"]
        )
        expected.append(Expected("admin", Kind.WORKPLACE_CONCERN, raised.id))
        wellbeing.answer(
            db, by("admin"), raised.id, wellbeing.ACKNOWLEDGE, CANARIES["workplace_answer"]
        )
        expected.append(Expected("tui", Kind.WORKPLACE_ANSWERED, raised.id))
        wellbeing.answer(db, by("tui"), raised.id, wellbeing.REPLY, "Thank you.")
        expected.append(Expected("admin", Kind.WORKPLACE_CONCERN, raised.id))
        db.commit()
    return expected


ROLES = {p.key: p.role for p in PEOPLE}
