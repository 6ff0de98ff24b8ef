"""Growing the demo service for the people whose pages are counted: more of everything their
main pages list or look through, through the services (real encryption, real log entries,
real notifications), so that what a page reads is what a busy service would hold.

People and workers' caseloads grow by plain inserts (an account with no sign-in needs no
password hash, and a hash costs argon2's work factor); everything else goes through the
same service calls the pages' forms make.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.access.queries import current_provisions
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import ASSIGNABLE, Role
from peernotes.care.models import CareAssignment, Team
from peernotes.consent import service as consent
from peernotes.db import utcnow
from peernotes.demo.loader import DEMO_DOMAIN
from peernotes.notes import service as notes
from peernotes.notes.models import Note
from peernotes.notes.service import LIST_PAGE
from peernotes.records import service as records
from peernotes.records.models import RecordEntry
from peernotes.risk import service as risk
from peernotes.workforce.contacts import service as contacts

REQUEST = "query-count-growth"


def _person(db: Session, key: str) -> User:
    found = db.scalar(select(User).where(User.email == f"{key}@{DEMO_DOMAIN}"))
    assert found is not None, key
    return found


def _by(user: User) -> By[Role]:
    return By(user.id, user.role, REQUEST)


def _sections(text: str) -> list[notes.Section]:
    bodies = (text, "What helped this week.", "What comes next.", "For the team to know.")
    return [notes.Section(h, b) for h, b in zip(notes.DEFAULT_SECTIONS, bodies, strict=True)]


def _add_caseload(db: Session, worker: User, round_: int, count: int) -> None:
    """`count` more people in this worker's care, assigned in the same team."""
    # A consumer peer worker may support carers too; grow their caseload with consumers.
    role = Role.CONSUMER if Role.CONSUMER in ASSIGNABLE[worker.role] else Role.CARER
    ids = db.execute(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {
                "email": f"grown-{worker.id}-{round_}-{i}@counts.example",
                "display_name": f"Grown {role.label} {worker.id}.{round_}.{i}",
                "role": role,
                "password_hash": "not-a-login",
            }
            for i in range(count)
        ],
    ).scalars()
    team = db.scalar(select(Team.id).order_by(Team.id))
    db.execute(
        insert(CareAssignment),
        [
            {
                "worker_id": worker.id,
                "subject_id": person,
                "team_id": team,
                "starts_on": utcnow().date() - timedelta(days=30),
                "created_by_id": worker.id,
            }
            for person in ids
        ],
    )


def _notes_about(db: Session, author: User, subject: User, count: int, round_: int) -> None:
    """Notes in every state a page lists, about a third each of the first three: shared (with
    the subject's own words), waiting for the subject's review, changes asked for (waiting
    for the author); and a few declined, and drafts."""
    writer, reader = _by(author), _by(subject)
    audiences = ["just_us", "care_team", "care_team", "care_team"]
    for i in range(count):
        note = notes.create(db, writer, subject.id, _sections(f"Grown note {round_}.{i}."))
        if i % 20 == 19:
            continue  # a draft
        notes.propose(db, writer, note.id)
        if i % 20 == 18:
            notes.decline(db, reader, note.id, "Not this one.")
        elif i % 3 == 0:
            notes.approve(db, reader, note.id, audiences, 1)
            notes.add_statement(db, reader, note.id, "own_words", "In my own words.")
        elif i % 3 == 1:
            notes.request_changes(db, reader, note.id, "Please change a word.")
        # else: waiting for the subject's review (and a notification for them)


def _reads(db: Session, reader: User, subject: User, note_ids: list[int]) -> None:
    """Reads through the one access layer: log entries the subject's own log shows."""
    for note_id in note_ids:
        try:
            notes.read(db, _by(reader), note_id)
        except notes.NoteNotFound:
            pass


def _consent_versions(
    db: Session, subject: User, grantee: User, categories: frozenset[Category], count: int
) -> None:
    """`count` shares given, half of them taken back: a version for each."""
    now = utcnow()
    for i in range(count):
        consent.grant(
            db,
            _by(subject),
            subject,
            consent.Grant(
                GranteeKind.PERSON,
                grantee.id,
                None,
                None,
                Act.READ,
                categories,
                f"grown share {i}",
                now,
                now + timedelta(days=30 + i),
            ),
        )
    for _ in range(count // 2):  # each version renumbers what it keeps: look again each time
        provision = current_provisions(db, subject.id, utcnow())[-1]
        consent.revoke(db, _by(subject), subject, provision.id)


def _record_entries(db: Session, clinician: User, subject: User, count: int) -> None:
    by = _by(clinician)
    first = db.scalar(
        select(RecordEntry.id).where(RecordEntry.subject_id == subject.id).order_by(RecordEntry.id)
    )
    for i in range(count):
        entry = records.write_entry(
            db, by, subject, "care_plan" if i % 2 else "clinical_note", f"Grown {i}", "Body."
        )
        if i % 3 == 0:
            records.read_entry(db, by, subject.id, entry.id)
    assert first is not None
    for _ in range(count // 4):  # the entry whose page is counted: more statements on it
        records.add_statement(db, _by(subject), subject.id, first, "own_words", "About it.")


def _contacts(db: Session, worker: User, subject: User, count: int) -> None:
    today = utcnow().date()
    for i in range(count):
        contacts.record(
            db,
            _by(worker),
            subject.id,
            occurred_on=today - timedelta(days=i % 20),
            at_time="10:00",
            minutes=30,
            channel="phone",
            place="",
            group=False,
            today=today,
        )


def _concerns(db: Session, worker: User, subject: User, count: int) -> None:
    for i in range(count):
        risk.raise_concern(
            db,
            _by(worker),
            subject.id,
            observed=f"Grown concern {i}: something was said on the phone.",
            why_now="It matches an early warning sign in the crisis plan.",
            what_done="We went through the plan together and agreed to tell the clinician.",
        )


def grow(db: Session, factor: int, round_: int) -> dict[str, Any]:
    """Add about `factor` times the demo's own amount of everything the counted pages show,
    for the same people; and notes enough that each list of them that pages (`LIST_PAGE`, the
    timeline's page) is full after the first growth: beyond a page, a list's count must stop
    growing. Flushes; the caller commits. Returns what was added, for messages."""
    notes_each = max(4 * LIST_PAGE, 5 * factor)
    people = {k: _person(db, k) for k in ("alex", "linh", "sam", "helen", "dr.chen", "tui")}
    alex, linh, sam, helen, chen = (people[k] for k in ("alex", "linh", "sam", "helen", "dr.chen"))
    for worker in (chen, sam, helen, people["tui"]):
        _add_caseload(db, worker, round_, 2 * factor)
    _notes_about(db, sam, alex, notes_each, round_)
    _notes_about(db, helen, linh, notes_each, round_)
    _reads(
        db,
        chen,
        alex,
        list(db.scalars(select(Note.id).where(Note.subject_id == alex.id))),
    )
    _record_entries(db, chen, alex, 3 * factor)
    _consent_versions(
        db, alex, sam, frozenset({Category.CORRESPONDENCE, Category.CARE_PLAN}), factor
    )
    _consent_versions(db, linh, helen, frozenset({Category.PEER_NOTES}), factor)
    _contacts(db, sam, alex, factor)
    _contacts(db, helen, linh, factor)
    _concerns(db, sam, alex, factor)
    db.flush()
    return {"factor": factor, "round": round_}
