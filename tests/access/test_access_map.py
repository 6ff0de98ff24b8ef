"""Property: the access map is the truth.

In the random worlds of the SQL-twin test (people of every role, care assignments, teams,
provisions of every grantee kind and validity, training, safety flags, nominations, emergency
access), for every subject (a consumer, or a carer, whose consent covers their carer-support
notes): each person in the map reads exactly the kinds `decide()` permits them, on the same
basis; and every person not in the map is refused every kind.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.access import map as access_map_module
from peernotes.access.decision import Act, Decision, Request, decide
from peernotes.access.map import KINDS, ObjectKind, access_map
from peernotes.access.objects import WishesFacts, decide_wishes
from peernotes.access.queries import facts_for, subjects_whose_record_opens, training_current
from peernotes.access.relationships import relationships
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.db import get_database, utcnow
from peernotes.records.models import RecordEntry
from peernotes.records.service import may_open
from peernotes.wishes.models import Wish
from tests.access.worlds import hold_in_random_worlds
from tests.helpers import client_as, user_id
from tests.records.test_sql_mirrors_decide import _build, world

EXAMPLES = 50


def test_the_map_holds_exactly_what_decide_permits(empty_database_url: str) -> None:
    def check(db: Session, everyone: list[User], consumers: list[User]) -> None:
        at = utcnow()
        for subject in consumers:
            rows = access_map(db, subject.id, at)
            mapped = {row.person_id: row.reads for row in rows}
            assert subject.id not in mapped
            # Whoever wrote an entry about them is in the map for what they wrote, and no one
            # else is.
            authors = {
                e.author_id
                for e in db.scalars(select(RecordEntry).where(RecordEntry.subject_id == subject.id))
                if e.author_id != subject.id
            }
            wrote = {r.person_id for r in rows if ObjectKind.WHAT_THEY_WROTE in r.objects}
            assert wrote == authors
            for person in everyone:
                if person.id == subject.id:
                    continue
                facts = facts_for(db, person.id, subject.id, at)
                truth = {
                    kind: d
                    for kind in KINDS
                    if (
                        d := decide(
                            Request(person.id, person.role, subject.id, Act.READ, kind, at), facts
                        )
                    ).permitted
                }
                assert mapped.get(person.id, {}) == truth, (person.role, truth)

    hold_in_random_worlds(empty_database_url, world, _build, check, EXAMPLES)


def test_whose_record_opens_has_one_answer_single_and_listed(empty_database_url: str) -> None:
    """The caseload's links (one query for a whole list) agree with `records.may_open`."""

    def check(db: Session, everyone: list[User], consumers: list[User]) -> None:
        ids = [c.id for c in consumers]
        for actor in everyone:
            by = By(actor.id, actor.role, "0" * 32)
            at = relationships(db, by).now
            listed = subjects_whose_record_opens(db, actor.id, actor.role, ids, at)
            for subject in consumers:
                assert (subject.id in listed) is may_open(db, by, subject.id), actor.role

    hold_in_random_worlds(empty_database_url, world, _build, check, EXAMPLES)


def test_the_map_weighs_wishes_by_decide_wishes_with_the_readers_training(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whoever opens one of Maya's wishes is in her map for it, and no one else: the map asks
    # the wishes pages' own decision. Tui's training (due to lapse within the month) reaches it
    # as the map reads training for handovers.
    maya, tui, walsh = (user_id(app, key) for key in ("maya", "tui", "dr.walsh"))
    asked: list[WishesFacts] = []

    def spy(facts: WishesFacts) -> Decision:
        asked.append(facts)
        return decide_wishes(facts)

    monkeypatch.setattr(access_map_module, "decide_wishes", spy)
    with app.app_context(), get_database(app).session() as db:
        now = utcnow()
        (wish,) = db.scalars(select(Wish).where(Wish.subject_id == maya)).all()
        readers = {r.person_id for r in access_map(db, maya, now) if ObjectKind.WISHES in r.objects}
        assert [f.training_current for f in asked if f.actor_id == tui] == [True]
        asked.clear()
        later = now + timedelta(days=400)
        access_map(db, maya, later)
        lapsed = training_current(db, tui, later)
        assert [f.training_current for f in asked if f.actor_id == tui] == [lapsed]
        assert not lapsed
        everyone = {
            int(str(uid)): str(email).split("@")[0]
            for uid, email in db.execute(select(User.id, User.email))
        }
    opens = {
        uid
        for uid, key in everyone.items()
        if uid != maya and client_as(app, key).get(f"/wishes/{wish.id}").status_code == 200
    }
    assert readers == opens
    assert readers == {tui, walsh}
