"""Generated notes in every lifecycle state, sealed as the app seals them.

Each note gets its own content key, wrapped by the subject's peer-space key while no section
was ever given to the care team, else by the subject's data key (`notes.service.sealing`).
Revisions, comments and statements are sealed under it with the app's associated data, so the
app opens every generated note. The states and their events follow the lifecycle's
transitions (`notes.lifecycle`): the history of each note is one the app could have made.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from peernotes.audit.events import Action
from peernotes.audit.models import micros_since_epoch
from peernotes.auth.roles import Role
from peernotes.crypto.keys import new_data_key, seal
from peernotes.demo import gen_words as words
from peernotes.demo.bulk import Bulk
from peernotes.demo.gen_log import Pending, pending
from peernotes.demo.gen_people import World
from peernotes.notes.lifecycle import NoteAction, State
from peernotes.notes.models import (
    Audience,
    InPersonReview,
    Note,
    NoteEvent,
    NoteKind,
    NoteRevision,
    NoteSectionAudience,
    NoteStatement,
    StatementKind,
)
from peernotes.notes.service.parties import ACTION_FOR
from peernotes.notes.service.sealing import _aad, _canonical, note_key_aad
from peernotes.notes.service.sections import DEFAULT_SECTIONS, Section

#: How long the generated service has been running: notes are spread over it, ending a month
#: before the day it runs, so that even the newest note's later steps are in the past.
SPAN = timedelta(days=700)
START_BEFORE = SPAN + timedelta(days=30)

_NOTE_COLUMNS = (
    "id", "kind", "subject_id", "author_id", "state", "created_at", "updated_at",
    "current_revision", "approved_revision", "approved_sha256", "approved_at", "in_person",
    "wrapped_key", "space_key_id",
)  # fmt: skip


@dataclass
class NoteRows:
    """One chunk's rows, table by table, and its access-log entries."""

    notes: list[tuple[object, ...]] = field(default_factory=list)
    revisions: list[tuple[object, ...]] = field(default_factory=list)
    audiences: list[tuple[object, ...]] = field(default_factory=list)
    events: list[tuple[object, ...]] = field(default_factory=list)
    statements: list[tuple[object, ...]] = field(default_factory=list)
    log: list[Pending] = field(default_factory=list)

    def write(self, bulk: Bulk) -> None:
        bulk.insert(Note.__table__, _NOTE_COLUMNS, self.notes)  # type: ignore[arg-type]
        bulk.insert(
            NoteRevision.__table__,  # type: ignore[arg-type]
            ("note_id", "number", "author_id", "created_at", "ciphertext"),
            self.revisions,
        )
        bulk.insert(
            NoteSectionAudience.__table__,  # type: ignore[arg-type]
            ("note_id", "revision", "section", "audience", "set_by_id", "created_at"),
            self.audiences,
        )
        bulk.insert(
            NoteEvent.__table__,  # type: ignore[arg-type]
            ("note_id", "actor_id", "action", "revision", "created_at", "ciphertext"),
            self.events,
        )
        bulk.insert(
            NoteStatement.__table__,  # type: ignore[arg-type]
            ("id", "note_id", "author_id", "kind", "replies_to_id", "created_at", "ciphertext"),
            self.statements,
        )


class NoteMaker:
    """Makes notes one at a time, in id and time order, from one seeded random stream."""

    def __init__(
        self,
        world: World,
        rng: random.Random,
        total: int,
        first_id: int,
        first_statement_id: int,
        space_keys: dict[int, tuple[int, bytes]],
    ) -> None:
        self.world = world
        self.rng = rng
        self.total = max(1, total)
        self.next_id = first_id
        self.next_statement = first_statement_id
        self.space_keys = space_keys
        # Consumers first, then carers: note k is about subject k mod len, so notes spread
        # evenly over everyone (c00001 has its share like any other).
        self.subjects = world.consumers + world.carers
        self.start = world.now - START_BEFORE
        #: How many notes ended in each state (the summary's counts).
        self.states: dict[str, int] = {}

    def make(self, index: int, rows: NoteRows) -> None:
        rng, world = self.rng, self.world
        subject = self.subjects[index % len(self.subjects)]
        author = world.worker_of[subject]
        is_carer = world.role_of[subject] is Role.CARER
        kind = NoteKind.CARER_SUPPORT if is_carer else NoteKind.PEER
        note_id = self.next_id
        self.next_id += 1
        created = self.start + SPAN * index / self.total + timedelta(minutes=rng.randrange(600))
        story = _Story(self, rows, note_id, subject, author, created)
        story.play(rng.random())
        self.states[story.state.value] = self.states.get(story.state.value, 0) + 1
        story.finish(kind)


