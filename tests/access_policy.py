"""The access policy as a declarative table, written from the SPEC and not from the code.

Both exhaustive matrices take their expected outcomes from here: the pure one
(`tests/unit/test_decision_matrix.py`, which asks `decide()`) and the database one
(`tests/records/test_access_matrix.py`, which asks `records.service` against real rows).
Nothing here calls `decide()`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from peernotes.access.decision import Decision
from peernotes.auth.roles import Role


@dataclass(frozen=True)
class Policy:
    """What the SPEC says a role gets, when it is not the subject and not the author."""

    never: bool = False  # admin, auditor: no content, ever
    assignment_reads: bool = False  # clinician: an active care assignment is enough
    consent_reads: bool = True  # a valid provision naming them is enough...
    needs_training: bool = False  # ...if their training is current (peer workers)
    needs_nomination: bool = False  # ...if they are a nominated carer (all are, in the matrix)
    flag_suspends: bool = False  # a safety flag on the subject shuts them out
    emergency: bool = False  # may use break-the-glass


ROLE_POLICY: dict[Role, Policy] = {
    Role.CONSUMER: Policy(),
    Role.CARER: Policy(needs_nomination=True, flag_suspends=True),
    Role.CONSUMER_PEER_WORKER: Policy(needs_training=True),
    Role.CARER_PEER_WORKER: Policy(needs_training=True, flag_suspends=True),
    Role.CLINICIAN: Policy(assignment_reads=True, emergency=True),
    Role.AUDITOR: Policy(never=True, consent_reads=False),
    Role.ADMIN: Policy(never=True, consent_reads=False),
}

#: The consent axis: no directive; a provision in force; one revoked (a newer directive
#: version without it); one whose validity has ended.
CONSENT = ("none", "granted", "revoked", "expired")
#: The break-the-glass axis: none; an access running now; one that has ended.
EMERGENCY = ("none", "active", "expired")
#: What a person writes themselves, "shared only by consent" (SPEC, "The person's own words"):
#: their "about me" and the skills and resources they keep with their peer worker. Neither a
#: clinician's care assignment nor emergency access opens them.
PERSONAL_KINDS = frozenset({"about_me", "skills"})


def expected(
    role: Role,
    consent: str,
    assigned: bool,
    trained: bool,
    flag: bool,
    emergency: str,
    *,
    provision_id: int,
    emergency_id: int,
    category: str | None = None,
) -> Decision:
    """The decision the SPEC asks for: `provision_id` and `emergency_id` name the rows that a
    permit on consent or on emergency access must cite as its basis; `category`, the kind of
    information asked for (the personal kinds open by consent alone)."""
    policy = ROLE_POLICY[role]
    if category in PERSONAL_KINDS:
        policy = replace(policy, assignment_reads=False, emergency=False)
    if policy.never:
        return Decision.deny("role_excluded")
    if flag and policy.flag_suspends:
        return Decision.deny("safety_flag")
    if policy.assignment_reads and assigned:
        return Decision.permit("care_assignment")
    if consent == "granted" and policy.consent_reads:
        if policy.needs_training and not trained:
            return Decision.deny("training_lapsed")
        return Decision.permit(f"consent:{provision_id}")
    if policy.emergency and emergency == "active":
        return Decision.permit(f"emergency:{emergency_id}")
    return Decision.deny("no_consent")
