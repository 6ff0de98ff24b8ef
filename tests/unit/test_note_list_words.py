"""The words a notes list shows: a note's first words, and link texts that never read the same
while going to different places."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from peernotes.notes.labels import distinct, note_candidates
from peernotes.notes.service.excerpts import MAX_CHARS, WORDS, first_words


def test_first_words_cut_between_words_with_an_ellipsis() -> None:
    text = " ".join(f"word{i}" for i in range(40))
    shown = first_words(text)
    assert shown == " ".join(f"word{i}" for i in range(WORDS)) + "…"
    assert 12 <= len(shown.split()) <= 20


def test_first_words_are_one_plain_line() -> None:
    assert first_words("  Line one,\n\tline two.\r\n") == "Line one, line two."
    assert first_words("Short.") == "Short."  # nothing left out: no ellipsis
    assert first_words("   \n ") == ""


def test_a_trailing_comma_gives_way_to_the_ellipsis() -> None:
    words = ["w"] * (WORDS - 1) + ["last,", "more"]
    assert first_words(" ".join(words)).endswith("last…")


def test_few_spaces_are_bounded_by_characters() -> None:
    long_words = " ".join(["abcdefghij"] * 15)  # 15 words, 164 characters
    shown = first_words(long_words)
    assert len(shown) <= MAX_CHARS + 1 and shown.endswith("…")
    assert all(w == "abcdefghij" for w in shown.rstrip("…").split())
    one_word = "x" * 500
    assert first_words(one_word) == "x" * (MAX_CHARS - 1) + "…"


def test_distinct_keeps_the_plainest_text_each_can_have() -> None:
    chosen = distinct(
        {
            1: ["Same start", "Same start, 3 May", "Same start, 3 May (note 1)"],
            2: ["Same start", "Same start, 4 May", "Same start, 4 May (note 2)"],
            3: ["Other", "Other, 3 May", "Other, 3 May (note 3)"],
        }
    )
    assert chosen == {1: "Same start, 3 May", 2: "Same start, 4 May", 3: "Other"}


def test_distinct_falls_through_to_the_unique_last_text() -> None:
    chosen = distinct(
        {
            1: ["Same", "Same, 3 May", "Same, 3 May (note 1)"],
            2: ["Same", "Same, 3 May", "Same, 3 May (note 2)"],
            # A text that only clashes with another's more specific one.
            3: ["Same, 3 May", "Same, 3 May, again", "Same (note 3)"],
        }
    )
    assert len(set(chosen.values())) == 3
    assert chosen[1] == "Same, 3 May (note 1)" and chosen[2] == "Same, 3 May (note 2)"


def test_distinct_refuses_a_destination_without_text() -> None:
    with pytest.raises(ValueError, match="no link text"):
        distinct({1: []})


@dataclass(frozen=True)
class _Note:
    id: int
    subject_id: int
    author_id: int
    created_at: datetime | None


def test_note_texts_are_first_words_then_who_then_when() -> None:
    at = datetime(2026, 5, 3, 10, 14, tzinfo=UTC)
    names = {1: "Alex", 2: "Sam", 3: "Dr Chen"}
    notes = [_Note(10, 1, 2, at), _Note(11, 1, 2, at), _Note(12, 1, 2, at), _Note(10, 1, 2, at)]
    words = {10: "We talked about study", 11: "We talked about study"}

    def when(moment: datetime | None) -> str:
        return "3 May" if moment else ""

    as_subject = distinct(note_candidates(notes, words, 1, names, when))
    assert as_subject == {
        10: "We talked about study, written 3 May (note 10)",
        11: "We talked about study, written 3 May (note 11)",
        12: "Note by Sam",
    }
    assert distinct(note_candidates(notes[2:3], {}, 2, names, when)) == {12: "Note with Alex"}
    assert distinct(note_candidates(notes[2:3], {}, 3, names, when)) == {
        12: "Note about Alex by Sam"
    }
