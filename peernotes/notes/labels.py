"""Link texts a reader can tell apart: on one page, no two links read the same while going to
different places (a screen reader's list of links reads them out of context).

Each destination offers its texts from the plainest to the most specific; a text shared with
another destination gives way to the next one, and the last one names the destination itself,
so it is unique. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

K = TypeVar("K", bound=Hashable)


def distinct(candidates: Mapping[K, Sequence[str]]) -> dict[K, str]:
    """For each destination, the first of its texts that no other destination's chosen text
    equals. Raises ValueError for a destination with no text at all."""
    for key, texts in candidates.items():
        if not texts:
            raise ValueError(f"no link text for {key!r}")
    level = dict.fromkeys(candidates, 0)
    while True:
        chosen = {k: texts[level[k]] for k, texts in candidates.items()}
        sharing: dict[str, list[K]] = defaultdict(list)
        for key, text in chosen.items():
            sharing[text].append(key)
        moved = False
        for keys in sharing.values():
            if len(keys) < 2:
                continue
            for key in keys:
                if level[key] < len(candidates[key]) - 1:
                    level[key] += 1
                    moved = True
        if not moved:
            return chosen


class ListedNote(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def subject_id(self) -> int: ...
    @property
    def author_id(self) -> int: ...
    @property
    def created_at(self) -> datetime | None: ...


def note_candidates(
    notes: Iterable[ListedNote],
    words: Mapping[int, str],
    viewer_id: int,
    names: Mapping[int, str],
    when: Callable[[datetime | None], str],
) -> dict[int, list[str]]:
    """Each note's link texts for `distinct`, by note id: its first words (what the reader
    recognises it by), or, for a note they see no words of, who it is by or with; then with
    when it was written; then with its number."""
    candidates: dict[int, list[str]] = {}
    for note in notes:
        if note.id in candidates:
            continue
        title = words.get(note.id) or _who(note, viewer_id, names)
        written = f"{title}, written {when(note.created_at)}"
        candidates[note.id] = [title, written, f"{written} (note {note.id})"]
    return candidates


def _who(note: ListedNote, viewer_id: int, names: Mapping[int, str]) -> str:
    author = names.get(note.author_id, "someone")
    if note.subject_id == viewer_id:
        return f"Note by {author}"
    if note.author_id == viewer_id:
        return f"Note with {names.get(note.subject_id, 'someone')}"
    return f"Note about {names.get(note.subject_id, 'someone')} by {author}"
