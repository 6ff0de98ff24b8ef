"""What "Download my information" holds: everything about a person that they may see, gathered
from the services their own pages use, as one frozen value.

Nothing here decides who may see what. Notes come from `notes.mine` and `notes.read` (the note
page's read, logged per note) with the revisions `notes.revisions` gives that reader; record
entries from `records.list_entries` and `records.read_entry` (logged, as on the record pages),
with their versions from `records.revisions`; concerns raised about them from `risk.about_me`
and `risk.read` (one the care team waits to tell them of is not there, as on their page);
consent from `consent.history` and the directive in force; the access log from
`accesslog.own_log`, in the words of "Who has looked at my information" (`accesslog.plain`).
So the download can hold nothing the person's own pages would not show them, and each read is
on record as it would be there.

The access log is read first, as it stood when the download began: the reads the download
itself makes (and the one `export:own_information` entry) come after it, in the log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from peernotes.aboutme import service as aboutme
from peernotes.access.queries import current_provisions
from peernotes.accesslog import own_log, plain
from peernotes.audit import log
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import record_event
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import ROLE_LABELS, SUBJECT_ROLES, Permission, Role, has_permission
from peernotes.care import service as care
from peernotes.consent import service as consent
from peernotes.db import utcnow
from peernotes.emergency import service as emergency
from peernotes.notes import service as notes
from peernotes.records import service as records
from peernotes.risk import service as risk
from peernotes.skills import service as skills
from peernotes.wishes import service as wishes

#: How many record entries one listing call asks for (the record is read to its end).
_RECORD_BATCH = 100


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str


@dataclass(frozen=True)
class Section:
    heading: str
    body: str
    #: Who the person chose to see it: "just_us" or "care_team"; None before approval.
    audience: str | None = None


@dataclass(frozen=True)
class NoteRevision:
    number: int
    author_id: int
    created_at: datetime
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Said:
    """Words added to a note or an entry: one's own words, a correction request, an answer."""

    id: int
    kind: str
    author_id: int
    created_at: datetime
    text: str
    #: For an answer: the correction request it answers.
    replies_to_id: int | None = None


@dataclass(frozen=True)
class NoteStep:
    action: str
    actor_id: int
    created_at: datetime
    revision: int
    comment: str


@dataclass(frozen=True)
class Note:
    id: int
    kind: str
    author_id: int
    state: str
    revision: int
    approved_revision: int | None
    approved_at: datetime | None
    in_person: str | None
    #: The current revision as the note page shows it, with each section's audience.
    sections: tuple[Section, ...]
    #: Every revision the person may see, oldest first (the current one among them).
    revisions: tuple[NoteRevision, ...]
    statements: tuple[Said, ...]
    steps: tuple[NoteStep, ...]


@dataclass(frozen=True)
class EntryVersion:
    number: int
    kind: str
    author_id: int
    created_at: datetime
    title: str
    body: str
    reason: str
    provenance: str


@dataclass(frozen=True)
class RecordEntry:
    id: int
    category: str
    category_label: str
    author_id: int
    created_at: datetime
    title: str
    body: str
    revision: int
    entered_in_error: bool
    #: Every version, oldest first: the original, each amendment, "entered in error".
    versions: tuple[EntryVersion, ...]
    statements: tuple[Said, ...]


@dataclass(frozen=True)
class Concern:
    """A duty-of-care concern raised about the person, as their page shows it to them."""

    id: int
    raised_by_id: int
    created_at: datetime
    observed: str
    why_now: str
    what_done: str
    #: When the care team waited until before showing it (never their reason).
    told_after_delay_until: datetime | None


@dataclass(frozen=True)
class ConsentChange:
    version: int
    at: datetime
    by_id: int
    witnessed_by_id: int | None
    #: The receipt of each share it added, as the person read it at the time.
    receipts: tuple[str, ...]
    ended: tuple[str, ...]


@dataclass(frozen=True)
class Share:
    """One share in force now."""

    id: int
    act: str
    categories: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime
    receipt: str


@dataclass(frozen=True)
class Nomination:
    id: int
    #: The other person: the carer a consumer named, or the consumer who named a carer.
    person_id: int
    since: datetime
    relationship: str


@dataclass(frozen=True)
class LogLine:
    seq: int
    at: datetime
    action: str
    refused: bool
    sentence: str


@dataclass(frozen=True)
class EmergencyUse:
    id: int
    clinician_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str
    reviewed: str | None
    review_comment: str | None


