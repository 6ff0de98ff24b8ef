"""decide() against an exhaustive matrix generated from a declarative table.

Axes: 7 roles x consent none/granted/revoked/expired x every category (the record's, peer
notes, and the personal "about me" and "skills and resources") x care assignment
active/ended x training current/lapsed x safety flag on/off x emergency none/active/expired.
The expected outcome comes from ROLE_POLICY in tests/access_policy.py, a table written from the
SPEC, not from the code under test (the database matrix, tests/records/test_access_matrix.py,
shares it).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from peernotes.access.decision import (
    Act,
    Category,
    Decision,
    EmergencyGrant,
    Facts,
    GranteeKind,
    Provision,
    Request,
    decide,
)
from peernotes.auth.roles import Role
from tests.access_policy import CONSENT, EMERGENCY, expected

NOW = datetime(2026, 5, 3, 10, 14, tzinfo=UTC)
ACTOR, SUBJECT = 10, 20


def _provisions(consent: str, category: Category) -> tuple[Provision, ...]:
    if consent in ("none", "revoked"):
        # A revocation is a new directive version without the provision: none in effect.
        return ()
    until = NOW + timedelta(days=30) if consent == "granted" else NOW - timedelta(minutes=1)
    return (
        Provision(
            id=7, kind=GranteeKind.PERSON, person_id=ACTOR, role=None, team_id=None,
            act=Act.READ, categories=frozenset({category}),
            valid_from=NOW - timedelta(days=60), valid_until=until,
        ),
    )


def _emergency(state: str) -> tuple[EmergencyGrant, ...]:
    if state == "none":
        return ()
    ends = NOW + timedelta(hours=3) if state == "active" else NOW - timedelta(seconds=1)
    return (EmergencyGrant(id=3, clinician_id=ACTOR, starts=NOW - timedelta(hours=1), ends=ends),)


CASES = list(
    itertools.product(Role, CONSENT, Category, (True, False), (True, False), (True, False), EMERGENCY)
)


def test_the_matrix_is_exhaustive() -> None:
    assert len(CASES) == 7 * 4 * 10 * 2 * 2 * 2 * 3 == 6_720


def test_every_case_of_the_matrix() -> None:
    failures = []
    for role, consent, category, assigned, trained, flag, emergency in CASES:
        request = Request(ACTOR, role, SUBJECT, Act.READ, category, NOW)
        facts = Facts(
            assignment_active=assigned,
            provisions=_provisions(consent, category),
            training_current=trained,
            safety_flag=flag,
            carer_nominated=True,
            emergency=_emergency(emergency),
        )
        got = decide(request, facts)
        want = expected(
            role, consent, assigned, trained, flag, emergency, provision_id=7, emergency_id=3,
            category=category.value,
        )
        if got != want:
            failures.append((role.value, consent, category.value, assigned, trained, flag, emergency, got, want))
    assert failures == [], f"{len(failures)} cases differ, first: {failures[:3]}"


@pytest.mark.parametrize("role", list(Role))
def test_the_subject_always_reads_their_own(role: Role) -> None:
    for category in Category:
        decision = decide(Request(SUBJECT, role, SUBJECT, Act.READ, category, NOW), Facts(safety_flag=True))
        assert decision == Decision.permit("self")


def test_an_author_reads_what_they_wrote_even_after_their_assignment_ends() -> None:
    request = Request(ACTOR, Role.CLINICIAN, SUBJECT, Act.READ, Category.CARE_PLAN, NOW, author_id=ACTOR)
    assert decide(request, Facts()) == Decision.permit("author")


def test_a_carer_who_is_no_longer_nominated_is_refused_despite_a_provision() -> None:
    facts = Facts(provisions=_provisions("granted", Category.CARE_PLAN), carer_nominated=False)
    request = Request(ACTOR, Role.CARER, SUBJECT, Act.READ, Category.CARE_PLAN, NOW)
    assert decide(request, facts) == Decision.deny("not_nominated")


def test_a_role_provision_needs_the_role_within_the_care_team() -> None:
    provision = Provision(
        9, GranteeKind.ROLE, None, Role.CONSUMER_PEER_WORKER, None, Act.READ,
        frozenset({Category.MEDICATION}), NOW - timedelta(days=1), NOW + timedelta(days=1),
    )
    request = Request(ACTOR, Role.CONSUMER_PEER_WORKER, SUBJECT, Act.READ, Category.MEDICATION, NOW)
    outside = Facts(provisions=(provision,), training_current=True, assignment_active=False)
    inside = Facts(provisions=(provision,), training_current=True, assignment_active=True)
    assert decide(request, outside) == Decision.deny("no_consent")
    assert decide(request, inside) == Decision.permit("consent:9")


def test_a_team_provision_names_members_of_that_team_only() -> None:
    provision = Provision(
        4, GranteeKind.TEAM, None, None, 55, Act.READ, frozenset({Category.CARE_PLAN}),
        NOW - timedelta(days=1), NOW + timedelta(days=1),
    )
    request = Request(ACTOR, Role.CONSUMER_PEER_WORKER, SUBJECT, Act.READ, Category.CARE_PLAN, NOW)
    member = Facts(provisions=(provision,), actor_team_ids=frozenset({55}), training_current=True)
    stranger = Facts(provisions=(provision,), actor_team_ids=frozenset({56}), training_current=True)
    assert decide(request, member) == Decision.permit("consent:4")
    assert decide(request, stranger) == Decision.deny("no_consent")


def test_read_consent_does_not_allow_contributing() -> None:
    facts = Facts(provisions=_provisions("granted", Category.CARE_PLAN), training_current=True)
    request = Request(ACTOR, Role.CONSUMER_PEER_WORKER, SUBJECT, Act.CONTRIBUTE, Category.CARE_PLAN, NOW)
    assert decide(request, facts) == Decision.deny("no_consent")


def test_emergency_access_is_read_only_and_only_for_its_clinician() -> None:
    facts = Facts(emergency=_emergency("active"))
    write = Request(ACTOR, Role.CLINICIAN, SUBJECT, Act.CONTRIBUTE, Category.CARE_PLAN, NOW)
    other = Request(ACTOR + 1, Role.CLINICIAN, SUBJECT, Act.READ, Category.CARE_PLAN, NOW)
    assert decide(write, facts) == Decision.deny("no_consent")
    assert decide(other, facts) == Decision.deny("no_consent")


def test_validity_is_half_open_from_start_to_end() -> None:
    start, end = NOW, NOW + timedelta(days=1)
    provision = Provision(1, GranteeKind.PERSON, ACTOR, None, None, Act.READ, frozenset({Category.DIAGNOSIS}), start, end)
    facts = Facts(provisions=(provision,))
    def at(moment: datetime) -> bool:
        return decide(Request(ACTOR, Role.CONSUMER, SUBJECT, Act.READ, Category.DIAGNOSIS, moment), facts).permitted
    assert (at(start - timedelta(microseconds=1)), at(start), at(end - timedelta(microseconds=1)), at(end)) == (False, True, True, False)


@pytest.mark.parametrize(
    "bad",
    [
        {"actor_role": "superuser"},
        {"category": "everything"},
        {"act": "delete"},
    ],
)
def test_unknown_values_raise(bad: dict[str, str]) -> None:
    fields = dict(actor_id=ACTOR, actor_role=Role.CLINICIAN, subject_id=SUBJECT, act=Act.READ, category=Category.CARE_PLAN, at=NOW)
    fields.update(bad)
    with pytest.raises(ValueError):
        decide(Request(**fields), Facts())  # type: ignore[arg-type]


def test_unknown_values_in_a_provision_raise() -> None:
    with pytest.raises(ValueError):
        Provision(1, GranteeKind.PERSON, ACTOR, None, None, Act.READ, frozenset({"secrets"}), NOW, NOW)  # type: ignore[arg-type]
