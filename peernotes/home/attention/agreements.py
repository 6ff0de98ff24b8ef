"""Support agreements waiting for this person to confirm: the same item on a consumer's, a
carer's and a peer worker's home, naming the other party to the agreement."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy.orm import Session

from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.home.attention.items import Item, Kind
from peernotes.workforce.agreements import service as agreements


def to_confirm(db: Session, actor: Actor, today: date) -> list[Item]:
    waiting = [
        a
        for a in agreements.listed_for(db, actor, today)
        if a.waiting_for_me and actor.id in (a.subject_id, a.worker_id)
    ]
    as_worker = {a.id: a.worker_id == actor.id for a in waiting}
    names = display_names(db, {a.subject_id if as_worker[a.id] else a.worker_id for a in waiting})
    items: list[Item] = []
    for a in waiting:
        if as_worker[a.id]:
            other = names.get(a.subject_id, "the person")
        else:
            other = names.get(a.worker_id, "your peer worker")
        items.append(
            Item(
                Kind.AGREEMENT_TO_CONFIRM,
                f"Your support agreement with {other} (version {a.version}) "
                "is waiting for you to confirm it",
                url_for("agreements.show", agreement_id=a.id),
                # A worker's items are grouped by the person they concern.
                subject_id=a.subject_id if as_worker[a.id] else None,
            )
        )
    return items