class _Story:
    """One note's history: its revisions, events, audiences, statements and log entries."""

    def __init__(
        self,
        maker: NoteMaker,
        rows: NoteRows,
        note_id: int,
        subject: int,
        author: int,
        created: datetime,
    ) -> None:
        self.maker, self.rows = maker, rows
        self.rng = maker.rng
        self.id, self.subject, self.author = note_id, subject, author
        world = maker.world
        self.author_role = world.role_of[author].value
        self.subject_role = world.role_of[subject].value
        self.first = world.first_name[subject]
        self.at = created
        self.created = created
        self.key = new_data_key()
        self.state = State.DRAFT
        self.revision = 0
        self.approved: int | None = None
        self.approved_sha: str | None = None
        self.approved_at: datetime | None = None
        self.in_person: InPersonReview | None = None
        self.care_team = False
        self.events = 0
        self.statements = 0
        self.plain: dict[int, bytes] = {}
        self.request = f"gen-note-{note_id}"

    # Steps -----------------------------------------------------------------------------------

    def _later(self, low_minutes: int, high_minutes: int) -> datetime:
        self.at = self.at + timedelta(minutes=self.rng.randrange(low_minutes, high_minutes))
        return self.at

    def _log(self, actor: int, role: str, action: Action, basis: str) -> None:
        self.rows.log.append(
            pending(micros_since_epoch(self.at), actor, role, action, self.subject,
                    ("note", self.id), basis, self.request)
        )  # fmt: skip

    def write(self) -> None:
        """A new revision by the author (the first is the note's creation)."""
        self.revision += 1
        bodies = words.note_bodies(self.rng, self.first)
        sections = [Section(h, b) for h, b in zip(DEFAULT_SECTIONS, bodies, strict=True)]
        plain = _canonical(sections)
        self.plain[self.revision] = plain
        aad = _aad("note_revisions", self.id, self.revision, self.subject)
        self.rows.revisions.append(
            (self.id, self.revision, self.author, self.at, seal(self.key, plain, aad))
        )
        if self.revision == 1:
            self._log(self.author, self.author_role, Action.NOTE_CREATE, "author")
        else:
            self.step(NoteAction.SAVE, State.PROPOSED if self.state is State.SHARED else None)

    def step(self, action: NoteAction, to: State | None, comment: str = "") -> None:
        by_author = action not in _SUBJECT_ACTIONS
        actor = self.author if by_author else self.subject
        role = self.author_role if by_author else self.subject_role
        self.events += 1
        sealed = None
        if comment:
            aad = _aad("note_events", self.id, self.events, self.subject)
            sealed = seal(self.key, comment.encode(), aad)
        self.rows.events.append((self.id, actor, action.value, self.revision, self.at, sealed))
        if to is not None:
            self.state = to
        self._log(actor, role, ACTION_FOR[action], "author" if by_author else "subject")

    def read(self, reader: int, role: str, basis: str) -> None:
        self._log(reader, role, Action.NOTE_READ, basis)

    def approve(self, in_person: bool) -> None:
        rng = self.rng
        chosen = []
        for section in range(len(DEFAULT_SECTIONS)):
            share = rng.random() < (0.8 if section == 3 else 0.4)
            audience = Audience.CARE_TEAM if share else Audience.JUST_US
            self.care_team = self.care_team or share
            chosen.append(audience)
        action = NoteAction.APPROVE_IN_PERSON if in_person else NoteAction.APPROVE
        self.step(action, State.SHARED)
        setter = self.author if in_person else self.subject
        for section, audience in enumerate(chosen):
            self.rows.audiences.append(
                (self.id, self.revision, section, audience.value, setter, self.at)
            )
        self.approved = self.revision
        self.approved_sha = hashlib.sha256(self.plain[self.revision]).hexdigest()
        self.approved_at = self.at
        self.in_person = InPersonReview.ATTESTED if in_person else None

    def statement(self, kind: StatementKind, text: str, replies_to: int | None = None) -> int:
        self.statements += 1
        sid = self.maker.next_statement
        self.maker.next_statement += 1
        by_subject = kind is not StatementKind.CORRECTION_REPLY
        actor = self.subject if by_subject else self.author
        aad = _aad("note_statements", self.id, self.statements, self.subject)
        self.rows.statements.append(
            (sid, self.id, actor, kind.value, replies_to, self.at,
             seal(self.key, text.encode(), aad))
        )  # fmt: skip
        if by_subject:
            self._log(actor, self.subject_role, Action.NOTE_STATEMENT, kind.value)
        else:
            self._log(actor, self.author_role, Action.NOTE_CORRECTION_REPLY, "author")
        return sid

    # The story --------------------------------------------------------------------------------

    def play(self, roll: float) -> None:
        """Choose the note's fate from `roll` and live through it."""
        rng = self.rng
        self.write()
        if roll >= 0.68 and roll < 0.80:  # a draft, sometimes saved again
            if rng.random() < 0.3:
                self._later(5, 120)
                self.write()
            return
        if roll >= 0.94 and rng.random() < 0.5:  # withdrawn before it was ever proposed
            self._later(5, 600)
            self.step(NoteAction.WITHDRAW, State.WITHDRAWN)
            return
        self._later(10, 600)
        self.step(NoteAction.PROPOSE, State.PROPOSED)
        if roll >= 0.56 and roll < 0.68:  # waiting for the subject
            if rng.random() < 0.5:
                self._later(60, 2000)
                self.read(self.subject, self.subject_role, "subject")
            return
        self._later(60, 4000)
        self.read(self.subject, self.subject_role, "subject")
        if roll >= 0.80 and roll < 0.88:
            self.step(NoteAction.REQUEST_CHANGES, State.CHANGES_REQUESTED,
                      rng.choice(words.COMMENTS))  # fmt: skip
            return
        if roll >= 0.88 and roll < 0.94:
            comment = rng.choice(words.COMMENTS) if rng.random() < 0.5 else ""
            self.step(NoteAction.DECLINE, State.DECLINED, comment)
            return
        if roll >= 0.94:
            self._later(60, 600)
            self.step(NoteAction.WITHDRAW, State.WITHDRAWN)
            return
        self._shared(roll)

    def _shared(self, roll: float) -> None:
        rng = self.rng
        if rng.random() < 0.15:  # reviewed together in person, then confirmed or disputed
            self.approve(in_person=True)
            answer = rng.random()
            if answer < 0.4:
                self._later(60, 3000)
                self.step(NoteAction.CONFIRM_IN_PERSON, None)
                self.in_person = InPersonReview.CONFIRMED
            elif answer < 0.55:
                self._later(60, 3000)
                self.step(NoteAction.DISPUTE_IN_PERSON, State.PROPOSED)
                self.in_person = InPersonReview.DISPUTED
                self.approved = None
                self.approved_sha = None
                return
        else:
            self.approve(in_person=False)
        if self.care_team and rng.random() < 0.3:
            clinician = self.maker.world.clinician_of.get(self.subject)
            if clinician is not None:
                self._later(60, 5000)
                self.read(clinician, Role.CLINICIAN.value, "care_assignment")
        if roll >= 0.50:  # the author amended it: back with the subject, the approval stands
            self._later(60, 3000)
            self.write()
            return
        chance = rng.random()
        if chance < 0.06:
            self._later(60, 3000)
            self.statement(StatementKind.OWN_WORDS, rng.choice(words.OWN_WORDS))
        elif chance < 0.09:
            self._later(60, 3000)
            asked = self.statement(StatementKind.CORRECTION, rng.choice(words.CORRECTIONS))
            if rng.random() < 0.5:
                self._later(60, 3000)
                self.statement(StatementKind.CORRECTION_REPLY, rng.choice(words.REPLIES), asked)

    def finish(self, kind: NoteKind) -> None:
        """The header, its content key wrapped where the note now lives."""
        aad = note_key_aad(self.id, self.subject)
        if self.care_team:
            wrapped = seal(self.maker.world.data_keys[self.subject], self.key, aad)
            space: int | None = None
        else:
            space, space_key = self.maker.space_keys[self.subject]
            wrapped = seal(space_key, self.key, aad)
        self.rows.notes.append(
            (self.id, kind.value, self.subject, self.author, self.state.value, self.created,
             self.at, self.revision, self.approved, self.approved_sha, self.approved_at,
             self.in_person.value if self.in_person else None, wrapped, space)
        )  # fmt: skip


_SUBJECT_ACTIONS = frozenset(
    {
        NoteAction.APPROVE,
        NoteAction.REQUEST_CHANGES,
        NoteAction.DECLINE,
        NoteAction.CONFIRM_IN_PERSON,
        NoteAction.DISPUTE_IN_PERSON,
    }
)
