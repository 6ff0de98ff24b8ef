"""Notifications held back for now: a concern about a person while a clinician has delayed
telling them (`peernotes.risk`). Until the delay ends, such a notification is missing from the
person's list and count, its page answers "not found" and its email waits, exactly as the
concern itself does; when the delay ends or is lifted, it is there on the next request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from peernotes.notifications.kinds import Kind
from peernotes.notifications.models import Notification
from peernotes.risk.models import RiskConcern


def shown(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL: the notification is not held back at `now` (a time, or a parameter for one)."""
    delayed = exists().where(RiskConcern.id == Notification.about_id, RiskConcern.delay_until > now)
    return or_(Notification.kind != Kind.RISK_ABOUT_YOU, ~delayed)


def held_until(db: Session, notification_id: int, now: datetime) -> datetime | None:
    """When the notification may be shown, if it is held back at `now`; else None."""
    row = db.get(Notification, notification_id)
    if row is None or row.kind is not Kind.RISK_ABOUT_YOU:
        return None
    until = db.scalar(select(RiskConcern.delay_until).where(RiskConcern.id == row.about_id))
    return until if until is not None and until > now else None
