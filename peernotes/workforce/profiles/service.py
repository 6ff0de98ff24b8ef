"""Peer workers' own profiles, and the wellbeing pause. Flushes, never commits.

Everything in a profile is optional and the worker's to show or hide, field by field. A hidden
field is not shown to anyone and is not used for matching. "I need a break" stops new matches
at once; the people already supported are not affected.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.steps import step
from peernotes.audit.writer import Target, record_event
from peernotes.auth.actor import Acting
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment
from peernotes.db import utcnow
from peernotes.errors import Refused
from peernotes.workforce.choosing.matching import Candidate
from peernotes.workforce.profiles.models import WorkerProfile
from peernotes.workforce.vocabulary import (
    AGE_BANDS,
    CARER_YEARS,
    FORMATS,
    LIVED_EXPERIENCE,
    PROFILE_FIELDS,
    RECOVERY_STAGES,
)

PEER_WORKER_ROLES = (Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER)
MAX_LANGUAGES = 10
MAX_CAPACITY = 20


class ProfileError(Refused):
    """A profile change was refused; the message is safe to show."""


@dataclass(frozen=True)
class ProfileInput:
    gender: str = ""
    age_band: str = ""
    #: As typed: "English, Vietnamese".
    languages: str = ""
    culture: str = ""
    lived_experience: Collection[str] = ()
    formats: Collection[str] = ()
    availability: str = ""
    about: str = ""
    shown: Collection[str] = ()
    capacity: int | None = None
    recovery_stage: str = ""
    further_along: bool = False
    sexual_orientation: str = ""
    carer_years: str = ""


def profile_of(db: Session, user_id: int) -> WorkerProfile:
    """The worker's profile; an empty, unsaved one (nothing shown) when they have none."""
    found = db.get(WorkerProfile, user_id)
    if found is not None:
        return found
    return WorkerProfile(
        user_id=user_id,
        gender="",
        age_band="",
        languages=[],
        culture="",
        lived_experience=[],
        formats=[],
        availability="",
        about="",
        shown=[],
        capacity=6,
        paused_at=None,
        recovery_stage="",
        further_along=False,
        sexual_orientation="",
        carer_years="",
    )


def _text(value: str, limit: int, label: str, field: str) -> str:
    cleaned = " ".join(value.split())
    if len(cleaned) > limit:
        raise ProfileError(f"Please keep {label} under {limit} characters.", field)
    return cleaned


