"""The one consent decision. Pure: no Flask, no SQLAlchemy, no clock.

Everything `decide()` needs arrives as plain values (`Request` and `Facts`), and it returns a
`Decision`: a permit with its basis, or a deny with its reason. Unknown roles, categories or
actions raise instead of quietly denying, so that a typo can never look like a policy.

The rules, in order (the first that applies wins):
 1. The subject reads everything about themselves (`self`).
 2. An author reads what they wrote (`author`).
 3. Coordinators and auditors never read content (`role_excluded`).
 4. A safety flag on the subject suspends every carer and carer peer worker (`safety_flag`).
 5. A clinician with an active care assignment reads and writes the record
    (`care_assignment`); not the person's own `PERSONAL` kinds (about me, skills).
 6. A provision of the subject's consent that names this person, their role within the
    subject's care team, or one of their teams, for this action and category, and is valid
    now (`consent:<provision id>`). A peer worker also needs current training
    (`training_lapsed`); a carer must be nominated (`not_nominated`) and only reads.
 7. A clinician's active emergency access, read only (`emergency:<id>`); not the `PERSONAL`
    kinds: breaking the glass is for the record a clinician needs in a crisis, and what a
    person wrote about themselves is shared only as they chose.
 8. Otherwise: `no_consent`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from peernotes.auth.roles import Role


class Category(StrEnum):
    DIAGNOSIS = "diagnosis"
    MEDICATION = "medication"
    CLINICAL_NOTE = "clinical_note"
    RISK_ASSESSMENT = "risk_assessment"
    CARE_PLAN = "care_plan"
    DISCHARGE_SUMMARY = "discharge_summary"
    CORRESPONDENCE = "correspondence"
    PEER_NOTES = "peer_notes"
    #: What the person writes about themselves ("about me") and keeps with their peer worker
    #: (skills and resources): theirs alone, shared only by consent (see `PERSONAL`).
    ABOUT_ME = "about_me"
    SKILLS = "skills"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS: dict[Category, str] = {
    Category.DIAGNOSIS: "diagnosis",
    Category.MEDICATION: "medication",
    Category.CLINICAL_NOTE: "clinical notes",
    Category.RISK_ASSESSMENT: "risk assessment",
    Category.CARE_PLAN: "care plan",
    Category.DISCHARGE_SUMMARY: "discharge summary",
    Category.CORRESPONDENCE: "letters",
    Category.PEER_NOTES: "peer notes",
    Category.ABOUT_ME: "about me",
    Category.SKILLS: "skills and resources",
}

#: Kinds the person writes themselves, outside the record and the peer notes: no care
#: assignment and no emergency access opens them; only the person's consent does.
PERSONAL = frozenset({Category.ABOUT_ME, Category.SKILLS})

#: Categories of the medical record proper (everything but peer notes and the personal kinds).
RECORD_CATEGORIES = tuple(c for c in Category if c is not Category.PEER_NOTES and c not in PERSONAL)


class Act(StrEnum):
    READ = "read"
    CONTRIBUTE = "contribute"


class GranteeKind(StrEnum):
    PERSON = "person"
    ROLE = "role"
    TEAM = "team"


PEER_WORKERS = frozenset({Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER})
CARER_SIDE = frozenset({Role.CARER, Role.CARER_PEER_WORKER})
NEVER_CONTENT = frozenset({Role.ADMIN, Role.AUDITOR})


@dataclass(frozen=True)
class Provision:
    """One grant within the subject's consent directive."""

    id: int
    kind: GranteeKind
    person_id: int | None
    role: Role | None
    team_id: int | None
    act: Act
    categories: frozenset[Category]
    valid_from: datetime
    valid_until: datetime

    def __post_init__(self) -> None:
        _check(self.kind, GranteeKind, "grantee kind")
        _check(self.act, Act, "action")
        for category in self.categories:
            _check(category, Category, "category")
        if self.role is not None:
            _check(self.role, Role, "role")


@dataclass(frozen=True)
class EmergencyGrant:
    id: int
    clinician_id: int
    starts: datetime
    ends: datetime


