"""Every (state, action, party) triple of the note lifecycle, against a table written from the
SPEC: what may happen, and that everything else raises InvalidTransition."""

from __future__ import annotations

import itertools

import pytest

from peernotes.notes.lifecycle import (
    InvalidTransition,
    NoteAction,
    Party,
    State,
    transition,
)

A, S = Party.AUTHOR, Party.SUBJECT
# Written from the SPEC, not from the code: (state, action, party) -> new state.
EXPECTED: dict[tuple[State, NoteAction, Party], State] = {
    (State.DRAFT, NoteAction.SAVE, A): State.DRAFT,
    (State.DRAFT, NoteAction.PROPOSE, A): State.PROPOSED,
    (State.DRAFT, NoteAction.WITHDRAW, A): State.WITHDRAWN,
    (State.PROPOSED, NoteAction.SAVE, A): State.PROPOSED,
    (State.PROPOSED, NoteAction.WITHDRAW, A): State.WITHDRAWN,
    (State.PROPOSED, NoteAction.APPROVE_IN_PERSON, A): State.SHARED,
    (State.PROPOSED, NoteAction.APPROVE, S): State.SHARED,
    (State.PROPOSED, NoteAction.REQUEST_CHANGES, S): State.CHANGES_REQUESTED,
    (State.PROPOSED, NoteAction.DECLINE, S): State.DECLINED,
    (State.CHANGES_REQUESTED, NoteAction.SAVE, A): State.CHANGES_REQUESTED,
    (State.CHANGES_REQUESTED, NoteAction.PROPOSE, A): State.PROPOSED,
    (State.CHANGES_REQUESTED, NoteAction.WITHDRAW, A): State.WITHDRAWN,
    (State.SHARED, NoteAction.SAVE, A): State.PROPOSED,  # an amendment goes back for approval
    (State.SHARED, NoteAction.WITHDRAW, A): State.WITHDRAWN,
    (State.SHARED, NoteAction.CONFIRM_IN_PERSON, S): State.SHARED,
    (State.SHARED, NoteAction.DISPUTE_IN_PERSON, S): State.PROPOSED,
}

TRIPLES = list(itertools.product(State, NoteAction, Party))


def test_the_walk_covers_every_triple() -> None:
    assert len(TRIPLES) == len(State) * len(NoteAction) * len(Party) == 162


@pytest.mark.parametrize(("state", "action", "party"), TRIPLES, ids=lambda v: v.value)
def test_every_triple(state: State, action: NoteAction, party: Party) -> None:
    expected = EXPECTED.get((state, action, party))
    if expected is None:
        with pytest.raises(InvalidTransition) as raised:
            transition(state, action, party)
        assert str(raised.value)  # a message fit to show
        assert (raised.value.state, raised.value.action, raised.value.party) == (state, action, party)
    else:
        assert transition(state, action, party) is expected


@pytest.mark.parametrize("terminal", [State.DECLINED, State.WITHDRAWN])
def test_declined_and_withdrawn_notes_never_move_again(terminal: State) -> None:
    for action, party in itertools.product(NoteAction, Party):
        with pytest.raises(InvalidTransition):
            transition(terminal, action, party)


def test_no_one_but_author_and_subject_moves_a_note() -> None:
    for state, action in itertools.product(State, NoteAction):
        with pytest.raises(InvalidTransition):
            transition(state, action, Party.OTHER)


@pytest.mark.parametrize("bad", [("shared", NoteAction.SAVE, A), (State.DRAFT, "save", A), (State.DRAFT, NoteAction.SAVE, "author")])
def test_unknown_values_raise(bad: tuple[object, object, object]) -> None:
    with pytest.raises(ValueError, match="unknown"):
        transition(*bad)  # type: ignore[arg-type]
