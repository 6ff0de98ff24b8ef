"""What waits for a clinician: risk concerns about people in their care they have not opened,
co-signatures asked of them, emergency access they hold (with the time left), wishes sent
by people in their care that no clinician has answered yet, and supervision sessions due with
the peer workers they supervise."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from peernotes.access.relationships import subjects_in_care
from peernotes.audit.events import Action
from peernotes.auth.accounts import display_names
from peernotes.auth.actor import Actor
from peernotes.emergency.models import EmergencyAccess
from peernotes.home.attention.items import Item, Kind, last_opened, plural
from peernotes.risk.models import RiskConcern
from peernotes.supervision import sessions as supervision
from peernotes.timefmt import clock, when
from peernotes.wishes import service as wishes


def items(db: Session, actor: Actor, now: datetime, today: date) -> list[Item]:
    return [
        *_emergency_held(db, actor, now),
        *_concerns(db, actor, now),
        *_wishes_to_answer(db, actor),
        *_supervision_due(db, actor, today),
    ]


def _wishes_to_answer(db: Session, actor: Actor) -> list[Item]:
    """Statements sent to their care team, oldest first, until a clinician replies to the
    version sent (a newer version sent asks again)."""
    waiting = wishes.awaiting_reply(db, actor)
    names = display_names(db, {w.subject_id for w in waiting})
    return [
        Item(
            Kind.WISHES_TO_ANSWER,
            f"{names.get(w.subject_id, 'Someone in your care')} sent their wishes for "
            f"{w.transition.label} on {when(w.sent_at)}",
            url_for("wishes.show", wish_id=w.wish_id),
            detail="No one in their care team has replied yet: read them, and reply in writing.",
            subject_id=w.subject_id,
        )
        for w in waiting
    ]


def _concerns(db: Session, actor: Actor, now: datetime) -> list[Item]:
    """Concerns asked of them to co-sign (until co-signed), then concerns about people in
    their care that they have not opened."""
    rows = list(
        db.scalars(
            select(RiskConcern)
            .where(
                or_(
                    RiskConcern.subject_id.in_(subjects_in_care(actor.id, now)),
                    RiskConcern.cosigner_id == actor.id,
                )
            )
            .order_by(RiskConcern.created_at.desc(), RiskConcern.id.desc())
        )
    )
    cosign = [c for c in rows if c.cosigner_id == actor.id and c.cosigned_at is None]
    asked = {c.id for c in cosign}
    opened = last_opened(
        db, actor.id, Action.RISK_READ, "risk_concern", [c.id for c in rows if c.id not in asked]
    )
    unread = [c for c in rows if c.id not in asked and c.id not in opened]
    names = display_names(db, {c.subject_id for c in rows} | {c.raised_by_id for c in rows})
    found = [
        Item(
            Kind.COSIGN_ASKED,
            f"Co-sign the concern {names.get(c.raised_by_id, 'a peer worker')} raised about "
            f"{names.get(c.subject_id, 'someone')} on {when(c.created_at)}",
            url_for("risk.show", concern_id=c.id),
            detail="You are their supervisor: read it, and co-sign it once you have.",
            subject_id=c.subject_id,
            urgent=True,
        )
        for c in cosign
    ]
    found += [
        Item(
            Kind.RISK_IN_CARE,
            f"{names.get(c.raised_by_id, 'A peer worker')} raised a concern about "
            f"{names.get(c.subject_id, 'someone in your care')} on {when(c.created_at)}",
            url_for("risk.show", concern_id=c.id),
            detail="Someone in your care: you have not opened it yet.",
            subject_id=c.subject_id,
            urgent=True,
        )
        for c in unread
    ]
    return found


def _emergency_held(db: Session, actor: Actor, now: datetime) -> list[Item]:
    rows = list(
        db.scalars(
            select(EmergencyAccess)
            .where(
                EmergencyAccess.clinician_id == actor.id,
                EmergencyAccess.starts_at <= now,
                EmergencyAccess.ends_at > now,
            )
            .order_by(EmergencyAccess.ends_at)
        )
    )
    names = display_names(db, {a.subject_id for a in rows})
    found: list[Item] = []
    for access in rows:
        left = _time_left(access.ends_at - now)
        found.append(
            Item(
                Kind.EMERGENCY_HELD,
                f"You hold emergency access to {names.get(access.subject_id, 'a record')}'s "
                f"record: {left} left",
                url_for("records.list_entries", subject_id=access.subject_id),
                detail=f"Until {clock(access.ends_at)}. Every read is logged, and an auditor "
                "reviews this use; the person is told.",
                subject_id=access.subject_id,
                urgent=True,
            )
        )
    return found


def _time_left(span: timedelta) -> str:
    """ "3 hours 5 minutes", "1 hour", "40 minutes": never "0 minutes" while it is open."""
    minutes = max(1, int(span.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    parts = [plural(hours, "hour")] if hours else []
    if minutes or not hours:
        parts.append(plural(minutes, "minute"))
    return " ".join(parts)


def _supervision_due(db: Session, actor: Actor, today: date) -> list[Item]:
    """Peer workers they supervise with no session yet, or none for over six weeks."""
    pairs = supervision.current_workers(db, actor.id)
    last = supervision.last_sessions(db, [worker.id for worker, _ in pairs])
    found: list[Item] = []
    for worker, _ in pairs:
        nudge = supervision.nudge(last.get(worker.id), today)
        if not nudge:
            continue
        words = (
            f"No supervision session with {worker.display_name} yet"
            if nudge == "none"
            else f"Supervision with {worker.display_name} is due: the last session was over "
            f"{supervision.OVERDUE_DAYS // 7} weeks ago"
        )
        found.append(
            Item(
                Kind.SUPERVISION_DUE,
                words,
                url_for("supervision.worker", worker_id=worker.id),
            )
        )
    return found
