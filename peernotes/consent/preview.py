"""Preview: "what would this person see of mine, right now?", item by item.

Everything listed comes from the access layer, asked as that person: record entries through
the SQL twin of `decide()` (`readable_entries`), peer notes through the same peer-notes
decision the note pages ask, and concerns, agreements, wishes, handovers and what they wrote
through the access map's per-object permits. So the preview cannot drift from what they would
really be shown: a test signs in as each person and compares (tests/web/test_preview_parity.py).

Two things a person may open are never listed, because to the subject they do not exist yet:
a draft note (its author's alone until they show it) and a risk concern whose telling a
clinician has delayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.aboutme import service as aboutme
from peernotes.aboutme.models import AboutMeVersion
from peernotes.access.decision import CARER_SIDE, PEER_WORKERS, Category, Decision
from peernotes.access.map import Item, ObjectKind, Row, access_map, basis_words, object_words
from peernotes.access.objects import Relation
from peernotes.access.queries import (
    current_provisions,
    facts_for,
    readable_entries,
    team_members,
)
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import By, Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.care import service as care
from peernotes.db import utcnow
from peernotes.flags import service as flags
from peernotes.notes.lifecycle import State
from peernotes.notes.models import Note, NoteKind
from peernotes.notes.service.reading import peer_notes_decision, shared_with_care_team
from peernotes.records.models import RecordEntry
from peernotes.risk.models import RiskConcern
from peernotes.wishes.models import Wish


@dataclass(frozen=True)
class Seen:
    """One thing the person would open, as the subject reads it."""

    #: The object's type, as the access log names it (`record_entry`, `note`, …).
    type: str
    id: int
    #: What it is, in the words the person's own pages use for it.
    what: str
    by_id: int | None
    at: datetime | None
    #: How much of it they see, when not all of it.
    part: str = ""
    #: Why they see it, in the map's words ("in your care team", "they wrote it", …).
    why: str = ""


@dataclass(frozen=True)
class Preview:
    person: User
    seen: list[Seen]
    notes: list[str]

    def of(self, type_: str) -> list[Seen]:
        return [s for s in self.seen if s.type == type_]


def people_to_preview(db: Session, subject_id: int, rows: list[Row] | None = None) -> list[User]:
    """Everyone in the subject's map (`rows`, when the caller has it), their care team, the
    carers they named, and anyone their consent names (a team's members too): whoever they
    might wonder about."""
    now = utcnow()
    mapped = rows if rows is not None else access_map(db, subject_id, now)
    ids = {row.person_id for row in mapped}
    ids |= {a.worker_id for a in care.care_team(db, subject_id, now)}
    ids |= {n.carer_id for n in care.nominations_by(db, subject_id)}
    provisions = current_provisions(db, subject_id, now)
    ids |= {p.person_id for p in provisions if p.person_id}
    ids |= team_members(db, {p.team_id for p in provisions if p.team_id}, now)
    ids.discard(subject_id)
    return sorted(db.scalars(select(User).where(User.id.in_(ids))), key=lambda p: p.display_name)


def _note_words(kind: NoteKind) -> str:
    return "Carer-support note" if kind is NoteKind.CARER_SUPPORT else "Peer note"


def seen_by(
    db: Session, subject: User, person: User, at: datetime, rows: list[Row] | None = None
) -> list[Seen]:
    """Every item about `subject` that `person` would open at `at`, newest first per kind
    (`rows`: the subject's access map at `at`, when the caller has it)."""
    mapped = rows if rows is not None else access_map(db, subject.id, at)
    row = next((r for r in mapped if r.person_id == person.id), None)
    items: dict[ObjectKind, dict[Item, Decision]] = dict(row.items) if row else {}
    reads = row.reads if row else {}
    words = basis_words(db, subject.id, at)

    def why(item: Item, kind: ObjectKind, category: Category | None = None) -> str:
        permit = items.get(kind, {}).get(item)
        if permit is not None:
            return object_words(permit, one=True).words
        if category is not None and category in reads:
            return words(reads[category]).words
        return ""

    seen: list[Seen] = []

    for entry in db.scalars(
        select(RecordEntry)
        .where(
            RecordEntry.subject_id == subject.id,
            readable_entries(person.id, person.role, at),
        )
        .order_by(RecordEntry.id.desc())
    ):
        item = ("record_entry", entry.id)
        seen.append(
            Seen(
                *item,
                entry.category.label,
                entry.author_id,
                entry.created_at,
                why=why(item, ObjectKind.WHAT_THEY_WROTE, entry.category),
            )
        )

    written = {i for t, i in items.get(ObjectKind.WHAT_THEY_WROTE, {}) if t == "note"}
    shared = _reads_peer_notes(db, subject, person)
    notes = select(Note).where(Note.subject_id == subject.id, Note.state != State.DRAFT)
    for note in db.scalars(notes.order_by(Note.id.desc())):
        if note.id in written:
            item = ("note", note.id)
            seen.append(
                Seen(
                    *item,
                    _note_words(note.kind),
                    note.author_id,
                    note.created_at,
                    why=why(item, ObjectKind.WHAT_THEY_WROTE),
                )
            )
    if shared:
        for note in db.scalars(
            select(Note).where(shared_with_care_team(subject.id)).order_by(Note.id.desc())
        ):
            if note.id not in written:
                seen.append(
                    Seen(
                        "note",
                        note.id,
                        _note_words(note.kind),
                        note.author_id,
                        note.created_at,
                        "the parts marked “care team”",
                        why(("note", note.id), ObjectKind.WHAT_THEY_WROTE, Category.PEER_NOTES),
                    )
                )

    # The map leaves out a concern whose telling is delayed: the subject never hears of it here.
    for item in items.get(ObjectKind.RISK_CONCERNS, {}):
        concern = db.get_one(RiskConcern, item[1])
        seen.append(
            Seen(
                *item,
                "A concern raised about you",
                concern.raised_by_id,
                concern.created_at,
                why=why(item, ObjectKind.RISK_CONCERNS),
            )
        )
    for item in items.get(ObjectKind.SUPPORT_AGREEMENTS, {}):
        kind = ObjectKind.SUPPORT_AGREEMENTS
        seen.append(Seen(*item, "Your support agreement", None, None, why=why(item, kind)))
    for item in items.get(ObjectKind.HANDOVERS, {}):
        words_ = "A handover between your peer workers"
        seen.append(Seen(*item, words_, None, None, why=why(item, ObjectKind.HANDOVERS)))
    # Their wishes, as the map's `decide_wishes` permits: the care team reads only what was
    # sent (the wish page shows them the last version sent), the helper every version.
    for item in items.get(ObjectKind.WISHES, {}):
        wish = db.get_one(Wish, item[1])
        permit = items[ObjectKind.WISHES][item]
        part = "the last version you sent" if permit.relation == Relation.CARE_TEAM else ""
        seen.append(
            Seen(
                *item,
                f"Your wishes for {wish.transition.label}",
                None,
                wish.sent_at or wish.created_at,
                part,
                why(item, ObjectKind.WISHES),
            )
        )
    # What the person writes themselves: their skills list (kept with a peer worker, or shared
    # by consent) and their "about me" (shared by consent), each one page about them.
    skills_item = ("skills", subject.id)
    if skills_item in items.get(ObjectKind.SKILLS_KEPT, {}) or Category.SKILLS in reads:
        kind = ObjectKind.SKILLS_KEPT
        said = why(skills_item, kind, Category.SKILLS)
        seen.append(Seen(*skills_item, "Your skills and resources", None, None, why=said))
    if Category.ABOUT_ME in reads:
        written = db.scalar(
            # Only versions still holding words: one emptied at the person's erasure request
            # is read by nobody, so the preview does not say it is.
            select(func.max(AboutMeVersion.written_at)).where(aboutme.holding_words(subject.id))
        )
        if written is not None:
            said = words(reads[Category.ABOUT_ME]).words
            seen.append(Seen("about_me", subject.id, "Your “about me”", None, written, why=said))
    return seen


def _reads_peer_notes(db: Session, subject: User, person: User) -> bool:
    """The peer-notes decision the note pages ask, as `person` (the map's row says the same:
    both are `decide()`)."""
    return peer_notes_decision(db, By(person.id, person.role, "preview"), subject.id).permitted


def preview(
    db: Session, subject: Acting, person_id: int | None
) -> tuple[list[User], Preview | None]:
    """Whom the subject may preview, and what `person_id` (when one is chosen) sees now: the
    subject's access map is read once for both.

    Raises LookupError when `person_id` is not someone connected to the subject.

    A flag the consumer was not to be told of is never mentioned: the person simply sees
    nothing, as they would.
    """
    assert subject.id is not None
    now = utcnow()
    rows = access_map(db, subject.id, now)  # once, for who may be previewed and what they see
    people = people_to_preview(db, subject.id, rows)
    if person_id is None:
        return people, None
    person = next((p for p in people if p.id == person_id), None)
    if person is None:
        raise LookupError(person_id)
    me = db.get_one(User, subject.id)
    seen = seen_by(db, me, person, now, rows)
    facts = facts_for(db, person.id, subject.id, now)
    notes = []
    if facts.safety_flag and person.role in CARER_SIDE and flags.any_told_flag(db, subject.id):
        notes.append(
            f"A safety flag is in place, so {person.display_name} sees nothing of yours for now,"
            " whatever you share."
        )
    elif person.role in PEER_WORKERS and not facts.training_current and not facts.safety_flag:
        notes.append(
            f"{person.display_name}'s training has lapsed, so they see nothing you share until it"
            " is renewed."
        )
    logged = Target("user", person.id)
    record_event(
        db, subject, Action.CONSENT_PREVIEW, subject.id, logged, Outcome.ALLOWED, Basis.SELF
    )
    return people, Preview(person, seen, notes)