@dataclass(frozen=True)
class AboutMeVersion:
    """One version of the person's "about me": question → their answer."""

    version: int
    written_at: datetime
    parts: dict[str, str]


@dataclass(frozen=True)
class SkillVersion:
    number: int
    written_by_id: int
    written_at: datetime
    name: str
    about: str
    worked: str


@dataclass(frozen=True)
class SkillItem:
    """A skill or resource they keep with their peer worker, every version, newest first."""

    id: int
    kind: str
    added_by_id: int
    added_at: datetime
    retired_at: datetime | None
    versions: tuple[SkillVersion, ...]


@dataclass(frozen=True)
class Information:
    """Everything about one person that they may see, at one moment."""

    person: Person
    generated_at: datetime
    notes: tuple[Note, ...]
    #: None for someone who keeps no record (carers).
    record: tuple[RecordEntry, ...] | None
    concerns: tuple[Concern, ...]
    consent_history: tuple[ConsentChange, ...]
    shares: tuple[Share, ...]
    nominations: tuple[Nomination, ...]
    access_log: tuple[LogLine, ...]
    emergency_uses: tuple[EmergencyUse, ...]
    #: Everyone the information names, by id: name and role.
    people: dict[int, Person] = field(default_factory=dict)
    #: A consumer's wishes at a transition: every version, and the care team's replies.
    wishes: tuple[WishStatement, ...] = ()
    #: Every version of their "about me", newest first (empty when they wrote none).
    about_me: tuple[AboutMeVersion, ...] = ()
    #: The skills and resources they keep with their peer worker, with every version.
    skills: tuple[SkillItem, ...] = ()


@dataclass(frozen=True)
class WishStatement:
    """One "my wishes" statement, as its page shows it to the person."""

    id: int
    transition: str
    helper_id: int | None
    sent_at: datetime | None
    #: Every version, newest first.
    versions: tuple[wishes.OpenVersion, ...]
    replies: tuple[wishes.OpenReply, ...]


def gather(db: Session, by: Acting, tz: ZoneInfo) -> Information:
    """Everything about `by` that they may see, read through the services (each read logged
    as on the person's own pages), and one `export:own_information` entry for the download."""
    assert by.id is not None and by.role is not None
    me = db.get_one(User, by.id)
    now = utcnow()
    access_log, uses = _access_log(db, by, tz)
    gathered_notes = _notes(db, by)
    record = _record(db, by) if has_permission(by.role, Permission.RECORD_OWN) else None
    concerns = _concerns(db, by)
    history = tuple(
        ConsentChange(c.version, c.at, c.by_id, c.witnessed_by_id, tuple(c.added), tuple(c.ended))
        for c in consent.history(db, by.id, me.role)
    )
    shares = _shares(db, me, now)
    nominations = _nominations(db, me)
    statements = _wishes(db, by) if has_permission(by.role, Permission.WISHES_OWN) else ()
    about_me, kept = _about_me(db, by), _skills(db, by)
    record_event(db, by, Action.INFORMATION_DOWNLOAD, by.id, None, Outcome.ALLOWED, Basis.SELF)
    named = _named(me, gathered_notes, record or (), concerns, history, nominations, uses)
    for w in statements:
        named.update(v.written_by_id for v in w.versions)
        named.update(r.author_id for r in w.replies)
        if w.helper_id is not None:
            named.add(w.helper_id)
    named |= {i.added_by_id for i in kept} | {v.written_by_id for i in kept for v in i.versions}
    return Information(
        person=Person(me.id, me.display_name, me.role.value),
        generated_at=now,
        notes=gathered_notes,
        record=record,
        concerns=concerns,
        consent_history=history,
        shares=shares,
        nominations=nominations,
        access_log=access_log,
        emergency_uses=uses,
        people=_people(db, named),
        wishes=statements,
        about_me=about_me,
        skills=kept,
    )


def _about_me(db: Session, by: Acting) -> tuple[AboutMeVersion, ...]:
    """Their "about me", every version, as their own page reads it (logged as there)."""
    if by.role not in SUBJECT_ROLES:
        return ()
    current, earlier = aboutme.own(db, by)
    return tuple(
        AboutMeVersion(
            v.version, v.written_at, {question: answer for question, answer in v.filled()}
        )
        for v in ([current] if current else []) + earlier
    )


