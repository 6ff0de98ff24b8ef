"""A note's sections, the limits on them, and the refusals every step may raise."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from peernotes.auth.roles import Role
from peernotes.errors import Refused
from peernotes.notes.lifecycle import InvalidTransition
from peernotes.notes.models import (
    NoteKind,
)
from peernotes.workforce.wellbeing.topics import UnknownTopic, parse_note


class NoteBasis(StrEnum):
    """Reasons of refused note steps, in the access log."""

    INVALID_TRANSITION = "invalid_transition"
    NOT_AUTHOR = "not_author"
    NOT_SUBJECT = "not_subject"


#: The service's template: the sections a new note starts with.
DEFAULT_SECTIONS = ("What we talked about", "What is helping", "Next steps", "For the care team")
#: Limits, documented in the README: a section's text, its heading, how many sections.
MAX_SECTION = 10_000
MAX_HEADING = 120
MAX_SECTIONS = 12
MAX_COMMENT = 2_000

#: Who writes notes: peer workers, with the people they support (`roles.may_support`).
WRITERS: frozenset[Role] = frozenset({Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER})
#: The kind of note the subject's role gives: with a carer it is a carer-support note, whoever
#: of the peer workers writes it (a consumer peer worker may support carers too).
NOTE_KIND_FOR: dict[Role, NoteKind] = {
    Role.CONSUMER: NoteKind.PEER,
    Role.CARER: NoteKind.CARER_SUPPORT,
}

__all__ = ["InvalidTransition"]


class NotesError(Refused):
    """Bad input or no right to do this; the message is safe to show."""


class NoteNotFound(LookupError):
    """No such note, or none this person may see: the two are indistinguishable."""


@dataclass(frozen=True)
class Section:
    heading: str
    body: str
    #: The author's content note for this section (`workforce.wellbeing.topics`), or None. It
    #: is sealed with the words of its revision: a later revision carries its own.
    content_note: str | None = None


class Conflict(Exception):
    """Someone saved a newer revision since this one was opened. Nothing is lost: the page
    shows both versions, and the writer's text stays in the form."""

    def __init__(self, theirs: list[Section], current: int) -> None:
        super().__init__("This note changed while you were editing it.")
        self.theirs, self.current = theirs, current


def validate_sections(
    headings: list[str], bodies: list[str], content_notes: list[str] | None = None
) -> list[Section]:
    """Raises NotesError on an empty note, too many sections, a section over the limit, or a
    content note outside the list. `content_notes`, one per section ("" for none), may be left
    out: then no section is tagged."""
    notes = content_notes if content_notes is not None else [""] * len(bodies)
    if (
        len(headings) != len(bodies)
        or len(notes) != len(bodies)
        or not headings
        or len(headings) > MAX_SECTIONS
    ):
        raise NotesError(f"A note has between 1 and {MAX_SECTIONS} sections.")
    sections = []
    for heading, body, raw_note in zip(headings, bodies, notes, strict=True):
        heading, body = heading.strip(), body.strip().replace("\r\n", "\n")
        if not heading or len(heading) > MAX_HEADING:
            raise NotesError(f"Each section needs a heading of up to {MAX_HEADING} characters.")
        if len(body) > MAX_SECTION:
            raise NotesError(
                f"“{heading}” is longer than {MAX_SECTION:,} characters; split it or shorten it."
            )
        try:
            note = parse_note(raw_note)
        except UnknownTopic as exc:
            raise NotesError("Choose a content note from the list, or none.") from exc
        sections.append(Section(heading, body, note))
    if not any(s.body for s in sections):
        raise NotesError("The note is empty: write something in at least one section.")
    return sections


def _checked(sections: list[Section]) -> list[Section]:
    return validate_sections(
        [s.heading for s in sections],
        [s.body for s in sections],
        [s.content_note or "" for s in sections],
    )


def _comment(text: str, *, required: bool) -> str:
    text = text.strip()
    if required and not text:
        raise NotesError("Say what you would like changed.")
    if len(text) > MAX_COMMENT:
        raise NotesError(f"Keep it to {MAX_COMMENT:,} characters.")
    return text
