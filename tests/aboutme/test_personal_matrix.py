"""The access matrix of what a person writes themselves, against real rows: every other demo
person (each role, in and out of the subject's care, trained or not, a nominated carer or not)
x consent none / granted / revoked / expired x "about me" and "skills and resources".

Expected outcomes come from the declarative table (`tests/access_policy.py`, the personal kinds
open by consent alone: a clinician's care assignment gives nothing), with the one rule of the
skills list on top: the peer worker who supports the person now keeps it with them. The subject
is Maya (Dr Walsh and Tui in her care, Robert her nominated carer); the shares are made and
revoked through the consent service, as her own page makes them. Each read goes through the
feature's service, which must answer as decided (a refusal like a missing one) and log it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from peernotes.aboutme import service as aboutme
from peernotes.access.decision import Act, Category, Decision, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent import service as consent
from peernotes.db import get_database, utcnow
from peernotes.demo.loader import PEOPLE
from peernotes.skills import service as skills
from tests.access_policy import CONSENT, expected
from tests.helpers import count_rows, user_id

SUBJECT = "maya"
IN_CARE = {"dr.walsh", "tui"}
TRAINED = {"sam", "tui", "helen"}
NOMINATED = {"robert"}
KINDS = (Category.ABOUT_ME, Category.SKILLS)
NEVER_GRANTED = {Role.ADMIN, Role.AUDITOR}  # the consent service refuses them as grantees


def _want(key: str, role: Role, state: str, kind: Category, provision: int | None) -> Decision:
    if kind is Category.SKILLS and key in IN_CARE and role is Role.CONSUMER_PEER_WORKER:
        return Decision.permit("party", "worker")
    if role is Role.CARER and state == "granted" and key not in NOMINATED:
        return Decision.deny("not_nominated")
    if role is Role.CONSUMER and state == "granted":
        return Decision.permit(f"consent:{provision}")
    return expected(
        role,
        state,
        key in IN_CARE,
        key in TRAINED,
        False,
        "none",
        provision_id=provision or 0,
        emergency_id=0,
        category=kind.value,
    )


def _share(app: Flask, ids: dict[str, int], state: str) -> dict[str, int]:
    """Maya's consent in `state` for everyone else: the provision naming each person."""
    maya = ids[SUBJECT]
    made: dict[str, int] = {}
    with get_database(app).session() as db:
        subject = db.get_one(User, maya)
        me = By(maya, Role.CONSUMER, "matrix")
        current = consent.current_provisions(db, maya, utcnow())
        if current:
            consent.revoke_all(db, me, subject, [p.id for p in current])
        if state in ("granted", "expired"):
            now = utcnow()
            start, end = (
                (now - timedelta(days=1), now + timedelta(days=30))
                if state == "granted"
                else (now - timedelta(days=3), now - timedelta(seconds=1))
            )
            for person in PEOPLE:
                if person.key == SUBJECT or person.role in NEVER_GRANTED:
                    continue
                consent.grant(
                    db,
                    me,
                    subject,
                    consent.Grant(
                        GranteeKind.PERSON,
                        ids[person.key],
                        None,
                        None,
                        Act.READ,
                        frozenset(KINDS),
                        "matrix",
                        start,
                        end,
                    ),
                )
        db.commit()
        # Each grant is a new directive version carrying the earlier shares forward (new ids):
        # a share's id is the one in the version in force now.
        keys = {i: k for k, i in ids.items()}
        for provision in consent.current_provisions(db, maya, utcnow()):
            if provision.person_id is not None:
                made[keys[provision.person_id]] = provision.id
    return made


def test_about_me_and_skills_over_every_person_and_consent_state(app: Flask) -> None:
    ids = {p.key: user_id(app, p.key) for p in PEOPLE}
    maya = ids[SUBJECT]
    with get_database(app).session() as db:
        aboutme.save(db, By(maya, Role.CONSUMER, "matrix"), {"helps": "Quiet rooms."})
        skills.add(
            db, By(ids["tui"], Role.CONSUMER_PEER_WORKER, "m"), maya, "skill", "STOP", "", ""
        )
        db.commit()
    checked = 0
    failures = []
    for state in CONSENT:
        made = _share(app, ids, state) if state != "none" else {}
        for person in PEOPLE:
            if person.key == SUBJECT:
                continue
            by = By(ids[person.key], person.role, "matrix")
            provision = made.get(person.key)
            before = count_rows(app, "audit_log")
            with get_database(app).session() as db:
                for kind in KINDS:
                    want = _want(person.key, person.role, state, kind, provision)
                    if kind is Category.ABOUT_ME:
                        got = aboutme.decision(db, by, maya)
                        try:
                            aboutme.read(db, by, maya)
                            opened = True
                        except aboutme.AboutMeNotFound:
                            opened = False
                    else:
                        got = skills.decision(db, by, maya)
                        try:
                            skills.read_list(db, by, maya)
                            opened = True
                        except skills.SkillsNotFound:
                            opened = False
                    if got != want or opened != want.permitted:
                        failures.append((person.key, state, kind.value, got, want, opened))
                    checked += 1
                db.commit()
            # One access-log entry per read, allowed or refused.
            assert count_rows(app, "audit_log") == before + len(KINDS), (person.key, state)
    assert failures == [], failures
    assert checked == 11 * 4 * 2


@pytest.mark.parametrize("kind", KINDS)
def test_the_personal_kinds_are_not_record_categories(kind: Category) -> None:
    from peernotes.access.decision import RECORD_CATEGORIES
    from peernotes.records.forms import EntryForm

    assert kind not in RECORD_CATEGORIES
    offered = {choice.value for choice in EntryForm.category.kwargs["choices"]}
    assert kind.value not in offered and "care_plan" in offered
