"""Demo data: support agreements between the demo peer workers and the people they support."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import utcnow
from peernotes.workforce.agreements.service import confirm, propose
from peernotes.workforce.agreements.terms import validate_terms


def seed_demo(db: Session, users: dict[str, User], request_id: str) -> None:
    """Sam and Alex agreed their boundaries a month ago (weekdays 09:00–17:00, at the service
    or the park nearby, by phone, text or in person, no community contact); Tui has proposed
    one to Maya, who has not confirmed it yet; Sam has recorded a few contacts, one of them a
    Saturday text, gently flagged."""
    from peernotes.workforce.contacts import service as contacts

    sam = By(users["sam"].id, Role.CONSUMER_PEER_WORKER, request_id)
    alex = By(users["alex"].id, Role.CONSUMER, request_id)
    tui = By(users["tui"].id, Role.CONSUMER_PEER_WORKER, request_id)
    now = utcnow()
    agreed = now - timedelta(days=30)
    terms = validate_terms(
        methods=["phone", "text", "in_person"],
        days=[0, 1, 2, 3, 4],
        starts_at="09:00",
        ends_at="17:00",
        places="At the service or the park nearby.",
        community_contact=False,
        review_on=now.date() + timedelta(days=60),
        today=agreed.date(),
        contact_every_days=7,
    )
    first = propose(db, sam, users["alex"].id, terms, now=agreed)
    confirm(db, alex, first.id, now=agreed + timedelta(hours=2))
    propose(
        db,
        tui,
        users["maya"].id,
        validate_terms(
            methods=["phone", "video", "in_person"],
            days=[1, 3],
            starts_at="10:00",
            ends_at="15:00",
            places="At the service, or a video call when Maya would rather stay home.",
            community_contact=True,
            review_on=now.date() + timedelta(days=90),
            today=now.date(),
            # Tui sits with Maya on the ward around an admission or a discharge.
            ward_visits=True,
        ),
    )
    today = now.date()
    last_saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    weekdays = [d for d in (today - timedelta(days=n) for n in range(1, 15)) if d.weekday() < 5]
    for day, at, minutes, channel, place in (
        (weekdays[-1], "10:30", 60, "in_person", "service"),
        (weekdays[3], "14:00", 20, "phone", ""),
        (last_saturday, "11:15", 10, "text", ""),
        (weekdays[0], "09:30", 45, "in_person", "service"),
    ):
        contacts.record(
            db,
            sam,
            users["alex"].id,
            occurred_on=day,
            at_time=at,
            minutes=minutes,
            channel=channel,
            place=place,
            group=False,
            today=today,
        )
    contacts.record(
        db,
        sam,
        users["jordan"].id,
        occurred_on=weekdays[1],
        at_time="13:00",
        minutes=30,
        channel="phone",
        place="",
        group=False,
        today=today,
    )
