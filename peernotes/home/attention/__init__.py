""" "Needs attention": what waits for this person, computed per role, each item a link to the
place to act.

Items are facts about things that wait (a note to review, a concern not yet opened, emergency
access held): never governed content itself. An item leaves the list when the thing it
points at is done: the note reviewed, the handover written, the concern opened. "Opened" is
read from the access log, the one record of what a person has looked at, so no second
"seen" flag can drift from it.

`needs_attention` is read on every page (the count beside "Home"), so each role's sources are
a handful of indexed queries; `log_shown` writes what the home page's list reveals about other
people (risk concerns about people in a clinician's care, as their risk list does; wishes
waiting for a reply, as the person's list of wishes does).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from peernotes.access.objects import WISHES_CARE_TEAM
from peernotes.audit.events import Action, Outcome
from peernotes.audit.writer import record_event
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Role
from peernotes.home.attention import clinicians, people, service_staff, wellbeing, workers
from peernotes.home.attention.items import Item, Kind
from peernotes.risk.service import DUTY_OF_CARE

__all__ = ["Item", "Kind", "attention_count", "log_shown", "needs_attention"]


def needs_attention(db: Session, actor: Actor, now: datetime, today: date) -> list[Item]:
    """What waits for this person now, most pressing first within each role's order."""
    if actor.role in (Role.CONSUMER, Role.CARER):
        return people.items(db, actor, now)
    if actor.role in (Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER):
        return workers.items(db, actor, now, today)
    if actor.role is Role.CLINICIAN:
        return [*clinicians.items(db, actor, now, today), *wellbeing.items(db, actor)]
    if actor.role is Role.ADMIN:
        return [*service_staff.coordinator_items(db, now, today), *wellbeing.items(db, actor)]
    if actor.role is Role.AUDITOR:
        return service_staff.auditor_items(db, actor, now, today)
    return []


def attention_count(items: list[Item]) -> int:
    """The number beside "Home": every waiting thing, so two notes to review count two."""
    return sum(item.count for item in items)


#: The items that name another person, and how naming them is logged: as the list it is of
#: that person's things (their risk concerns, as the clinician's risk list logs it; their
#: wishes, on the care-team basis, the only one `wishes.awaiting_reply` lists them by).
_LOGGED_AS: dict[Kind, tuple[Action, str]] = {
    Kind.RISK_IN_CARE: (Action.RISK_LIST, DUTY_OF_CARE),
    Kind.COSIGN_ASKED: (Action.RISK_LIST, DUTY_OF_CARE),
    Kind.WISHES_TO_ANSWER: (Action.WISHES_LIST, WISHES_CARE_TEAM),
}


def log_shown(db: Session, actor: Actor, items: list[Item]) -> None:
    """The home page names people whose risk concerns, or wishes, wait for this clinician:
    each is logged once per person and kind of list (the count in the navigation names no
    one, and is not logged)."""
    shown = sorted(
        {
            (_LOGGED_AS[item.kind], item.subject_id)
            for item in items
            if item.kind in _LOGGED_AS and item.subject_id not in (None, actor.id)
        },
        key=lambda pair: (pair[0][0].value, pair[1] or 0),
    )
    for (action, basis), subject_id in shown:
        record_event(db, actor, action, subject_id, None, Outcome.ALLOWED, basis)
