"""Demo data: Maya's wishes for a discharge, written with Tui (her peer worker) and sent to her
care team, with Dr Walsh's written reply; and Tui's contact with Maya on the inpatient ward."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import utcnow
from peernotes.wishes import service as wishes
from peernotes.workforce.contacts import service as contacts


def seed(db: Session, users: dict[str, User], request_id: str) -> None:
    maya = By(users["maya"].id, Role.CONSUMER, request_id)
    tui = By(users["tui"].id, Role.CONSUMER_PEER_WORKER, request_id)
    walsh = By(users["dr.walsh"].id, Role.CLINICIAN, request_id)
    wish = wishes.start(
        db,
        maya,
        "discharge",
        users["tui"].id,
        wishes.check_texts(
            "I want to go home when I can sleep through the night and my DBT skills are"
            " working again, not before. Please talk it through with me, not about me.",
            "My dad, Robert, on the day I leave. Tui, my peer worker, to visit the ward first.",
            "I do not want to be discharged on a Friday afternoon with nobody to call over the"
            " weekend.",
        ),
    )
    # Tui added what they talked over on the ward; Maya read it and sent it herself.
    wishes.save(
        db,
        tui,
        wish.id,
        wishes.check_texts(
            "I want to go home when I can sleep through the night and my DBT skills are"
            " working again, not before. Please talk it through with me, not about me."
            " A plan for the first week at home, written down, helps me most.",
            "My dad, Robert, on the day I leave. Tui, my peer worker, to visit the ward first.",
            "I do not want to be discharged on a Friday afternoon with nobody to call over the"
            " weekend.",
        ),
    )
    wishes.send(db, maya, wish.id)
    wishes.read(db, walsh, wish.id)
    wishes.reply(
        db,
        walsh,
        wish.id,
        "Thank you, Maya. We will plan your discharge for early in the week, with a written"
        " plan for your first week at home, and we will ring Robert on the day. Tui is welcome"
        " on the ward before then.",
    )
    today = utcnow().date()
    contacts.record(
        db,
        tui,
        users["maya"].id,
        occurred_on=today - timedelta(days=2),
        at_time="14:00",
        minutes=45,
        channel="in_person",
        place="ward",
        group=False,
        today=today,
    )
