"""The demo of issue 17, part A: a consumer peer worker supporting a carer, and matching by
what the study's participants named.

- Sam (a consumer peer worker) supports Robert, Maya's dad, and they wrote a carer-support note
  together (Robert approved it, kept between the two of them). Sam does not support Maya, and
  reads nothing of hers through Robert.
- Sam says he is "further along in recovery" and his recovery stage; Helen her years in a carer
  role; each ticked to show.
- Linh asks for "someone who has lived it": her matches offer a consumer peer worker, saying so.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.care.models import Team
from peernotes.db import utcnow
from peernotes.demo.workforce import PROFILES
from peernotes.notes import service as notes
from peernotes.workforce.choosing import service as choosing
from peernotes.workforce.profiles import service as profiles

ROBERT_NOTE = (
    "Robert talked about the night Maya came home from hospital, and how hard it is to know "
    "when to step in. I shared what helped me when I was where Maya is: being asked, not told.",
    "Robert's walk with the dog each morning; the carer support group on Thursdays.",
    "Robert will try asking Maya one open question this week. We meet again in a fortnight.",
    "",
)

#: Linh's wishes: someone who has lived it, or a carer of someone with BPD (both nice).
LINH_WISHES = [("lived_it", "yes", "nice"), ("lived_experience", "carer_bpd", "nice")]


def seed(db: Session, users: dict[str, User], request_id: str) -> None:
    """Add part A's demo. Flushes; the caller commits."""

    def by(key: str) -> By[Role]:
        return By(users[key].id, users[key].role, request_id)

    team = db.scalar(select(Team).order_by(Team.id))
    care.create_assignment(
        db,
        worker=users["sam"],
        subject=users["robert"],
        starts_on=(utcnow() - timedelta(days=20)).date(),
        ends_on=None,
        team=team,
        by=by("admin"),
    )
    note = notes.create(
        db,
        by("sam"),
        users["robert"].id,
        [
            notes.Section(h, b)
            for h, b in zip(notes.DEFAULT_SECTIONS, ROBERT_NOTE, strict=True)
            if b
        ],
    )
    notes.propose(db, by("sam"), note.id)
    notes.approve(db, by("robert"), note.id, ["just_us", "just_us", "just_us"], 1)

    sam, helen = PROFILES["sam"], PROFILES["helen"]
    profiles.save(
        db,
        by("sam"),
        replace(
            sam,
            recovery_stage="steady",
            further_along=True,
            shown=(*sam.shown, "recovery_stage", "further_along"),
        ),
    )
    profiles.save(
        db, by("helen"), replace(helen, carer_years="10", shown=(*helen.shown, "carer_years"))
    )
    choosing.save_preferences(db, by("linh"), LINH_WISHES, "monthly")
