"""Demo data: a DBT skills group and a carers' group, with sessions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import utcnow
from peernotes.workforce.groups.models import (
    GroupKind,
)
from peernotes.workforce.groups.service import create_group, record_session


def seed_demo(db: Session, users: dict[str, User], request_id: str) -> None:
    """A DBT skills group (Tui and Dr Walsh; Alex and Maya, Jordan once) and a carer support
    group (Helen; Linh and Robert), each with past sessions recorded by the coordinator."""
    coordinator = By(users["admin"].id, Role.ADMIN, request_id)
    today = utcnow().date()
    dbt = create_group(
        db,
        coordinator,
        "DBT skills group",
        GroupKind.CONSUMER,
        "Tuesday afternoons at the service. Learning and practising DBT skills together.",
    )
    carers = create_group(
        db,
        coordinator,
        "Carer support group",
        GroupKind.CARER,
        "For family and friends who care for someone. Thursday evenings, tea provided.",
    )
    facilitators = [users["tui"].id, users["dr.walsh"].id]
    for days_ago, topic, came in (
        (14, "Distress tolerance: TIPP skills", ("alex", "maya", "jordan")),
        (7, "Emotion regulation: checking the facts", ("alex", "maya")),
    ):
        record_session(
            db,
            coordinator,
            dbt.id,
            today - timedelta(days=days_ago),
            topic,
            facilitators,
            [users[k].id for k in came],
            today=today,
        )
    record_session(
        db,
        coordinator,
        carers.id,
        today - timedelta(days=9),
        "Looking after yourself while you care",
        [users["helen"].id],
        [users["linh"].id, users["robert"].id],
        today=today,
    )