def _skills(db: Session, by: Acting) -> tuple[SkillItem, ...]:
    """Their skills and resources, as their own list page reads it (logged as there)."""
    if by.role not in SUBJECT_ROLES or by.id is None:
        return ()
    found = skills.read_list(db, by, by.id)
    return tuple(
        SkillItem(
            i.id,
            i.kind.value,
            i.added_by_id,
            i.added_at,
            i.retired_at,
            tuple(
                SkillVersion(
                    v.number,
                    v.written_by_id,
                    v.written_at,
                    v.text.name,
                    v.text.about,
                    v.text.worked,
                )
                for v in (i.current, *i.earlier)
            ),
        )
        for i in found.items
    )


def _wishes(db: Session, by: Acting) -> tuple[WishStatement, ...]:
    """The person's own wishes, each read as its page reads it (every version, the replies)."""
    assert by.id is not None
    gathered: list[WishStatement] = []
    for listed in sorted(wishes.listed_for(db, by, by.id), key=lambda w: w.id):
        view = wishes.read(db, by, listed.id)
        gathered.append(
            WishStatement(
                view.wish.id,
                view.wish.transition.value,
                view.wish.helper_id,
                view.wish.sent_at,
                tuple(view.versions),
                tuple(view.replies),
            )
        )
    return tuple(gathered)


def _notes(db: Session, by: Acting) -> tuple[Note, ...]:
    """The notes on the person's notes page, each read as the note page reads it."""
    gathered: list[Note] = []
    for summary in sorted(notes.mine(db, by), key=lambda n: n.id):
        try:
            view = notes.read(db, by, summary.id)
        except notes.NoteNotFound:
            continue  # the note page would answer 404: nothing of it is theirs to see
        gathered.append(
            Note(
                id=view.id,
                kind=view.kind.value,
                author_id=view.author_id,
                state=view.state.value,
                revision=view.revision,
                approved_revision=view.approved_revision,
                approved_at=view.approved_at,
                in_person=view.in_person.value if view.in_person else None,
                sections=tuple(
                    Section(s.heading, s.body, s.audience.value if s.audience else None)
                    for s in view.sections
                ),
                revisions=tuple(
                    NoteRevision(
                        r.number,
                        r.author_id,
                        r.created_at,
                        tuple(Section(s.heading, s.body) for s in r.sections),
                    )
                    for r in notes.revisions(db, view)
                ),
                statements=tuple(
                    Said(s.id, s.kind.value, s.author_id, s.created_at, s.text, s.replies_to_id)
                    for s in view.statements
                ),
                steps=tuple(
                    NoteStep(e.action.value, e.actor_id, e.created_at, e.revision, e.comment)
                    for e in view.events
                ),
            )
        )
    return tuple(gathered)


def _record(db: Session, by: Acting) -> tuple[RecordEntry, ...]:
    """The person's own record, every entry as its page shows it, oldest first."""
    assert by.id is not None
    ids: list[int] = []
    before: int | None = None
    while True:
        page = records.list_entries(db, by, by.id, before=before, size=_RECORD_BATCH)
        ids.extend(e.id for e in page.entries)
        if page.older is None:
            break
        before = page.older
    gathered: list[RecordEntry] = []
    for entry_id in sorted(ids):
        try:
            entry = records.read_entry(db, by, by.id, entry_id)
        except records.NotFound:
            continue
        said: list[Said] = []
        for s in entry.statements:
            said.append(Said(s.id, s.kind.value, s.author_id, s.created_at, s.text))
            if s.answer is not None:
                a = s.answer
                said.append(Said(a.id, a.kind.value, a.author_id, a.created_at, a.text, s.id))
        gathered.append(
            RecordEntry(
                id=entry.id,
                category=entry.category.value,
                category_label=entry.category.label,
                author_id=entry.author_id,
                created_at=entry.created_at,
                title=entry.title,
                body=entry.body,
                revision=entry.revision,
                entered_in_error=entry.entered_in_error,
                versions=tuple(
                    EntryVersion(
                        v.number,
                        v.kind.value,
                        v.author_id,
                        v.created_at,
                        v.title,
                        v.body,
                        v.reason,
                        v.provenance,
                    )
                    for v in records.revisions(db, by, entry)
                ),
                statements=tuple(said),
            )
        )
    return tuple(gathered)


