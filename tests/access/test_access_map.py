"""Property: the access map is the truth.

In the random worlds of the SQL-twin test (people of every role, care assignments, teams,
provisions of every grantee kind and validity, training, safety flags, nominations, emergency
access), for every consumer: each person in the map reads exactly the kinds `decide()`
permits them, on the same basis; and every person not in the map is refused every kind.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from peernotes.access.decision import Act, Request, decide
from peernotes.access.map import KINDS, access_map
from peernotes.access.queries import facts_for
from peernotes.db import Database, utcnow
from tests.records.test_sql_mirrors_decide import _build, world

EXAMPLES = 50


def test_the_map_holds_exactly_what_decide_permits(empty_database_url: str) -> None:
    database = Database(empty_database_url, audit_key=lambda: b"k" * 32)
    examples = 0

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(w=world)
    def check(w: dict) -> None:  # type: ignore[type-arg]
        nonlocal examples
        examples += 1
        with database.session() as db:
            everyone, consumers = _build(db, w)
            at = utcnow()
            for subject in consumers:
                mapped = {row.person_id: row.reads for row in access_map(db, subject.id, at)}
                assert subject.id not in mapped
                for person in everyone:
                    if person.id == subject.id:
                        continue
                    facts = facts_for(db, person.id, subject.id, at)
                    truth = {
                        kind: d
                        for kind in KINDS
                        if (
                            d := decide(
                                Request(person.id, person.role, subject.id, Act.READ, kind, at),
                                facts,
                            )
                        ).permitted
                    }
                    assert mapped.get(person.id, {}) == truth, (person.role, truth)
            db.rollback()

    check()
    database.engine.dispose()
    assert examples >= EXAMPLES