@dataclass(frozen=True)
class Request:
    actor_id: int
    actor_role: Role
    subject_id: int
    act: Act
    category: Category
    at: datetime
    #: Who wrote the item asked for, when there is one item.
    author_id: int | None = None


@dataclass(frozen=True)
class Facts:
    """What is true of the actor and the subject at the request's moment."""

    assignment_active: bool = False
    actor_team_ids: frozenset[int] = frozenset()
    provisions: tuple[Provision, ...] = ()
    training_current: bool = False
    safety_flag: bool = False
    carer_nominated: bool = False
    emergency: tuple[EmergencyGrant, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Decision:
    permitted: bool
    #: The basis of a permit (`self`, `consent:12`, …) or the reason for a deny.
    basis: str
    #: Who the person is to the object a permit is about (`author`, `supervisor`, …), where the
    #: object's own rules need it to say what they may then do; None for record reads.
    relation: str | None = None

    @classmethod
    def permit(cls, basis: str, relation: str | None = None) -> Decision:
        return cls(True, basis, relation)

    @classmethod
    def deny(cls, reason: str) -> Decision:
        return cls(False, reason)


class Reason:
    ROLE_EXCLUDED = "role_excluded"
    SAFETY_FLAG = "safety_flag"
    TRAINING_LAPSED = "training_lapsed"
    NOT_NOMINATED = "not_nominated"
    NO_CONSENT = "no_consent"


def _check(value: object, enum: type[StrEnum], what: str) -> None:
    if not isinstance(value, enum):
        raise ValueError(f"unknown {what} {value!r}")


def provision_names(provision: Provision, request: Request, facts: Facts) -> bool:
    """Does this provision's grantee describe the person asking?"""
    if provision.kind is GranteeKind.PERSON:
        return provision.person_id == request.actor_id
    if provision.kind is GranteeKind.ROLE:
        # "A role within the care team": the role alone is not enough.
        return provision.role == request.actor_role and facts.assignment_active
    return provision.team_id is not None and provision.team_id in facts.actor_team_ids


def matching_provisions(request: Request, facts: Facts) -> Iterable[Provision]:
    for provision in facts.provisions:
        if (
            provision.act == request.act
            and request.category in provision.categories
            and provision.valid_from <= request.at < provision.valid_until
            and provision_names(provision, request, facts)
        ):
            yield provision


def decide(request: Request, facts: Facts) -> Decision:
    """Permit or deny one request. Raises ValueError on any unknown role, category or act."""
    _check(request.actor_role, Role, "role")
    _check(request.category, Category, "category")
    _check(request.act, Act, "action")
    role = request.actor_role

    if request.actor_id == request.subject_id:
        return Decision.permit("self")
    if request.author_id is not None and request.author_id == request.actor_id:
        return Decision.permit("author")
    if role in NEVER_CONTENT:
        return Decision.deny(Reason.ROLE_EXCLUDED)
    if facts.safety_flag and role in CARER_SIDE:
        return Decision.deny(Reason.SAFETY_FLAG)
    personal = request.category in PERSONAL
    if role is Role.CLINICIAN and facts.assignment_active and not personal:
        return Decision.permit("care_assignment")

    provision = min(matching_provisions(request, facts), key=lambda p: p.id, default=None)
    if provision is not None:
        if role in PEER_WORKERS and not facts.training_current:
            return Decision.deny(Reason.TRAINING_LAPSED)
        if role is Role.CARER and (not facts.carer_nominated or request.act is not Act.READ):
            return Decision.deny(Reason.NOT_NOMINATED)
        return Decision.permit(f"consent:{provision.id}")

    if role is Role.CLINICIAN and request.act is Act.READ and not personal:
        for grant in sorted(facts.emergency, key=lambda g: g.id):
            if grant.clinician_id == request.actor_id and grant.starts <= request.at < grant.ends:
                return Decision.permit(f"emergency:{grant.id}")

    return Decision.deny(Reason.NO_CONSENT)
