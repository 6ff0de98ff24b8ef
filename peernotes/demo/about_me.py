"""The demo's "about me" and skills and resources: Alex's "about me", shared with Sam (his peer
worker) by a consent provision of its own, and the skills list Sam and Alex keep together (two
DBT skills and a group, with what worked; one of them changed once, so it has a history)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from peernotes.aboutme import service as aboutme
from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent import service as consent
from peernotes.db import utcnow
from peernotes.skills import service as skills

ALEX_ABOUT_ME: dict[str, str] = {
    "helps": "A text to say you're coming, then a phone call before a visit. Walking while we"
    " talk. Being asked what I think before anyone decides.",
    "upsets": "Being talked about as if I'm not there. Plans changed at the last minute. Raised"
    " voices.",
    "enjoy": "Drawing, my dog Pepper, cooking pho with my mum, old sci-fi films.",
    "contact": "Text first. Not before 10 in the morning.",
    "words": "Alex, he/him. Please say “having a hard time”, not “in crisis” unless I say so.",
}


def seed(db: Session, users: dict[str, User], request_id: str) -> None:
    """Alex's "about me" shared with Sam, and their skills and resources. Flushes."""
    alex, sam = users["alex"], users["sam"]
    as_alex = By(alex.id, Role.CONSUMER, request_id)
    as_sam = By(sam.id, Role.CONSUMER_PEER_WORKER, request_id)
    aboutme.save(db, as_alex, ALEX_ABOUT_ME)
    now = utcnow()
    consent.grant(
        db,
        as_alex,
        alex,
        consent.Grant(
            GranteeKind.PERSON,
            sam.id,
            None,
            None,
            Act.READ,
            frozenset({Category.ABOUT_ME}),
            "so Sam knows what helps me and how I like to be contacted",
            now,
            now + timedelta(days=180),
        ),
    )
    opposite = skills.add(
        db,
        as_sam,
        alex.id,
        "skill",
        "Opposite action",
        "DBT emotion regulation: act the opposite of what the emotion urges.",
        "Going for a walk when I wanted to hide in my room worked twice this week.",
    )
    skills.edit(
        db,
        as_alex,
        opposite.id,
        "Opposite action",
        "DBT emotion regulation: act the opposite of what the emotion urges.",
        "Going for a walk when I wanted to hide in my room worked twice this week. Texting a"
        " friend instead of going quiet was harder, but it helped.",
    )
    skills.add(
        db,
        as_alex,
        alex.id,
        "skill",
        "TIPP (cold water)",
        "DBT distress tolerance: cold water on my face to bring the feeling down fast.",
        "Works when I'm at home. Didn't help at uni: I couldn't get away.",
    )
    skills.add(
        db,
        as_sam,
        alex.id,
        "resource",
        "DBT skills group, Tuesdays",
        "At the community centre, 6 to 8 pm. Run by the Borderline Support Team.",
        "Alex likes the mindfulness part at the start.",
    )
