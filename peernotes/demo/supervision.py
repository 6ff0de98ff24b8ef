"""Demo data: supervision sessions Dr Chen logged with the demo peer workers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import utcnow
from peernotes.supervision.sessions import log_session
from peernotes.training import service as training
from peernotes.training.models import TrainingModule


def seed_demo(db: Session, users: dict[str, User], request_id: str) -> None:
    """Dr Chen's sessions with Sam (three weeks ago) and Tui (seven weeks ago, so her
    dashboard nudges), and a short duty-of-care refresher for Tui that expires in 20 days.

    Needs the demo's supervisors set first (`_demo_risk`).
    """
    today = utcnow().date()
    chen = By(users["dr.chen"].id, Role.CLINICIAN, request_id)
    log_session(
        db,
        chen,
        users["sam"].id,
        today - timedelta(days=21),
        topics="How the first month with Alex has gone; holding hope when he sounds flat;"
        " writing notes together instead of after the call.",
        wellbeing="Sam said he is sleeping well and feels supported, but the late calls stay"
        " with him. He takes Wednesday mornings off calls.",
        actions="Sam will keep calls to agreed hours and use the team's after-hours line."
        " We meet again in four weeks.",
        today=today,
    )
    log_session(
        db,
        chen,
        users["tui"].id,
        today - timedelta(days=49),
        topics="Telling her own story in the skills group: what to share and what to keep.",
        wellbeing="Tui said this month has been heavy. We talked about her own supports.",
        actions="Tui will book leave in the school holidays. Dr Chen will ask about a"
        " co-facilitator for the group.",
        today=today,
    )
    coordinator = By(users["admin"].id, Role.ADMIN, request_id)
    training.record(
        db,
        coordinator,
        users["tui"].id,
        TrainingModule.DUTY_OF_CARE.value,
        today - timedelta(days=40),
        today + timedelta(days=20),
        today=today,
    )
