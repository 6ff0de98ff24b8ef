"""Workplace concerns waiting for the one reader a peer worker chose (a supervising clinician
or a coordinator): how many, never who raised them or what they say. Nobody else's count
moves when a concern is raised."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import Session

from peernotes.auth.actor import Actor
from peernotes.home.attention.items import Item, Kind, plural
from peernotes.workforce.wellbeing import service as wellbeing


def items(db: Session, actor: Actor) -> list[Item]:
    waiting = wellbeing.waiting_for(db, actor.id)
    if not waiting:
        return []
    return [
        Item(
            Kind.WORKPLACE_CONCERN_WAITING,
            f"{plural(waiting, 'workplace concern')} raised with you, waiting for your reply",
            url_for("wellbeing.inbox"),
            waiting,
            "A peer worker chose you to read it: only the two of you can.",
        )
    ]
