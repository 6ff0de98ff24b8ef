"""Matching a consumer (or carer) with peer workers. Pure: no Flask, no database, no clock.

- Only workers of the right kind: consumer peer workers for consumers, carer peer workers for
  carers.
- Paused ("I need a break") and full workers are left out.
- Every must-have is a hard filter. A worker who hides an attribute does not meet a must-have
  on it: hidden is unknown, and we never guess.
- The rest are ranked by how many nice-to-haves they meet, then by who has the most room, then
  by name and id, so the same inputs always give the same order.
- Each match says why, in the words the person would use ("speaks Vietnamese · lived
  experience of BPD · offers group").
- A carer who asks for "someone who has lived it" (a must-have or a nice-to-have) is offered
  consumer peer workers too, when the service allows consumer peer workers to support carers
  (the caller passes that setting in); the match says so in its reasons.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from peernotes.auth.roles import Role
from peernotes.errors import Refused
from peernotes.workforce.vocabulary import (
    AGE_BANDS,
    ATTRIBUTE_LABELS,
    CARER_YEARS,
    FORMAT_REASON,
    FORMATS,
    LIVED_EXPERIENCE,
    LIVED_IT_REASON,
    RECOVERY_STAGES,
    YES,
    Attribute,
    Importance,
    fold,
)

#: Enough for anyone's wishes, few enough that a page of them stays readable.
MAX_CRITERIA = 20
MAX_VALUE = 60

#: The kind of peer worker each kind of person is matched with.
WORKER_ROLE_FOR: dict[Role, Role] = {
    Role.CONSUMER: Role.CONSUMER_PEER_WORKER,
    Role.CARER: Role.CARER_PEER_WORKER,
}

#: Attributes whose values come from a fixed list, and that list.
CHOICES: dict[Attribute, dict[str, str]] = {
    Attribute.AGE_BAND: AGE_BANDS,
    Attribute.LIVED_EXPERIENCE: LIVED_EXPERIENCE,
    Attribute.FORMAT: FORMATS,
    Attribute.LIVED_IT: YES,
    Attribute.RECOVERY_STAGE: RECOVERY_STAGES,
    Attribute.FURTHER_ALONG: YES,
    Attribute.CARER_YEARS: CARER_YEARS,
}


class PreferenceError(Refused):
    """A preference could not be understood; the message names it."""


@dataclass(frozen=True)
class Criterion:
    attribute: Attribute
    #: A key from CHOICES for fixed-list attributes; the person's own word otherwise.
    value: str
    importance: Importance


@dataclass(frozen=True)
class Candidate:
    """A peer worker as matching sees them: only what they chose to show (None/empty when
    hidden or not given)."""

    worker_id: int
    name: str
    role: Role
    gender: str | None = None
    age_band: str | None = None
    languages: tuple[str, ...] = ()
    culture: str | None = None
    lived_experience: frozenset[str] = frozenset()
    formats: frozenset[str] = frozenset()
    recovery_stage: str | None = None
    #: Said of themselves by a consumer peer worker; False when not said or hidden.
    further_along: bool = False
    sexual_orientation: str | None = None
    #: A carer peer worker's years in a carer role (at least), when shown.
    carer_years: int | None = None
    paused: bool = False
    caseload: int = 0
    capacity: int = 6

    @property
    def has_room(self) -> bool:
        return self.caseload < self.capacity


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    #: Nice-to-haves met.
    score: int
    #: Why: every criterion met, must-haves first, in the order the person gave them.
    reasons: tuple[str, ...]
    #: Nice-to-haves this worker does not meet (or does not show), said plainly.
    unmet: tuple[str, ...]

    @property
    def because(self) -> str:
        return " · ".join(self.reasons)


def parse_criteria(rows: Iterable[tuple[str, str, str]]) -> tuple[Criterion, ...]:
    """Turn (attribute, value, importance) rows from a form into criteria.

    Rows with an empty value are skipped (nothing asked for). Raises PreferenceError naming
    the first thing that is not understood: an unknown attribute, an importance that is neither
    must-have nor nice-to-have, a value not in an attribute's list, a value too long, or too
    many rows.
    """
    criteria: list[Criterion] = []
    for raw_attribute, raw_value, raw_importance in rows:
        value = " ".join((raw_value or "").split())
        try:
            attribute = Attribute(raw_attribute)
        except ValueError as exc:
            known = ", ".join(label.lower() for label in ATTRIBUTE_LABELS.values())
            raise PreferenceError(
                f"“{raw_attribute[:40]}” is not something we can match on. "
                f"You can choose from: {known}.",
                "criteria",
            ) from exc
        if not value and not raw_importance:
            continue
        label = attribute.label.lower()
        try:
            importance = Importance(raw_importance)
        except ValueError as exc:
            raise PreferenceError(
                f"Say whether your {label} wish is a must-have or a nice-to-have.", "criteria"
            ) from exc
        if not value:
            raise PreferenceError(f"Say what you would like for {label}.", "criteria")
        if len(value) > MAX_VALUE:
            raise PreferenceError(
                f"Please keep your {label} wish under {MAX_VALUE} characters.", "criteria"
            )
        choices = CHOICES.get(attribute)
        if choices is not None and value not in choices:
            raise PreferenceError(f"“{value}” is not one of the choices for {label}.", "criteria")
        criterion = Criterion(attribute, value, importance)
        if criterion in criteria:
            continue  # the same wish twice is one wish
        criteria.append(criterion)
    if len(criteria) > MAX_CRITERIA:
        raise PreferenceError(
            f"Please choose at most {MAX_CRITERIA} wishes; the most important ones first.",
            "criteria",
        )
    return tuple(criteria)


def satisfies(candidate: Candidate, criterion: Criterion) -> bool:
    """Does this worker, as they show themselves, meet this wish?"""
    wanted = fold(criterion.value)
    match criterion.attribute:
        case Attribute.GENDER:
            return candidate.gender is not None and fold(candidate.gender) == wanted
        case Attribute.AGE_BAND:
            return candidate.age_band == criterion.value
        case Attribute.LANGUAGE:
            return any(fold(language) == wanted for language in candidate.languages)
        case Attribute.CULTURE:
            # "Vietnamese" finds "Vietnamese Australian": whole words, in order.
            return candidate.culture is not None and f" {wanted} " in f" {fold(candidate.culture)} "
        case Attribute.LIVED_EXPERIENCE:
            return criterion.value in candidate.lived_experience
        case Attribute.FORMAT:
            return criterion.value in candidate.formats
        case Attribute.LIVED_IT:
            return candidate.role is Role.CONSUMER_PEER_WORKER
        case Attribute.RECOVERY_STAGE:
            return candidate.recovery_stage == criterion.value
        case Attribute.FURTHER_ALONG:
            return candidate.further_along
        case Attribute.SEXUAL_ORIENTATION:
            return (
                candidate.sexual_orientation is not None
                and fold(candidate.sexual_orientation) == wanted
            )
        case Attribute.CARER_YEARS:
            return candidate.carer_years is not None and candidate.carer_years >= int(
                criterion.value
            )
    raise ValueError(f"unknown attribute {criterion.attribute!r}")  # pragma: no cover


def reason(candidate: Candidate, criterion: Criterion) -> str:
    """The words for a wish this worker meets, in their own spelling where they wrote it."""
    match criterion.attribute:
        case Attribute.GENDER:
            return f"gender: {candidate.gender}"
        case Attribute.AGE_BAND:
            return f"aged {AGE_BANDS[criterion.value]}"
        case Attribute.LANGUAGE:
            wanted = fold(criterion.value)
            spoken = next(x for x in candidate.languages if fold(x) == wanted)
            return f"speaks {spoken}"
        case Attribute.CULTURE:
            return f"cultural background: {candidate.culture}"
        case Attribute.LIVED_EXPERIENCE:
            return LIVED_EXPERIENCE[criterion.value]
        case Attribute.FORMAT:
            return FORMAT_REASON[criterion.value]
        case Attribute.LIVED_IT:
            return LIVED_IT_REASON
        case Attribute.RECOVERY_STAGE:
            return RECOVERY_STAGES[criterion.value]
        case Attribute.FURTHER_ALONG:
            return "further along in recovery"
        case Attribute.SEXUAL_ORIENTATION:
            return f"sexual orientation: {candidate.sexual_orientation}"
        case Attribute.CARER_YEARS:
            return f"in a carer role for at least {candidate.carer_years} years"
    raise ValueError(f"unknown attribute {criterion.attribute!r}")  # pragma: no cover


def unmet_words(criterion: Criterion) -> str:
    """A nice-to-have this worker does not meet, said without judgement."""
    choices = CHOICES.get(criterion.attribute)
    value = choices[criterion.value] if choices else criterion.value
    return f"{criterion.attribute.label.lower()}: {value}"


def worker_roles_for(
    subject_role: Role,
    criteria: Collection[Criterion],
    *,
    consumer_workers_for_carers: bool,
) -> frozenset[Role]:
    """The kinds of peer worker this person is offered: their own kind, and for a carer who asks
    for someone who has lived it, consumer peer workers as well (while the service allows it).

    Raises ValueError for a role that is not matched with peer workers."""
    worker_role = WORKER_ROLE_FOR.get(subject_role)
    if worker_role is None:
        raise ValueError(f"{subject_role!r} is not matched with peer workers")
    if (
        subject_role is Role.CARER
        and consumer_workers_for_carers
        and any(c.attribute is Attribute.LIVED_IT for c in criteria)
    ):
        return frozenset({worker_role, Role.CONSUMER_PEER_WORKER})
    return frozenset({worker_role})


def rank(
    subject_role: Role,
    criteria: Collection[Criterion],
    candidates: Iterable[Candidate],
    *,
    exclude: Collection[int] = (),
    consumer_workers_for_carers: bool = False,
) -> list[Match]:
    """The workers this person can ask for, best first, each with its reasons.

    `exclude` leaves out workers by id (the current worker, when asking for a change).
    `consumer_workers_for_carers` is the service's setting (`worker_roles_for`).
    Raises ValueError for a role that is not matched with peer workers.
    """
    offered = worker_roles_for(
        subject_role, criteria, consumer_workers_for_carers=consumer_workers_for_carers
    )
    musts = [c for c in criteria if c.importance is Importance.MUST]
    nices = [c for c in criteria if c.importance is Importance.NICE]
    matches: list[Match] = []
    for candidate in candidates:
        if (
            candidate.role not in offered
            or candidate.paused
            or not candidate.has_room
            or candidate.worker_id in exclude
            or not all(satisfies(candidate, c) for c in musts)
        ):
            continue
        met = [c for c in nices if satisfies(candidate, c)]
        reasons = tuple(reason(candidate, c) for c in (*musts, *met))
        unmet = tuple(unmet_words(c) for c in nices if c not in met)
        matches.append(Match(candidate, len(met), reasons or ("has room for new people",), unmet))
    matches.sort(
        key=lambda m: (
            -m.score,
            m.candidate.caseload - m.candidate.capacity,
            m.candidate.name.casefold(),
            m.candidate.worker_id,
        )
    )
    return matches
