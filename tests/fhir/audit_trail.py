"""The access-log entries one request wrote, compared without what differs by channel: the
API's own `api:call` entry, and the request id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from peernotes.audit.models import AuditEntry
from peernotes.db import get_database

Written = list[tuple[Any, ...]]


def _head(app: Flask) -> int:
    with app.app_context(), get_database(app).session() as db:
        return int(db.scalar(select(func.max(AuditEntry.seq))) or 0)


def written_by(app: Flask, request: Callable[[], object]) -> Written:
    before = _head(app)
    request()
    with app.app_context(), get_database(app).session() as db:
        rows = db.scalars(
            select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
        ).all()
        return [
            (e.action, e.actor_id, e.subject_id, e.target_type, e.target_id, e.outcome, e.basis)
            for e in rows
            if e.action != "api:call"
        ]
