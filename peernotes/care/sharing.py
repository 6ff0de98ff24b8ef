"""The sharing map in words: "who can read what about me, and why", for the person it is about.

Every row and every cell comes from `access.map` (itself `decide()` and the objects' own
deciders); this module only chooses the columns that apply to the person and puts the bases
into words. Nothing here decides who may see anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.access.decision import RECORD_CATEGORIES, Category
from peernotes.access.map import (
    Cell,
    ObjectKind,
    access_map,
    basis_words,
    log_reader_roles,
    object_words,
)
from peernotes.auth.models import User
from peernotes.auth.roles import ROLE_LABELS, Role

#: The column of the subject's access log: who reads the entries about them.
ACCESS_LOG = "access_log"


@dataclass(frozen=True)
class Column:
    key: str
    label: str


def columns_for(role: Role) -> list[Column]:
    """The kinds of information a person of this role has, in the order they read them.

    A consumer has a medical record, peer notes, handovers, concerns and agreements; a carer
    has carer-support notes (peer notes written with them) and agreements, and no record. Both
    have their "about me" and their skills and resources.
    """
    care_team_parts = "the parts you marked “care team”"
    # What they write themselves ("about me", skills and resources), whoever they are.
    personal = [Column(c.value, c.label) for c in (Category.ABOUT_ME, Category.SKILLS)]
    if role is Role.CARER:
        return [
            Column(Category.PEER_NOTES.value, f"Carer-support notes: {care_team_parts}"),
            *personal,
            Column(ObjectKind.WHAT_THEY_WROTE.value, ObjectKind.WHAT_THEY_WROTE.label),
            Column(ObjectKind.SUPPORT_AGREEMENTS.value, ObjectKind.SUPPORT_AGREEMENTS.label),
            Column(ObjectKind.SKILLS_KEPT.value, ObjectKind.SKILLS_KEPT.label),
            Column(ACCESS_LOG, "the access log of your information"),
        ]
    return [
        *(Column(c.value, c.label) for c in RECORD_CATEGORIES),
        Column(Category.PEER_NOTES.value, f"Peer notes: {care_team_parts}"),
        *personal,
        *(Column(k.value, k.label) for k in ObjectKind),
        Column(ACCESS_LOG, "the access log of your information"),
    ]


@dataclass(frozen=True)
class SharingRow:
    """One person, or everyone of one role, with the basis of each kind they read."""

    name: str
    #: The person's role in words, or what the role row stands for.
    role_label: str
    #: column key → the basis in words (only what they may read appears).
    cells: dict[str, Cell]
    person: User | None = None

    @property
    def reasons(self) -> list[str]:
        """The reasons given for their access (an emergency access's), once for the row
        rather than in every cell."""
        return sorted({cell.reason for cell in self.cells.values() if cell.reason})


@dataclass(frozen=True)
class SharingMap:
    columns: list[Column]
    rows: list[SharingRow]


def sharing_map(db: Session, subject: User, at: datetime) -> SharingMap:
    """Everyone who can read anything about this person now, with the basis of each kind, in
    words: computed from `access.map` (itself `decide()`), never written by hand."""
    columns = columns_for(subject.role)
    keys = {c.key for c in columns}
    found = access_map(db, subject.id, at)
    words = basis_words(db, subject.id, at)
    people = {
        u.id: u for u in db.scalars(select(User).where(User.id.in_([r.person_id for r in found])))
    }
    rows = []
    for row in found:
        cells = {kind.value: words(d) for kind, d in row.reads.items()}
        cells.update({kind.value: object_words(d) for kind, d in row.objects.items()})
        person = people[row.person_id]
        shown = {key: cell for key, cell in cells.items() if key in keys}
        if shown:
            rows.append(SharingRow(person.display_name, ROLE_LABELS[person.role], shown, person))
    # Whoever reviews the access log reads its entries about everyone: a row per such role.
    log = Cell("they check the access log, never your notes or record", "audit")
    for role in log_reader_roles():
        rows.append(
            SharingRow(f"Every {ROLE_LABELS[role]}", "whoever holds that role", {ACCESS_LOG: log})
        )
    return SharingMap(columns, rows)


def readers_of(shared: SharingMap) -> dict[int, dict[str, Cell]]:
    """person id → what they read, for the sentences about named people (carers, the team)."""
    return {row.person.id: row.cells for row in shared.rows if row.person is not None}
