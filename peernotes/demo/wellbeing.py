"""The peer workforce's wellbeing in the demo: Tui raised a workplace concern with the
coordinator instead of her supervisor (and Priya answered it in writing); Sam asked to see
self-harm and suicide folded; and a letter in Alex's record, which Alex shares with Sam,
tagged with a content note, so Sam sees it collapsed and can open it; and likewise one section
of Sam's draft note with Alex."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import utcnow
from peernotes.notes import service as notes
from peernotes.notes.lifecycle import State
from peernotes.notes.models import Note
from peernotes.records.service import write_entry
from peernotes.workforce.wellbeing import service as wellbeing

TUI_CONCERN = (
    "In the ward round last week a registrar said in front of the team that peer workers are"
    " 'patients on the payroll'. Nobody said anything. I have felt shut out of team meetings"
    " since. I would rather not raise it with Dr Chen because she was in the room, and I"
    " would like help to talk to the team about it."
)
PRIYA_REPLY = (
    "Thank you for telling me, Tui. That comment was not acceptable and it should not have"
    " gone unanswered. I would like to meet this week to plan how we raise it with the team,"
    " at your pace. Nothing happens without your say-so."
)
LETTER = (
    "Letter from the emergency department: Alex attended on Saturday night after cutting his"
    " forearm. The wound was cleaned and closed; no further treatment needed. Alex asked for"
    " his peer worker Sam to know he has an appointment with Dr Chen on Tuesday."
)

CALL_NOTES = (
    "Notes from today's call. Alex talked about Saturday night, when he cut his arm and went to"
    " the emergency department, and how texting Sam first made it easier to ask for help."
)


def seed(db: Session, users: dict[str, User], request_id: str) -> None:
    tui = By(users["tui"].id, Role.CONSUMER_PEER_WORKER, request_id)
    concern = wellbeing.raise_concern(
        db, tui, f"{wellbeing.COORDINATOR}:{users['admin'].id}", "stigma", TUI_CONCERN
    )
    concern.created_at = concern.updated_at = utcnow() - timedelta(days=2)
    priya = By(users["admin"].id, Role.ADMIN, request_id)
    wellbeing.answer(db, priya, concern.id, wellbeing.ACKNOWLEDGE, PRIYA_REPLY)

    sam = By(users["sam"].id, Role.CONSUMER_PEER_WORKER, request_id)
    wellbeing.set_topics(db, sam, ["self_harm", "suicide"])
    # Alex shares his letters with Sam (the loader's `_demo_share`): this one is tagged.
    dr_chen = By(users["dr.chen"].id, Role.CLINICIAN, request_id)
    write_entry(
        db,
        dr_chen,
        users["alex"],
        "correspondence",
        "Letter from the emergency department",
        LETTER,
        content_note="self_harm",
    )
    # Sam's draft with Alex (the loader's): its next version tags the section about Saturday
    # night, which Sam's own page then shows folded. Still a draft: only Sam can see it.
    draft = db.scalars(
        select(Note)
        .where(
            Note.author_id == users["sam"].id,
            Note.subject_id == users["alex"].id,
            Note.state == State.DRAFT,
        )
        .order_by(Note.id)
    ).first()
    if draft is not None:
        first, *rest = notes.DEFAULT_SECTIONS
        tagged = [notes.Section(first, CALL_NOTES, "self_harm")]
        notes.save(
            db,
            sam,
            draft.id,
            tagged + [notes.Section(h, "") for h in rest],
            draft.current_revision,
        )
