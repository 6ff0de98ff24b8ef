"""Property: the candidates for "notes others share with me" hold everyone `decide()` lets read.

`subjects_decide_may_permit` (one query) may name more people than `decide()` permits (the
notes page asks `decide()` about each), but never fewer: in the random worlds of the SQL-twin
test, for every person and every subject, a permit to read peer notes means the subject is a
candidate. And coordinators and auditors have none.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from peernotes.access.decision import NEVER_CONTENT, Act, Category, Request, decide
from peernotes.access.queries import facts_for, subjects_decide_may_permit
from peernotes.auth.models import User
from peernotes.db import utcnow
from tests.access.worlds import hold_in_random_worlds
from tests.records.test_sql_mirrors_decide import _build, world

EXAMPLES = 50


def test_every_permitted_reader_finds_the_subject_among_the_candidates(
    empty_database_url: str,
) -> None:
    permits = 0

    def check(db: Session, everyone: list[User], subjects: list[User]) -> None:
        nonlocal permits
        at = utcnow()
        for person in everyone:
            candidates = set(
                db.scalars(
                    subjects_decide_may_permit(person.id, person.role, Category.PEER_NOTES, at)
                )
            )
            if person.role in NEVER_CONTENT:
                assert candidates == set(), person.role
            for subject in subjects:
                if subject.id == person.id:
                    continue
                request = Request(
                    person.id, person.role, subject.id, Act.READ, Category.PEER_NOTES, at
                )
                if decide(request, facts_for(db, person.id, subject.id, at)).permitted:
                    permits += 1
                    assert subject.id in candidates, (person.role, subject.role)

    hold_in_random_worlds(empty_database_url, world, _build, check, EXAMPLES)
    assert permits > 0  # the worlds did hold permits to check
