"""Retention and erasure.

What a person's erasure request does, precisely:

- **At once:** every note about them that is still in the peer space (no section of it was
  ever given to the care team, so it never entered the record) is crypto-shredded: their
  peer-space keys are marked destroyed in the request's transaction and removed from the key
  vault right after it commits. The note rows stay, as tombstones ("Erased at the person's
  request on …"), so lists and the access log stay consistent.
- **At once, too:** what they wrote about themselves ("about me") and the list of skills and
  resources they kept with their peer worker are emptied: each version's sealed text is removed
  (the rows stay, so versions and the access log stay consistent) and each item is put aside.
  Neither is part of the clinical record. Sealed copies in backups made earlier stay sealed
  under their data key, and become unreadable when it is destroyed at the end of retention.
- **At the end of retention** (last contact + `PEERNOTES_RETENTION_YEARS`, 7 by default):
  `peernotes retention run` destroys their data key, so that their record entries, the notes
  that entered the record and everything else sealed about them can no longer be read.

Notes written before notes had their own keys are sealed directly under the data key: they
cannot be shredded alone, so they are erased at the end of retention with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from peernotes.aboutme import service as aboutme
from peernotes.aboutme.models import AboutMeVersion
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import AuditActor, Target, record_event
from peernotes.auth.models import User
from peernotes.care.models import CareAssignment
from peernotes.crypto.keyring import Keyring, key_sources
from peernotes.crypto.models import SpaceKey
from peernotes.crypto.sealing import (
    destroy_data_key,
    destroy_space_keys,
    destroyed_refs_still_in_vault,
    shred_in_vault,
)
from peernotes.crypto.vault import KeyVault
from peernotes.db import Database, utcnow
from peernotes.erasure.models import ErasureRequest
from peernotes.notes.models import Note
from peernotes.notes.service.sealing import entered_record, forget_key, open_revision_strictly
from peernotes.records.models import RecordEntry, RecordRevision
from peernotes.skills.models import SkillItem, SkillItemVersion


class ErasureError(ValueError):
    """The request cannot be made; the message is safe to show."""


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _day(value: datetime | date | None) -> date | None:
    if value is None:
        return None
    return value.astimezone(UTC).date() if isinstance(value, datetime) else value


def still_in_care(db: Session, subject_id: int, today: date) -> bool:
    """An active care assignment: contact goes on, so retention has not started to run."""
    return (
        db.scalar(
            select(CareAssignment.id)
            .where(
                CareAssignment.subject_id == subject_id,
                CareAssignment.ended_at.is_(None),
                or_(CareAssignment.ends_on.is_(None), CareAssignment.ends_on >= today),
            )
            .limit(1)
        )
        is not None
    )


def last_contact(db: Session, subject_id: int, today: date) -> date:
    """The last time the service was in contact with the person: today while a care
    assignment is active; otherwise the latest of the end of their care assignments, the last
    change to a note about them and the last record entry or amendment about them (their
    account's creation when there is none of these)."""
    if still_in_care(db, subject_id, today):
        return today
    candidates: list[date | None] = [
        _day(
            db.scalar(
                select(func.max(CareAssignment.ended_at)).where(
                    CareAssignment.subject_id == subject_id
                )
            )
        ),
        _day(
            db.scalar(
                select(func.max(CareAssignment.ends_on)).where(
                    CareAssignment.subject_id == subject_id
                )
            )
        ),
        _day(db.scalar(select(func.max(Note.updated_at)).where(Note.subject_id == subject_id))),
        _day(
            db.scalar(
                select(func.max(RecordRevision.created_at))
                .join(RecordEntry, RecordEntry.id == RecordRevision.entry_id)
                .where(RecordEntry.subject_id == subject_id)
            )
        ),
        _day(db.get_one(User, subject_id).created_at),
    ]
    found = [d for d in candidates if d is not None]
    return min(max(found), today) if found else today


def retain_until(db: Session, subject_id: int, today: date, years: int) -> date:
    return add_years(last_contact(db, subject_id, today), years)


@dataclass(frozen=True)
class Plan:
    """What an erasure request would do for this person, today (shown before they confirm)."""

    #: Notes still in the peer space, shredded at once.
    shred_now: int
    #: Notes that entered the record (shared with the care team), kept until `retain_until`.
    kept_notes: int
    #: Notes that cannot be shredded alone (written before notes had their own keys).
    older_notes: int
    #: "About me" (1 if it holds anything) plus each skills-and-resources item, emptied at once.
    personal_now: int
    record_entries: int
    still_in_care: bool
    retain_until: date
    years: int
    #: Earlier requests of theirs, newest first.
    earlier: list[ErasureRequest]


def _notes_of(db: Session, subject_id: int) -> list[Note]:
    return list(
        db.scalars(
            select(Note).where(Note.subject_id == subject_id, Note.erased_at.is_(None))
        ).all()
    )


@dataclass(frozen=True)
class _Personal:
    """What the person wrote about themselves and kept with their peer worker, not yet emptied."""

    about_me: list[AboutMeVersion]
    items: list[SkillItem]
    item_versions: list[SkillItemVersion]

    @property
    def count(self) -> int:
        """As `Plan.personal_now` counts it: "about me" (1 if it holds anything) plus each item."""
        return int(bool(self.about_me)) + len(self.items)


def _personal_of(db: Session, subject_id: int) -> _Personal:
    about_me = db.scalars(select(AboutMeVersion).where(aboutme.holding_words(subject_id))).all()
    item_versions = db.scalars(
        select(SkillItemVersion)
        .join(SkillItem, SkillItem.id == SkillItemVersion.item_id)
        .where(SkillItem.subject_id == subject_id, SkillItemVersion.body_sealed.is_not(None))
    ).all()
    ids = {v.item_id for v in item_versions}
    items = db.scalars(select(SkillItem).where(SkillItem.id.in_(ids))).all() if ids else []
    return _Personal(list(about_me), list(items), list(item_versions))


def _empty_personal(db: Session, subject_id: int, now: datetime) -> int:
    """Remove the sealed texts of their "about me" and skills and resources (rows kept, items
    put aside by the person); returns how many things were emptied, as `Plan.personal_now`."""
    found = _personal_of(db, subject_id)
    for version in found.about_me:
        version.body_sealed = None
    for item_version in found.item_versions:
        item_version.body_sealed = None
    for item in found.items:
        if item.retired_at is None:
            item.retired_at, item.retired_by_id = now, subject_id
    db.flush()
    return found.count


def plan(db: Session, subject_id: int, today: date, years: int) -> Plan:
    notes = _notes_of(db, subject_id)
    shred = [n for n in notes if n.space_key_id is not None]
    older = [
        n
        for n in notes
        if n.space_key_id is None and n.wrapped_key is None and not entered_record(db, n.id)
    ]
    entries = db.scalar(
        select(func.count()).select_from(RecordEntry).where(RecordEntry.subject_id == subject_id)
    )
    personal = _personal_of(db, subject_id)
    earlier = db.scalars(
        select(ErasureRequest)
        .where(ErasureRequest.subject_id == subject_id)
        .order_by(ErasureRequest.id.desc())
    ).all()
    return Plan(
        shred_now=len(shred),
        kept_notes=len(notes) - len(shred) - len(older),
        older_notes=len(older),
        personal_now=personal.count,
        record_entries=entries or 0,
        still_in_care=still_in_care(db, subject_id, today),
        retain_until=retain_until(db, subject_id, today, years),
        years=years,
        earlier=list(earlier),
    )


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def explain(p: Plan, *, done: bool = False) -> list[str]:
    """What will happen (or, `done`, what happened and will happen), in plain words."""
    lines: list[str] = []
    notes = "note" if p.shred_now == 1 else "notes"
    if p.shred_now:
        verb = "were" if done else "will be"
        lines.append(
            f"{p.shred_now} {notes} that only you and your peer worker could read {verb} "
            f"erased {'just now' if done else 'straight away'}. Nobody can read "
            f"{'them' if p.shred_now > 1 else 'it'} again, not even from a backup. You will "
            "still see that the note existed, marked as erased."
        )
    elif p.personal_now:
        lines.append("You have no notes that only you and your peer worker can read.")
    else:
        lines.append(
            "You have no notes that only you and your peer worker can read, so nothing is "
            f"erased {'just now' if done else 'straight away'}."
        )
    kept = p.record_entries + p.kept_notes + p.older_notes
    if kept:
        until = _long_date(p.retain_until)
        lines.append(
            f"Your medical record and the notes you shared with your care team must be kept "
            f"by law for {p.years} years after your last contact with the service. They "
            f"{'will be' if not done else 'are'} kept until {until}, and erased then."
        )
        if p.still_in_care:
            lines.append(
                "You are still in care with us, so this date moves later while you keep in "
                "contact. Until then your care team can still read what you shared with them."
            )
    if p.personal_now:
        lines.append(
            "What you wrote about yourself (“about me”) and your list of skills and resources "
            f"{'were emptied just now' if done else 'will be emptied straight away'}: nobody "
            "can read them in PeerNotes again. Sealed copies in the service's backups can no "
            "longer be read once the rest is erased."
        )
    if done:
        lines.append("You can go on using PeerNotes. New notes can be erased the same way.")
    return lines


def as_done(p: Plan, request: ErasureRequest) -> Plan:
    """The plan as it stood after `request` (for the words shown once it is made)."""
    return Plan(
        shred_now=request.notes_shredded,
        kept_notes=p.kept_notes,
        older_notes=p.older_notes,
        personal_now=request.personal_emptied,
        record_entries=p.record_entries,
        still_in_care=p.still_in_care,
        retain_until=p.retain_until,
        years=p.years,
        earlier=p.earlier,
    )


# Making the request -------------------------------------------------------------------------


def request_erasure(
    db: Session, by: AuditActor, subject_id: int, *, today: date, years: int
) -> ErasureRequest:
    """Record the person's request, shred their peer-space notes (the vault entries go right
    after the commit) and empty their "about me" and skills and resources. Only for oneself:
    the caller passes the signed-in person's id.

    Raises:
        ErasureError: the account is not one whose notes can be erased.
    """
    subject = db.get(User, subject_id)
    if subject is None or by.id != subject_id:
        raise ErasureError("You can ask for your own information to be erased only.")
    now = utcnow()
    shredded = 0
    for note in _notes_of(db, subject_id):
        if note.space_key_id is not None:
            forget_key(note, now)
            shredded += 1
    destroy_space_keys(db, subject_id, now)
    emptied = _empty_personal(db, subject_id, now)
    request = ErasureRequest(
        subject_id=subject_id,
        requested_at=now,
        notes_shredded=shredded,
        personal_emptied=emptied,
        retain_until=retain_until(db, subject_id, today, years),
    )
    db.add(request)
    db.flush()
    record_event(
        db,
        by,
        Action.ERASURE_REQUEST,
        subject_id,
        Target("erasure_request", request.id),
        Outcome.ALLOWED,
        Basis.SELF,
    )
    return request


def pending(db: Session) -> list[ErasureRequest]:
    """Requests whose end-of-retention part is still to come, oldest first."""
    return list(
        db.scalars(
            select(ErasureRequest)
            .where(ErasureRequest.completed_at.is_(None))
            .order_by(ErasureRequest.id)
        ).all()
    )


# The end of retention -----------------------------------------------------------------------


@dataclass(frozen=True)
class RunReport:
    #: Vault entries removed that an earlier erasure had recorded but not yet removed.
    vault_entries_finished: int
    #: People whose data key was destroyed by this run.
    erased: list[int]
    #: Pending requests not yet due, with their date.
    waiting: list[tuple[int, date]]


def run(db: Session, by: AuditActor, *, today: date, years: int) -> RunReport:
    """Carry out what is due, and only that. Safe to run again (it does nothing twice):

    1. finishes vault removals that a stopped process left undone;
    2. for each pending request whose person is out of care and past retention (last contact
       + `years` on or before `today`): destroys their data key, makes their remaining notes
       tombstones, marks the request complete, and writes one access-log entry.
    """
    finished = shred_in_vault(db, destroyed_refs_still_in_vault(db))
    erased: list[int] = []
    waiting: list[tuple[int, date]] = []
    done_for: set[int] = set()
    for request in pending(db):
        subject_id = request.subject_id
        due = retain_until(db, subject_id, today, years)
        request.retain_until = due
        if subject_id in done_for:
            request.completed_at = utcnow()
            continue
        if still_in_care(db, subject_id, today) or due > today:
            waiting.append((subject_id, due))
            continue
        now = utcnow()
        destroy_data_key(db, subject_id, now)
        destroy_space_keys(db, subject_id, now)
        for note in _notes_of(db, subject_id):
            forget_key(note, now)
        request.completed_at = now
        done_for.add(subject_id)
        erased.append(subject_id)
        record_event(
            db,
            by,
            Action.ERASURE_COMPLETE,
            subject_id,
            Target("erasure_request", request.id),
            Outcome.ALLOWED,
            Basis.CLI,
        )
    db.flush()
    return RunReport(finished, erased, waiting)


def live_space_keys(db: Session, subject_id: int) -> int:
    """How many peer-space keys of this person are not destroyed (for tests and the CLI)."""
    return (
        db.scalar(
            select(func.count())
            .select_from(SpaceKey)
            .where(SpaceKey.subject_id == subject_id, SpaceKey.destroyed_at.is_(None))
        )
        or 0
    )


# For the backup drill ------------------------------------------------------------------------


def open_note_in(url: str, master_key_file: Path, vault_dir: Path, note_id: int) -> list[str]:
    """The section bodies of a note's current revision, read straight from the database at
    `url` (a restored backup, say) with these keys: no permit, no log. For operators' drills
    and tests only: it shows whether the words can still be decrypted at all.

    Raises:
        KeyShredded: the note's peer-space key is gone from the vault (a `DecryptionFailed`).
        DecryptionFailed, MissingDataKey: other keys are missing or do not match.
    """
    database = Database(url, key_sources=key_sources(Keyring(master_key_file), KeyVault(vault_dir)))
    try:
        with database.session() as session:
            note = session.get_one(Note, note_id)
            sections, _ = open_revision_strictly(session, note, note.current_revision)
            return [s.body for s in sections]
    finally:
        database.engine.dispose()
