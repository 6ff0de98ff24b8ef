"""The pure deciders of `access.objects`, exhaustively over their facts.

Each is the rule a feature used to decide for itself (risk concerns, support agreements,
supervision sessions, group sessions, requests for a worker, notes); here each is written
once, as a table of who may and why, and checked against every combination of its facts.
"""

from __future__ import annotations

import itertools

import pytest

from peernotes.access.objects import (
    AgreementFacts,
    ConcernFacts,
    GroupSessionFacts,
    NoteFacts,
    Relation,
    RequestFacts,
    SupervisionFacts,
    decide_agreement,
    decide_concern,
    decide_group_session,
    decide_note,
    decide_own_request,
    decide_supervision_session,
    note_relation,
)
from peernotes.auth.roles import Role

ACTORS = [None, 1, 2, 3, 4]  # 1 subject, 2 author/raiser/worker, 3 co-signer/supervisor, 4 other
ROLES = [None, *Role]
BOOLS = [False, True]


def said(decision: object) -> tuple[bool, str, str | None]:
    return decision.permitted, decision.basis, decision.relation  # type: ignore[attr-defined]


@pytest.mark.parametrize("actor, draft", list(itertools.product(ACTORS, BOOLS)))
def test_notes(actor: int | None, draft: bool) -> None:
    got = said(decide_note(NoteFacts(actor, author_id=2, subject_id=1, draft=draft)))
    if actor == 2:
        assert got == (True, "author", Relation.AUTHOR)
    elif actor == 1:
        assert got == ((False, "draft", None) if draft else (True, "subject", Relation.SUBJECT))
    else:
        assert got == (False, "not_author_or_subject", None)
    assert note_relation(actor, 2, 1) == {2: Relation.AUTHOR, 1: Relation.SUBJECT}.get(actor or 0)


@pytest.mark.parametrize(
    "actor, role, delayed, in_care", list(itertools.product(ACTORS, ROLES, BOOLS, BOOLS))
)
def test_concerns(actor: int | None, role: Role | None, delayed: bool, in_care: bool) -> None:
    got = said(decide_concern(ConcernFacts(actor, role, 1, 2, 3, delayed, in_care)))
    if actor == 2:
        assert got == (True, "author", Relation.RAISER)
    elif actor == 1:
        assert got == ((False, "delayed", None) if delayed else (True, "self", Relation.SUBJECT))
    elif role is Role.CLINICIAN and in_care:
        assert got == (True, "duty_of_care", Relation.CARE_TEAM)
    elif role is Role.CLINICIAN and actor == 3:
        assert got == (True, "duty_of_care", Relation.COSIGNER)
    else:
        # Never on consent, emergency access or any other role: duty of care only.
        assert got == (False, "no_duty_of_care", None)


@pytest.mark.parametrize(
    "actor, role, in_care, supervises", list(itertools.product(ACTORS, ROLES, BOOLS, BOOLS))
)
def test_agreements(actor: int | None, role: Role | None, in_care: bool, supervises: bool) -> None:
    got = said(decide_agreement(AgreementFacts(actor, role, 2, 1, in_care, supervises)))
    if actor == 2 and in_care:
        assert got == (True, "party", Relation.WORKER)
    elif actor == 1:
        assert got == (True, "self", Relation.SUBJECT)
    elif actor not in (None, 2) and role is Role.CLINICIAN and supervises:
        assert got == (True, "supervisor", Relation.SUPERVISOR)
    else:
        # A previous worker loses the agreement with the person at once.
        assert got == (False, "not_party", None)


@pytest.mark.parametrize("actor, role, supervises", list(itertools.product(ACTORS, ROLES, BOOLS)))
def test_supervision_sessions(actor: int | None, role: Role | None, supervises: bool) -> None:
    got = said(decide_supervision_session(SupervisionFacts(actor, role, 2, 3, supervises)))
    if actor == 2:
        assert got == (True, "self", Relation.WORKER)
    elif role is Role.CLINICIAN and (actor == 3 or supervises):
        assert got == (True, "supervisor", Relation.SUPERVISOR)
    else:
        assert got == (False, "not_supervision_party", None)


@pytest.mark.parametrize("role, facilitates", list(itertools.product(ROLES, BOOLS)))
def test_group_sessions(role: Role | None, facilitates: bool) -> None:
    got = said(decide_group_session(GroupSessionFacts(role, facilitates)))
    if role is Role.ADMIN:
        assert got == (True, "role:admin", Relation.COORDINATOR)
    elif facilitates:
        assert got == (True, "facilitator", Relation.FACILITATOR)
    else:
        assert got == (False, "not_facilitator", None)


@pytest.mark.parametrize("actor", ACTORS)
def test_requests_for_a_worker(actor: int | None) -> None:
    got = said(decide_own_request(RequestFacts(actor, subject_id=1)))
    # Someone else's request is exactly as absent as a missing one.
    assert got == ((True, "self", Relation.OWNER) if actor == 1 else (False, "not_found", None))
