"""`access.objects.decide_wishes` over every role and every relationship to the person, sent or
not: the audience matrix of "my wishes". Pure: no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peernotes.access.objects import (
    WishesFacts,
    WishesListFacts,
    decide_wishes,
    decide_wishes_list,
    writes_wishes,
)
from peernotes.auth.roles import Role

SUBJECT, HELPER, OTHER = 1, 2, 3

#: How the actor stands to the person: (is the person, is the chosen helper, in their care).
RELATIONS = {
    "self": (True, False, False),
    "helper_in_care": (False, True, True),
    "helper_no_longer_in_care": (False, True, False),
    "in_care": (False, False, True),
    "not_in_care": (False, False, False),
}


def expected(role: Role, relation: str, sent: bool) -> str | None:
    """The relation a permit names, or None for a refusal: written out case by case."""
    if relation == "self":
        return "subject"
    if role is Role.CONSUMER_PEER_WORKER and relation == "helper_in_care":
        return "worker"
    if role in (Role.CLINICIAN, Role.CONSUMER_PEER_WORKER) and relation == "in_care" and sent:
        return "care_team"
    # A clinician named as helper cannot be one (only peer workers help write): as care team.
    if role is Role.CLINICIAN and relation == "helper_in_care" and sent:
        return "care_team"
    return None


@pytest.mark.parametrize("sent", [False, True], ids=["draft", "sent"])
@pytest.mark.parametrize("relation", list(RELATIONS))
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_matrix(role: Role, relation: str, sent: bool) -> None:
    is_self, is_helper, in_care = RELATIONS[relation]
    actor = SUBJECT if is_self else HELPER if is_helper else OTHER
    decision = decide_wishes(WishesFacts(actor, role, SUBJECT, HELPER, sent, in_care))
    want = expected(role, relation, sent)
    assert decision.permitted == (want is not None), decision
    if want is not None:
        assert decision.relation == want
    else:
        assert decision.basis in ("not_in_care", "not_sent")


@pytest.mark.parametrize("role", [Role.CARER, Role.CARER_PEER_WORKER, Role.ADMIN, Role.AUDITOR])
def test_carers_coordinators_and_auditors_never_read_it_even_in_care(role: Role) -> None:
    decision = decide_wishes(WishesFacts(OTHER, role, SUBJECT, None, True, True))
    assert not decision.permitted


def test_nobody_signed_in_reads_nothing() -> None:
    assert not decide_wishes(WishesFacts(None, None, SUBJECT, None, True, True)).permitted


@given(
    actor=st.integers(min_value=1, max_value=5),
    role=st.sampled_from(list(Role)),
    helper=st.one_of(st.none(), st.integers(min_value=1, max_value=5)),
    sent=st.booleans(),
    in_care=st.booleans(),
)
def test_only_the_person_or_their_care_team_ever_reads(
    actor: int, role: Role, helper: int | None, sent: bool, in_care: bool
) -> None:
    """Whatever the facts: a permit goes to the person, or to a clinician or peer worker in
    their care; and a draft reaches only the person and the helper they chose."""
    decision = decide_wishes(WishesFacts(actor, role, SUBJECT, helper, sent, in_care))
    if not decision.permitted or actor == SUBJECT:
        return
    assert in_care and role in (Role.CLINICIAN, Role.CONSUMER_PEER_WORKER)
    if not sent:
        assert actor == helper and role is Role.CONSUMER_PEER_WORKER


# The training gate, and what a permit lets its holder do (decided here, not in the service) ----


@pytest.mark.parametrize("sent", [False, True], ids=["draft", "sent"])
@pytest.mark.parametrize("helper", [HELPER, None], ids=["helper", "care_team"])
def test_a_peer_worker_with_lapsed_training_reads_none(helper: int | None, sent: bool) -> None:
    facts = WishesFacts(
        actor_id=HELPER,
        actor_role=Role.CONSUMER_PEER_WORKER,
        subject_id=SUBJECT,
        helper_id=helper,
        sent=sent,
        in_care=True,
        training_current=False,
    )
    decision = decide_wishes(facts)
    assert not decision.permitted and decision.basis == "training_lapsed"


def test_the_training_gate_is_for_peer_workers_only() -> None:
    facts = WishesFacts(
        actor_id=OTHER,
        actor_role=Role.CLINICIAN,
        subject_id=SUBJECT,
        helper_id=HELPER,
        sent=True,
        in_care=True,
        training_current=False,
    )
    assert decide_wishes(facts).permitted
    own = WishesFacts(SUBJECT, Role.CONSUMER, SUBJECT, HELPER, False, False, False)
    assert decide_wishes(own).permitted


@pytest.mark.parametrize(
    ("actor", "role", "writer"),
    [(SUBJECT, Role.CONSUMER, True), (HELPER, Role.CONSUMER_PEER_WORKER, True)]
    + [(OTHER, Role.CLINICIAN, False), (OTHER, Role.CONSUMER_PEER_WORKER, False)],
)
def test_only_the_person_and_their_helper_write_and_see_drafts(
    actor: int, role: Role, writer: bool
) -> None:
    decision = decide_wishes(WishesFacts(actor, role, SUBJECT, HELPER, True, True))
    assert decision.permitted
    assert writes_wishes(decision) is writer
    refused = decide_wishes(WishesFacts(OTHER, Role.CARER, SUBJECT, HELPER, True, True))
    assert not writes_wishes(refused)


@pytest.mark.parametrize(
    ("actor", "in_care", "training", "said"),
    [
        (SUBJECT, False, True, (True, "self")),
        (OTHER, True, True, (True, "care_assignment")),
        (OTHER, True, False, (False, "training_lapsed")),
        (OTHER, False, True, (False, "not_in_care")),
        (OTHER, False, False, (False, "not_in_care")),
        (None, True, True, (False, "not_in_care")),
    ],
)
def test_the_list_page_is_the_person_s_and_their_care_team_s(
    actor: int | None, in_care: bool, training: bool, said: tuple[bool, str]
) -> None:
    decision = decide_wishes_list(WishesListFacts(actor, SUBJECT, in_care, training))
    assert (decision.permitted, decision.basis) == said
