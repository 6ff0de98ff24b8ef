"""Co-authored notes, as an app sees them and moves them through their life."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from peernotes.api.schemas.common import Body, Int, Out, Query, Str, UtcTime
from peernotes.notes.service import MAX_COMMENT, MAX_HEADING, MAX_SECTION, MAX_SECTIONS
from peernotes.parsing import ID_MAX
from peernotes.workforce.wellbeing.topics import CONTENT_NOTES

#: A row id or revision number, in the range the database's columns hold (as the pages'
#: addresses are bounded): a larger one is a 400, never an overflow in the driver.
RowNumber = Annotated[Int, Field(ge=1, le=ID_MAX)]

#: Who sees a section once the person approves: the two of them, or also the care team.
AudienceName = Literal["just_us", "care_team"]


class NotesQuery(Query):
    """The notes list goes on, older, from `cursor` (the `next` of the page before)."""

    cursor: Annotated[str | None, Field(max_length=200)] = None


#: A section's content note, from the service's list (`workforce.wellbeing.topics`): how the
#: section is shown to a peer worker who asked to see such content folded, never who may read
#: it. Sent back on each revision as it should stay: a revision without it has none.
ContentNoteName = Annotated[
    str,
    Field(
        pattern="^(" + "|".join(CONTENT_NOTES) + ")$",
        description="One of: " + ", ".join(CONTENT_NOTES) + ".",
    ),
]


class SectionIn(Body):
    heading: Annotated[Str, Field(min_length=1, max_length=MAX_HEADING)]
    body: Annotated[Str, Field(max_length=MAX_SECTION)]
    content_note: ContentNoteName | None = None


Sections = Annotated[list[SectionIn], Field(min_length=1, max_length=MAX_SECTIONS)]


class NoteCreateBody(Body):
    """A new draft note with a person the caller supports (theirs alone until proposed)."""

    #: The person the note is with (a consumer for a consumer peer worker, a carer for a
    #: carer peer worker).
    subject_id: RowNumber
    sections: Sections


class RevisionBody(Body):
    """The note's words as a new revision. `based_on` is the revision the caller last read:
    if someone saved since, nothing is stored and the answer is 409 `conflict`."""

    based_on: RowNumber
    sections: Sections


class NoBody(Body):
    """No fields: send `{}` or nothing."""


class ReviewBody(Body):
    """The person the note is about answers a proposed note, or adds to a shared one:
    `request_changes` (text says what), `decline` (text optional), `own_words` or
    `correction` (their words, kept beside the note wherever it is shown)."""

    kind: Literal["request_changes", "decline", "own_words", "correction"]
    text: Annotated[Str, Field(max_length=MAX_COMMENT)] = ""


class ApproveBody(Body):
    """The person approves the revision they read, choosing who sees each section, in the
    note's order."""

    revision: RowNumber
    audiences: Annotated[list[AudienceName], Field(min_length=1, max_length=MAX_SECTIONS)]


class SectionOut(Out):
    heading: str
    body: str
    #: The content note its author tagged it with, if any (`SectionIn.content_note`).
    content_note: str | None = None
    #: Set once the person approved this revision: who sees the section.
    audience: AudienceName | None = None


class NoteStatementOut(Out):
    id: int
    replies_to_id: int | None
    kind: str
    author_id: int
    created_at: UtcTime
    text: str


class NoteEventOut(Out):
    action: str
    actor_id: int
    created_at: UtcTime
    revision: int
    comment: str


class NoteOut(Out):
    id: int
    kind: str
    subject_id: int
    author_id: int
    state: str
    #: How the caller relates to the note: "author", "subject" or "other".
    party: str
    #: The revision shown: the newest for author and subject, the approved one for others.
    revision: int
    #: Only the sections the caller may read.
    sections: list[SectionOut]
    approved_revision: int | None
    approved_at: UtcTime | None
    #: "attested", "confirmed" or "disputed" when it was reviewed together in person.
    in_person: str | None
    statements: list[NoteStatementOut]
    #: The note's history (author and subject only).
    events: list[NoteEventOut]
    #: For others: some sections are not shared with them (never how many).
    withheld: bool


class NoteSummaryOut(Out):
    id: int
    kind: str
    subject_id: int
    author_id: int
    state: str
    updated_at: UtcTime
    created_at: UtcTime | None
    approved_at: UtcTime | None
    in_person: str | None
    #: The note's first words, when the caller may read any of it.
    first_words: str | None = None


class NotesPageOut(Out):
    """The caller's notes, as their notes page shows them."""

    #: Notes they wrote or that are about them, newest change first.
    items: list[NoteSummaryOut]
    #: Pass as `cursor` for the next (older) page of `items`; null on the last page.
    next: str | None = None
    #: On the first page only: notes waiting for them (to review, or changes asked for).
    waiting: list[NoteSummaryOut]
    #: On the first page only: how many wait in all.
    waiting_total: int
    #: On the first page only: their notes the person approved lately.
    approved: list[NoteSummaryOut]
    #: On the first page only: notes about other people that those people shared with them.
    shared: list[NoteSummaryOut]


class NoteWrittenOut(Out):
    """Where the note stands after the step (read it for its words)."""

    id: int
    kind: str
    subject_id: int
    author_id: int
    state: str
    revision: int
    approved_revision: int | None
