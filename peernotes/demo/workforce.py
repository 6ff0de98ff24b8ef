"""The workforce part of the demo: profiles, wishes, a change of worker waiting for the
coordinator (with a handover), agreements and contacts, supervision, and groups."""

from __future__ import annotations

from sqlalchemy.orm import Session

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.demo import agreements as demo_agreements
from peernotes.demo import groups as demo_groups
from peernotes.demo import supervision as demo_supervision
from peernotes.workforce.choosing import handover
from peernotes.workforce.choosing import service as choosing
from peernotes.workforce.profiles import service as profiles

PROFILES: dict[str, profiles.ProfileInput] = {
    "sam": profiles.ProfileInput(
        gender="man",
        age_band="26-35",
        languages="English, Spanish",
        culture="Chilean Australian",
        lived_experience=("bpd", "recovery_story"),
        formats=("individual", "in_person", "phone"),
        availability="Monday to Thursday, 9 to 5",
        about="I lived with BPD through my twenties. I like walking while we talk.",
        shown=(
            "gender",
            "age_band",
            "languages",
            "lived_experience",
            "formats",
            "availability",
            "about",
        ),
        capacity=6,
    ),
    "tui": profiles.ProfileInput(
        gender="woman",
        age_band="36-50",
        languages="English, Te reo Māori, Vietnamese",
        culture="Māori and Vietnamese",
        lived_experience=("bpd", "self_harm", "parent"),
        formats=("individual", "group", "in_person"),
        availability="Weekdays; the DBT skills group on Wednesdays",
        about="I run the DBT skills group and I'm a mum of two.",
        # Tui keeps her age band private: it is neither shown nor matched on.
        shown=("gender", "languages", "culture", "lived_experience", "formats", "availability"),
        capacity=6,
    ),
    "helen": profiles.ProfileInput(
        gender="woman",
        age_band="51-65",
        languages="English, Greek",
        culture="Greek Australian",
        lived_experience=("carer_bpd",),
        formats=("individual", "group", "phone"),
        availability="Tuesday to Friday",
        about="My daughter lives with BPD. I facilitate the carer support group.",
        shown=("gender", "languages", "culture", "lived_experience", "formats", "availability"),
        capacity=8,
    ),
}

#: (person, [(attribute, value, importance)], frequency)
WISHES: tuple[tuple[str, list[tuple[str, str, str]], str], ...] = (
    (
        "alex",
        [
            ("lived_experience", "bpd", "must"),
            ("language", "Vietnamese", "nice"),
            ("format", "group", "nice"),
        ],
        "weekly",
    ),
    ("jordan", [("gender", "woman", "nice"), ("format", "in_person", "must")], "fortnightly"),
    ("linh", [("lived_experience", "carer_bpd", "must")], "monthly"),
)

HANDOVER = (
    "Jordan does best with a clear plan for each meeting and a text the day before. We were "
    "working on getting back to the pottery class; Jordan would like to keep that going."
)


def seed(db: Session, users: dict[str, User], request_id: str) -> None:
    """Add the workforce demo. Flushes; the caller commits."""

    def by(key: str) -> By[Role]:
        return By(users[key].id, users[key].role, request_id)

    for key, data in PROFILES.items():
        profiles.save(db, by(key), data)
    for key, rows, frequency in WISHES:
        choosing.save_preferences(db, by(key), rows, frequency)
    # Jordan asked to move from Sam to Tui (no reason needed) and agreed to a handover, which
    # Sam has written; the coordinator has it waiting on their list.
    change = choosing.request_worker(db, by("jordan"), users["tui"].id, handover=True)
    handover.write(db, by("sam"), change.id, HANDOVER)
    demo_agreements.seed_demo(db, users, request_id)
    demo_supervision.seed_demo(db, users, request_id)
    demo_groups.seed_demo(db, users, request_id)
