"""A person's timeline, as an app sees it: the notes and record entries about them that the
caller may see, newest first."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from peernotes.api.schemas.common import Out, PageQuery, UtcTime


class TimelineQuery(PageQuery):
    """`limit` items a page (1 to 100), from `cursor` (the `next` of the page before)."""


class TimelineItemOut(Out):
    #: "record" for a record entry (`GET /people/{subject_id}/record/{id}`), "note" for a note
    #: (`GET /notes/{id}`).
    kind: Literal["record", "note"]
    id: int
    at: UtcTime
    author_id: int
    #: A record entry's kind ("medication", ...), or a note's state ("shared", ...).
    label: str
    #: A note's first words, when the caller may read any of it; null otherwise.
    first_words: str | None = None


class TimelinePageOut(Out):
    items: list[TimelineItemOut]
    #: Pass as `cursor` for the next (older) page; null on the last page.
    next: str | None = Field(default=None)
