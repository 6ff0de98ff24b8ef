"""Content notes: the small fixed vocabulary an author tags a record entry with, and that a
peer worker marks as topics they would rather not read in detail. Pure: no Flask, no
SQLAlchemy.

Reading about these things can take a peer worker back to their own experience ("becoming
unwell ... triggered by reading notes", in the study). A content note never changes who may
read something: it changes only how it is shown to the person who asked (collapsed behind
the note, one click to open).
"""

from __future__ import annotations

from collections.abc import Iterable

#: code -> the words shown ("Content note: self-harm").
CONTENT_NOTES: dict[str, str] = {
    "self_harm": "self-harm",
    "suicide": "suicide",
    "abuse": "abuse",
    "family_violence": "family violence",
    "substance_use": "substance use",
    "eating": "eating and food",
    "trauma": "trauma",
}


class UnknownTopic(ValueError):
    """A code outside the vocabulary."""


def parse_note(raw: str | None) -> str | None:
    """A content note from a form: empty means none; an unknown code is refused."""
    code = (raw or "").strip()
    if not code:
        return None
    if code not in CONTENT_NOTES:
        raise UnknownTopic(code)
    return code


def parse_topics(raw: Iterable[str]) -> frozenset[str]:
    """A set of topics from a form (duplicates fold); an unknown code is refused."""
    found = frozenset(code.strip() for code in raw if code.strip())
    unknown = found - CONTENT_NOTES.keys()
    if unknown:
        raise UnknownTopic(sorted(unknown)[0])
    return found


def label(code: str | None) -> str:
    return CONTENT_NOTES.get(code or "", "")


def collapsed(content_note: str | None, reader_topics: frozenset[str]) -> bool:
    """Is this content shown collapsed behind its note for this reader? Only when the author
    tagged it with a topic the reader asked to have collapsed."""
    return content_note is not None and content_note in reader_topics
