"""The life of a co-authored note, as one pure transition table.

    draft ──propose──▶ proposed ──approve──▶ shared
      │                 │  │  └─decline──▶ declined
      │                 │  └─request_changes──▶ changes_requested ──propose──▶ proposed
      └──────────── withdraw (author, from any open state) ──▶ withdrawn

A shared note that the author edits goes back to `proposed` (the approved revision stays what
others see until the subject approves the new one). "Reviewed together in person" is the
author's attestation in place of the subject's approval; the subject later confirms it, or
disputes it, which takes the note back to `proposed` for them to decide in the app. Declined
and withdrawn notes are kept, never deleted, and nothing moves them on.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    SHARED = "shared"
    CHANGES_REQUESTED = "changes_requested"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class NoteAction(StrEnum):
    SAVE = "save"
    PROPOSE = "propose"
    APPROVE = "approve"
    APPROVE_IN_PERSON = "approve_in_person"
    REQUEST_CHANGES = "request_changes"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    CONFIRM_IN_PERSON = "confirm_in_person"
    DISPUTE_IN_PERSON = "dispute_in_person"


class Party(StrEnum):
    """How the person acting relates to the note."""

    AUTHOR = "author"
    SUBJECT = "subject"
    OTHER = "other"


class InvalidTransition(ValueError):
    """That action is not possible for that person in the note's state. Safe to show."""

    def __init__(self, state: State, action: NoteAction, party: Party) -> None:
        super().__init__(_MESSAGES.get(action, "That can't be done to this note now."))
        self.state, self.action, self.party = state, action, party


_OPEN = (State.DRAFT, State.PROPOSED, State.CHANGES_REQUESTED, State.SHARED)

TRANSITIONS: dict[tuple[State, NoteAction, Party], State] = {
    # The author writes, and proposes it to the subject.
    (State.DRAFT, NoteAction.SAVE, Party.AUTHOR): State.DRAFT,
    (State.DRAFT, NoteAction.PROPOSE, Party.AUTHOR): State.PROPOSED,
    (State.CHANGES_REQUESTED, NoteAction.SAVE, Party.AUTHOR): State.CHANGES_REQUESTED,
    (State.CHANGES_REQUESTED, NoteAction.PROPOSE, Party.AUTHOR): State.PROPOSED,
    # An edit while the subject is reading keeps it with them, on the newest words.
    (State.PROPOSED, NoteAction.SAVE, Party.AUTHOR): State.PROPOSED,
    # An amendment to a shared note goes back to the subject.
    (State.SHARED, NoteAction.SAVE, Party.AUTHOR): State.PROPOSED,
    # The subject decides.
    (State.PROPOSED, NoteAction.APPROVE, Party.SUBJECT): State.SHARED,
    (State.PROPOSED, NoteAction.REQUEST_CHANGES, Party.SUBJECT): State.CHANGES_REQUESTED,
    (State.PROPOSED, NoteAction.DECLINE, Party.SUBJECT): State.DECLINED,
    # Reviewed together in person: the author attests; the subject confirms or disputes later.
    (State.PROPOSED, NoteAction.APPROVE_IN_PERSON, Party.AUTHOR): State.SHARED,
    (State.SHARED, NoteAction.CONFIRM_IN_PERSON, Party.SUBJECT): State.SHARED,
    (State.SHARED, NoteAction.DISPUTE_IN_PERSON, Party.SUBJECT): State.PROPOSED,
    # The author can withdraw a note that is still open.
    **{(state, NoteAction.WITHDRAW, Party.AUTHOR): State.WITHDRAWN for state in _OPEN},
}

_MESSAGES: dict[NoteAction, str] = {
    NoteAction.SAVE: "This note can no longer be edited.",
    NoteAction.PROPOSE: "Only the author can share a draft, and only before it is approved.",
    NoteAction.APPROVE: "Only the person the note is about can approve it, once it is proposed.",
    NoteAction.APPROVE_IN_PERSON: (
        "Only the author can record an in-person review of a proposed note."
    ),
    NoteAction.REQUEST_CHANGES: (
        "Only the person the note is about can ask for changes, once it is proposed."
    ),
    NoteAction.DECLINE: "Only the person the note is about can decline it, once it is proposed.",
    NoteAction.WITHDRAW: "Only the author can withdraw this note, and only while it is open.",
    NoteAction.CONFIRM_IN_PERSON: "There is no in-person review here for you to confirm.",
    NoteAction.DISPUTE_IN_PERSON: "There is no in-person review here for you to dispute.",
}


def transition(state: State, action: NoteAction, party: Party) -> State:
    """The state after `party` does `action` to a note in `state`.

    Raises:
        InvalidTransition: not allowed (shown to the person as a 409 with its message).
        ValueError: an unknown state, action or party.
    """
    for value, kind in ((state, State), (action, NoteAction), (party, Party)):
        if not isinstance(value, kind):
            raise ValueError(f"unknown {kind.__name__} {value!r}")
    try:
        return TRANSITIONS[(state, action, party)]
    except KeyError:
        raise InvalidTransition(state, action, party) from None
