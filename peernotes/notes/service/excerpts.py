"""The first words of a note, for the lists that show them: only ever from a section the
note's page would show the same person (`reading.readable`), and logged as the read it is."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Outcome
from peernotes.auth.actor import Acting
from peernotes.crypto.keys import DecryptionFailed
from peernotes.notes.models import Note
from peernotes.notes.service.parties import _log
from peernotes.notes.service.prefetch import prefetched
from peernotes.notes.service.reading import Refused, readable
from peernotes.workforce.wellbeing import service as wellbeing
from peernotes.workforce.wellbeing.topics import collapsed

#: About a line of text: enough to tell notes apart, too little to read a note from a list.
WORDS = 16
#: A bound on the characters too, for text with few spaces (a long link, say).
MAX_CHARS = 120
ELLIPSIS = "…"


def first_words(text: str, words: int = WORDS, max_chars: int = MAX_CHARS) -> str:
    """The opening of `text` as one line of plain text: at most `words` words and `max_chars`
    characters, cut between words (a single over-long word is cut where it must be), with an
    ellipsis when anything was left out. Empty when `text` has no words."""
    tokens = text.split()  # any run of whitespace, newlines included, becomes one space
    kept: list[str] = []
    length = 0
    for token in tokens[:words]:
        needed = len(token) + (1 if kept else 0)
        if length + needed > max_chars:
            if not kept:
                kept.append(token[: max_chars - len(ELLIPSIS)])
            break
        kept.append(token)
        length += needed
    shown = " ".join(kept)
    if len(kept) < len(tokens) or (kept and kept[-1] != tokens[len(kept) - 1]):
        return shown.rstrip(" ,;:-–—") + ELLIPSIS
    return shown


def words_for(db: Session, by: Acting, notes: Iterable[Note]) -> dict[int, str]:
    """For each note, the first words of the first section this person may read that has any,
    by note id; a note they may read nothing of (or only empty sections) is left out.

    Logging: showing the words is a read of the note's content, so each note whose words are
    shown writes one `note:excerpt` entry, with the permit's basis, about the note's subject,
    naming the note. One per note, not one per list, because the log must still answer "who
    saw anything of this note" (and the person's own history lists it); one per note and not
    one per section or per page view of each section, because that is all that reached the
    screen. A note left without words writes nothing: nothing of it was read, and the list
    never asked for it by id (the note's page logs its own refusals).
    """
    found: dict[int, str] = {}
    listed = list(notes)
    # A section tagged with a topic this reader asked to see folded is never excerpted: a list
    # has nowhere to fold it, so its words wait behind the note on the note's own page.
    folded = wellbeing.topics_of(db, by.id) if listed else frozenset()
    with prefetched(db, listed):  # what each note's reading needs, for all at once
        for note in listed:
            if note.id in found:
                continue
            try:
                seen = readable(db, by, note)
            except DecryptionFailed:
                # Its own page refuses to show it at all; a list shows the row, without words.
                continue
            if isinstance(seen, Refused):
                continue
            words = next(
                (
                    w
                    for w in (
                        first_words(s.body)
                        for s in seen.sections
                        if not collapsed(s.content_note, folded)
                    )
                    if w
                ),
                "",
            )
            if not words:
                continue
            found[note.id] = words
            _log(db, by, Action.NOTE_EXCERPT, note, note.subject_id, Outcome.ALLOWED, seen.basis)
    return found