def _subset(values: Collection[str], allowed: dict[str, str], label: str, field: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ProfileError(f"“{unknown[0][:40]}” is not one of the choices for {label}.", field)
    return [key for key in allowed if key in values]  # the list's own order, no repeats


def _languages(raw: str) -> list[str]:
    found: list[str] = []
    for part in raw.replace(";", ",").split(","):
        word = " ".join(part.split())
        if not word:
            continue
        if len(word) > 40:
            raise ProfileError("Each language should be under 40 characters.", "languages")
        if word.casefold() not in {x.casefold() for x in found}:
            found.append(word)
    if len(found) > MAX_LANGUAGES:
        raise ProfileError(f"Please list at most {MAX_LANGUAGES} languages.", "languages")
    return found


@step
def save(db: Session, by: Acting, data: ProfileInput) -> WorkerProfile:
    """A peer worker updates their own profile.

    Raises:
        ProfileError: not a peer worker, or a value that is too long or not one of the choices;
            nothing changes then.
    """
    if by.role not in PEER_WORKER_ROLES or by.id is None:
        raise ProfileError("Only peer workers have a profile.")
    gender = _text(data.gender, 60, "gender", "gender")
    if data.age_band and data.age_band not in AGE_BANDS:
        raise ProfileError("Choose an age band from the list.", "age_band")
    languages = _languages(data.languages)
    culture = _text(data.culture, 120, "cultural background", "culture")
    lived = _subset(data.lived_experience, LIVED_EXPERIENCE, "lived experience", "lived_experience")
    formats = _subset(data.formats, FORMATS, "ways of meeting", "formats")
    availability = _text(data.availability, 200, "availability", "availability")
    about = data.about.strip()
    if len(about) > 600:
        raise ProfileError("Please keep “about me” under 600 characters.", "about")
    shown = _subset(data.shown, PROFILE_FIELDS, "what you show", "shown")
    if data.recovery_stage and data.recovery_stage not in RECOVERY_STAGES:
        raise ProfileError("Choose a recovery stage from the list.", "recovery_stage")
    sexual_orientation = _text(
        data.sexual_orientation, 60, "sexual orientation", "sexual_orientation"
    )
    # Each is what one kind of peer worker says of themselves: refused for the other kind
    # rather than stored and never matched.
    if data.further_along and by.role is not Role.CONSUMER_PEER_WORKER:
        raise ProfileError(
            "“Further along in recovery” is for consumer peer workers.", "further_along"
        )
    if data.carer_years and by.role is not Role.CARER_PEER_WORKER:
        raise ProfileError("Years in a carer role are for carer peer workers.", "carer_years")
    if data.carer_years and data.carer_years not in CARER_YEARS:
        raise ProfileError("Choose your years in a carer role from the list.", "carer_years")
    capacity = data.capacity
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        raise ProfileError(
            f"The number of people you can support should be between 1 and {MAX_CAPACITY}.",
            "capacity",
        )
    profile = db.get(WorkerProfile, by.id)
    if profile is None:
        profile = profile_of(db, by.id)
        db.add(profile)
    profile.gender = gender
    profile.age_band = data.age_band
    profile.languages = languages
    profile.culture = culture
    profile.lived_experience = lived
    profile.formats = formats
    profile.availability = availability
    profile.about = about
    profile.shown = shown
    profile.recovery_stage = data.recovery_stage
    profile.further_along = data.further_along
    profile.sexual_orientation = sexual_orientation
    profile.carer_years = data.carer_years
    if capacity is not None:
        profile.capacity = capacity
    db.flush()
    logged = Target("user", by.id)
    record_event(db, by, Action.PROFILE_UPDATE, None, logged, Outcome.ALLOWED, Basis.SELF)
    return profile


def set_paused(db: Session, by: Acting, paused: bool) -> WorkerProfile:
    """ "I need a break": no new matches from now on (or, unpaused, matches again)."""
    if by.role not in PEER_WORKER_ROLES or by.id is None:
        raise ProfileError("Only peer workers can pause new matches.")
    profile = db.get(WorkerProfile, by.id)
    if paused == (profile is not None and profile.paused_at is not None):
        raise ProfileError(
            "New matches are already paused." if paused else "New matches are already open."
        )
    if profile is None:  # only now: a refusal adds nothing
        profile = profile_of(db, by.id)
        db.add(profile)
    profile.paused_at = utcnow() if paused else None
    db.flush()
    record_event(
        db,
        by,
        Action.MATCHES_PAUSE if paused else Action.MATCHES_RESUME,
        None,
        Target("user", by.id),
        Outcome.ALLOWED,
        Basis.SELF,
    )
    return profile


def caseload_counts(db: Session, worker_ids: Collection[int], now: datetime) -> dict[int, int]:
    """How many people each worker supports at `now` (active assignments to active people)."""
    counts = dict.fromkeys(worker_ids, 0)
    if not counts:
        return counts
    for worker_id, count in db.execute(
        select(CareAssignment.worker_id, func.count())
        .join(User, User.id == CareAssignment.subject_id)
        .where(
            CareAssignment.worker_id.in_(counts),
            CareAssignment.active_at(now),
            User.active.is_(True),
        )
        .group_by(CareAssignment.worker_id)
    ):
        counts[worker_id] = count
    return counts


def candidate(user: User, profile: WorkerProfile | None, caseload: int) -> Candidate:
    """The worker as matching and consumers see them: shown fields only."""
    if profile is None:
        return Candidate(user.id, user.display_name, user.role, caseload=caseload)
    shown = set(profile.shown)

    def visible(field: str, value: str) -> str | None:
        return value if field in shown and value else None

    return Candidate(
        worker_id=user.id,
        name=user.display_name,
        role=user.role,
        gender=visible("gender", profile.gender),
        age_band=visible("age_band", profile.age_band),
        languages=tuple(profile.languages) if "languages" in shown else (),
        culture=visible("culture", profile.culture),
        lived_experience=frozenset(profile.lived_experience)
        if "lived_experience" in shown
        else frozenset(),
        formats=frozenset(profile.formats) if "formats" in shown else frozenset(),
        recovery_stage=visible("recovery_stage", profile.recovery_stage),
        further_along="further_along" in shown and bool(profile.further_along),
        sexual_orientation=visible("sexual_orientation", profile.sexual_orientation),
        carer_years=(
            int(profile.carer_years) if "carer_years" in shown and profile.carer_years else None
        ),
        paused=profile.paused_at is not None,
        caseload=caseload,
        capacity=profile.capacity,
    )


def candidate_of(db: Session, user: User, now: datetime) -> Candidate:
    """One worker as matching sees them (asking for one needs no one else's)."""
    return candidate(
        user, db.get(WorkerProfile, user.id), caseload_counts(db, [user.id], now)[user.id]
    )


def candidates(db: Session, role: Role, now: datetime) -> list[Candidate]:
    """Every active peer worker of this role, as matching sees them (three queries)."""
    users = list(
        db.scalars(select(User).where(User.role == role, User.active.is_(True)).order_by(User.id))
    )
    ids = [u.id for u in users]
    profiles = {
        p.user_id: p
        for p in db.scalars(select(WorkerProfile).where(WorkerProfile.user_id.in_(ids)))
    }
    counts = caseload_counts(db, ids, now)
    return [candidate(u, profiles.get(u.id), counts[u.id]) for u in users]


def shown_profile(db: Session, worker_id: int) -> dict[str, str]:
    """A worker's shown fields in words, for the pages consumers and coordinators read."""
    return shown_profiles(db, [worker_id]).get(worker_id, {})


def shown_profiles(db: Session, worker_ids: Collection[int]) -> dict[int, dict[str, str]]:
    """`shown_profile` for several workers in one query (a page of matches)."""
    ids = set(worker_ids)
    if not ids:
        return {}
    return {
        profile.user_id: _shown_words(profile)
        for profile in db.scalars(select(WorkerProfile).where(WorkerProfile.user_id.in_(ids)))
    }


def _shown_words(profile: WorkerProfile) -> dict[str, str]:
    words: dict[str, str] = {}
    shown = set(profile.shown)
    if "gender" in shown and profile.gender:
        words["Gender"] = profile.gender
    if "age_band" in shown and profile.age_band:
        words["Age"] = AGE_BANDS[profile.age_band]
    if "languages" in shown and profile.languages:
        words["Languages"] = ", ".join(profile.languages)
    if "culture" in shown and profile.culture:
        words["Cultural background"] = profile.culture
    if "lived_experience" in shown and profile.lived_experience:
        words["Lived experience"] = "; ".join(LIVED_EXPERIENCE[x] for x in profile.lived_experience)
    if "formats" in shown and profile.formats:
        words["Ways of meeting"] = ", ".join(FORMATS[x] for x in profile.formats)
    if "recovery_stage" in shown and profile.recovery_stage:
        words["Recovery stage"] = RECOVERY_STAGES[profile.recovery_stage]
    if "further_along" in shown and profile.further_along:
        words["Recovery"] = "further along in recovery"
    if "sexual_orientation" in shown and profile.sexual_orientation:
        words["Sexual orientation"] = profile.sexual_orientation
    if "carer_years" in shown and profile.carer_years:
        words["In a carer role"] = CARER_YEARS[profile.carer_years]
    if "availability" in shown and profile.availability:
        words["Availability"] = profile.availability
    if "about" in shown and profile.about:
        words["About"] = profile.about
    return words
