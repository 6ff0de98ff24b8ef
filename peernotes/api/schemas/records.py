"""Record entries, as an app sees them and writes them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from peernotes.api.schemas.common import Body, Bool, Out, PageQuery, Str, UtcTime
from peernotes.records.service import MAX_BODY, MAX_TITLE

#: The record's categories (a note's own category, `peer_notes`, is not one of them).
RecordCategory = Literal[
    "diagnosis",
    "medication",
    "clinical_note",
    "risk_assessment",
    "care_plan",
    "discharge_summary",
    "correspondence",
]


class RecordQuery(PageQuery):
    """`limit` entries a page (1 to 100), from `cursor` (the `next` of the page before)."""


class EntryBody(Body):
    """A new entry: its category, a title and the entry's text."""

    category: RecordCategory
    title: Annotated[Str, Field(min_length=1, max_length=MAX_TITLE)]
    body: Annotated[Str, Field(min_length=1, max_length=MAX_BODY)]


class AmendBody(Body):
    """An amendment: the new title and text, and why. With `entered_in_error` true the words
    stay as they were and the entry is marked as entered in error."""

    title: Annotated[Str, Field(max_length=MAX_TITLE)] = ""
    body: Annotated[Str, Field(max_length=MAX_BODY)] = ""
    reason: Annotated[Str, Field(min_length=1, max_length=500)]
    entered_in_error: Bool = False


class StatementCountsOut(Out):
    """What a list says of the person's words on an entry: how many, never what they say."""

    own_words: int
    corrections: int
    answered: int


class EntrySummaryOut(Out):
    id: int
    category: str
    category_label: str
    created_at: UtcTime
    author_id: int
    revision: int
    entered_in_error: bool
    statements: StatementCountsOut


class EntryPageOut(Out):
    items: list[EntrySummaryOut]
    #: Pass as `cursor` for the next (older) page; null on the last page.
    next: str | None = None


class RecordStatementOut(Out):
    """The person's own words, or their correction request with a clinician's answer."""

    id: int
    kind: str
    author_id: int
    created_at: UtcTime
    text: str
    answer: RecordStatementOut | None = None


class EntryOut(Out):
    id: int
    subject_id: int
    category: str
    category_label: str
    title: str
    body: str
    author_id: int
    created_at: UtcTime
    #: The revision shown (the newest): 1 for the original, more after amendments.
    revision: int
    revised_at: UtcTime
    revised_by_id: int
    #: "original", "amendment" or "entered_in_error".
    revision_kind: str
    #: Why the newest revision was made (empty for the original).
    reason: str
    entered_in_error: bool
    #: For a peer contribution filed from a note: who wrote it, who approved it, and when.
    provenance: str
    statements: list[RecordStatementOut]


class EntryWrittenOut(Out):
    """What was written: the entry's address parts, not its words (read it to see them)."""

    id: int
    subject_id: int
    category: str
    revision: int
    created_at: UtcTime
    entered_in_error: bool