def _concerns(db: Session, by: Acting) -> tuple[Concern, ...]:
    """The concerns on "Concerns raised about me" (those the care team waits to tell are left
    out there, and so here), each read as its page reads it."""
    gathered: list[Concern] = []
    for summary in sorted(risk.about_me(db, by), key=lambda c: c.id):
        try:
            view = risk.read(db, by, summary.id)
        except risk.ConcernNotFound:
            continue
        gathered.append(
            Concern(
                view.id,
                view.raised_by_id,
                view.created_at,
                view.text.observed,
                view.text.why_now,
                view.text.what_done,
                view.delay_until,
            )
        )
    return tuple(gathered)


def _shares(db: Session, me: User, now: datetime) -> tuple[Share, ...]:
    """The shares in force now, as "Privacy and sharing" lists them."""
    current = [p for p in current_provisions(db, me.id, now) if p.valid_until > now]
    held = consent.load_grantees(db, current)  # one query, not one per share
    shares = tuple(
        Share(
            p.id,
            p.act.value,
            tuple(sorted(c.value for c in p.categories)),
            p.valid_from,
            p.valid_until,
            consent.receipt(db, p, me.role),
        )
        for p in current
    )
    del held
    return shares


def _nominations(db: Session, me: User) -> tuple[Nomination, ...]:
    """A consumer's carers, or for a carer, who named them (as their home page says it)."""
    if me.role is Role.CONSUMER:
        return tuple(
            Nomination(n.id, n.carer_id, n.created_at, n.relationship_label)
            for n in care.nominations_by(db, me.id)
        )
    if me.role is Role.CARER:
        # The relationship is the consumer's word for it, on their page; the carer's home page
        # shows who named them, and since when.
        return tuple(
            Nomination(n.id, n.consumer_id, n.created_at, "")
            for n in care.nominations_of(db, me.id)
        )
    return ()


def _access_log(
    db: Session, by: Acting, tz: ZoneInfo
) -> tuple[tuple[LogLine, ...], tuple[EmergencyUse, ...]]:
    """Every line of "Who has looked at my information", newest first, in its words; and the
    emergency accesses it explains. The look is logged as the page logs it."""
    assert by.id is not None
    visible = own_log.visible(db, by.id)
    entries = list(log.all_matching(db, visible.query))
    found = emergency.uses(db, subject_id=by.id)
    context = own_log.context(db, by.id, entries, visible, tz, uses=found)
    lines = []
    for entry in entries:
        line = plain.describe(entry, context)
        lines.append(
            LogLine(entry.seq, entry.occurred_at, entry.action, line.denied, line.sentence)
        )
    record_event(db, by, Action.AUDIT_VIEW_OWN, by.id, None, Outcome.ALLOWED, Basis.SELF)
    uses = tuple(
        EmergencyUse(
            u.access.id,
            u.access.clinician_id,
            u.access.starts_at,
            u.access.ends_at,
            u.reason,
            u.access.review_outcome.value if u.access.review_outcome else None,
            u.review_comment,
        )
        for u in found
    )
    return tuple(lines), uses


def _named(
    me: User,
    gathered: tuple[Note, ...],
    record: tuple[RecordEntry, ...],
    concerns: tuple[Concern, ...],
    history: tuple[ConsentChange, ...],
    nominations: tuple[Nomination, ...],
    uses: tuple[EmergencyUse, ...],
) -> set[int]:
    ids = {me.id}
    for n in gathered:
        ids.add(n.author_id)
        ids.update(r.author_id for r in n.revisions)
        ids.update(s.author_id for s in n.statements)
        ids.update(s.actor_id for s in n.steps)
    for e in record:
        ids.add(e.author_id)
        ids.update(v.author_id for v in e.versions)
        ids.update(s.author_id for s in e.statements)
    ids.update(c.raised_by_id for c in concerns)
    for c in history:
        ids.add(c.by_id)
        if c.witnessed_by_id is not None:
            ids.add(c.witnessed_by_id)
    ids.update(n.person_id for n in nominations)
    ids.update(u.clinician_id for u in uses)
    return ids


def _people(db: Session, ids: set[int]) -> dict[int, Person]:
    """The name and role of everyone the information names (as the pages name them)."""
    names = display_names(db, ids)
    people: dict[int, Person] = {}
    for user_id in sorted(ids):
        user = db.get(User, user_id)
        if user is not None:
            people[user_id] = Person(
                user_id, names.get(user_id, user.display_name), ROLE_LABELS[user.role]
            )
    return people
