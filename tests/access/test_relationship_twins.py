"""Property: each relationship the access layer reads has a SQL twin for lists that agrees with
the single answer, in random worlds in a real database.

- care: `CareAssignment.is_active_at` (Python), `in_care` and `in_care_clause` (SQL, one pair)
  and `subjects_in_care` (SQL, a list) say the same of every worker and person;
- risk concerns: the clinician's list (`risk.for_clinician`, SQL) holds exactly the concerns
  that `access.objects.decide_concern` lets them read as care team or co-signer;
- support agreements: what a worker or a supervisor lists (`agreements.listed_for`, SQL) is
  permitted by `access.objects.decide_agreement`, and names every pair it permits.
And the request's `Relationships` forgets what it read once a relationship row is written.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.access.map import ObjectKind, access_map
from peernotes.access.objects import (
    AgreementFacts,
    ConcernFacts,
    Relation,
    decide_agreement,
    decide_concern,
)
from peernotes.access.relationships import (
    in_care,
    relationships,
    subjects_in_care,
    supervisor_of,
)
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment
from peernotes.db import Database, utcnow
from peernotes.risk import service as risk
from peernotes.risk.models import RiskConcern
from peernotes.supervision.models import Supervision
from peernotes.workforce.agreements import service as agreements
from peernotes.workforce.agreements.models import SupportAgreement
from tests.access.worlds import hold_in_random_worlds

EXAMPLES = 40
REQUEST = "0" * 32

# Days relative to today: starts, ends (None: open), ended early (None: not ended).
assignment = st.tuples(
    st.integers(0, 3),  # worker index
    st.integers(0, 2),  # person index
    st.integers(-40, 3),  # starts_on, days from today
    st.one_of(st.none(), st.integers(-5, 5)),  # ends_on
    st.one_of(st.none(), st.integers(-3, 2)),  # ended_at, days from now
)
world = st.fixed_dictionaries(
    {
        "assignments": st.lists(assignment, max_size=8),
        "concerns": st.lists(
            st.tuples(
                st.integers(0, 2),  # about
                st.sampled_from([1, 3]),  # raised by (a peer worker: only they raise)
                st.one_of(st.none(), st.integers(0, 3)),  # co-signer (a worker index)
                st.booleans(),  # delayed
            ),
            max_size=5,
        ),
        "supervisions": st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 3), st.booleans()), max_size=4
        ),
        # Agreements are peer work: their worker is a peer worker (index 1 or 3).
        "agreements": st.lists(st.tuples(st.sampled_from([1, 3]), st.integers(0, 2)), max_size=4),
        "inactive": st.sets(st.integers(0, 3), max_size=1),
    }
)
WORKER_ROLES = [
    Role.CLINICIAN,
    Role.CONSUMER_PEER_WORKER,
    Role.CLINICIAN,
    Role.CONSUMER_PEER_WORKER,
]


def _build(db: Session, w: dict) -> tuple[list[User], list[User]]:  # type: ignore[type-arg]
    tag = uuid.uuid4().hex[:8]

    def person(role: Role, i: int) -> User:
        user = User(
            email=f"{tag}-{i}@w.example", display_name=f"P{i}", role=role, password_hash="x"
        )
        db.add(user)
        return user

    workers = [person(role, i) for i, role in enumerate(WORKER_ROLES)]
    people = [person(Role.CONSUMER, 10 + i) for i in range(3)]
    db.flush()
    for i in w["inactive"]:
        workers[i].active = False
    now = utcnow()
    today = now.date()
    for worker_i, person_i, starts, ends, ended in w["assignments"]:
        if ends is not None and ends < starts:
            ends = starts  # the table refuses an end before the start
        db.add(
            CareAssignment(
                worker_id=workers[worker_i].id,
                subject_id=people[person_i].id,
                created_by_id=workers[0].id,
                starts_on=today + timedelta(days=starts),
                ends_on=None if ends is None else today + timedelta(days=ends),
                ended_at=None if ended is None else now + timedelta(days=ended),
            )
        )
    for worker_i, supervisor_i, current in w["supervisions"]:
        db.add(
            Supervision(
                worker_id=workers[worker_i].id,
                supervisor_id=workers[supervisor_i].id,
                started_at=now - timedelta(days=10),
                ended_at=None if current else now - timedelta(days=1),
            )
        )
    for about_i, raiser_i, cosigner_i, delayed in w["concerns"]:
        db.add(
            RiskConcern(
                subject_id=people[about_i].id,
                raised_by_id=workers[raiser_i].id,
                ciphertext=b"-",
                cosigner_id=None if cosigner_i is None else workers[cosigner_i].id,
                delay_until=now + timedelta(hours=1) if delayed else None,
            )
        )
    for n, (worker_i, person_i) in enumerate(w["agreements"]):
        db.add(
            SupportAgreement(
                worker_id=workers[worker_i].id,
                subject_id=people[person_i].id,
                version=n + 1,
                methods=["phone"],
                days=[0],
                starts_at=now.time().replace(hour=9, minute=0, second=0, microsecond=0),
                ends_at=now.time().replace(hour=17, minute=0, second=0, microsecond=0),
                community_contact=False,
                review_on=date(today.year + 1, 1, 1),
                created_by_id=workers[worker_i].id,
                created_at=now,
                worker_confirmed_at=now,
                subject_confirmed_at=now,
            )
        )
    db.flush()
    return workers, people


def _by(user: User) -> By:
    return By(user.id, user.role, REQUEST)


def test_care_has_one_answer_single_list_and_cached(empty_database_url: str) -> None:
    def check_world(db: Session, workers: list[User], people: list[User]) -> None:
        at = utcnow()
        rows = db.scalars(select(CareAssignment)).all()
        for worker in workers:
            listed = set(db.scalars(subjects_in_care(worker.id, at)))
            rel = relationships(db, _by(worker))
            for subject in people:
                python = any(
                    a.is_active_at(at)
                    for a in rows
                    if a.worker_id == worker.id and a.subject_id == subject.id
                )
                assert in_care(db, worker.id, subject.id, at) is python
                assert (subject.id in listed) is python
                assert rel.in_care(subject.id) is python

    hold_in_random_worlds(empty_database_url, world, _build, check_world, EXAMPLES)


def test_a_clinicians_concern_list_is_what_decide_concern_permits(empty_database_url: str) -> None:
    def check_world(db: Session, workers: list[User], people: list[User]) -> None:
        now = utcnow()
        concerns = db.scalars(select(RiskConcern)).all()
        for worker in workers:
            if worker.role is not Role.CLINICIAN:
                continue
            lists = risk.for_clinician(db, _by(worker))
            listed = {c.id for c in lists.waiting + lists.others}
            rel = relationships(db, _by(worker))
            # The list is what they read by duty of care: as care team, or as co-signer.
            permitted = {
                c.id
                for c in concerns
                if decide_concern(
                    ConcernFacts(
                        actor_id=worker.id,
                        actor_role=worker.role,
                        subject_id=c.subject_id,
                        raised_by_id=c.raised_by_id,
                        cosigner_id=c.cosigner_id,
                        delayed=risk.delay_in_force(c, now),
                        in_care=rel.in_care(c.subject_id),
                    )
                ).relation
                in (Relation.CARE_TEAM, Relation.COSIGNER)
            }
            assert listed == permitted

    hold_in_random_worlds(empty_database_url, world, _build, check_world, EXAMPLES)


def test_listed_agreements_are_what_decide_agreement_permits(empty_database_url: str) -> None:
    def check_world(db: Session, workers: list[User], people: list[User]) -> None:
        rows = db.scalars(select(SupportAgreement)).all()
        today = utcnow().date()
        by_id = {a.id: a for a in rows}
        for worker in workers:
            # The list shows each pair's newest version and the one in force, not every
            # version: so it is compared pair by pair, and each row it shows is permitted.
            listed = {a.id for a in agreements.listed_for(db, _by(worker), today)}
            rel = relationships(db, _by(worker))
            permitted = {
                a.id
                for a in rows
                if decide_agreement(
                    AgreementFacts(
                        actor_id=worker.id,
                        actor_role=worker.role,
                        worker_id=a.worker_id,
                        subject_id=a.subject_id,
                        in_care=worker.id == a.worker_id and rel.in_care(a.subject_id),
                        supervises_worker=supervisor_of(db, a.worker_id) == worker.id,
                    )
                ).permitted
            }
            assert listed <= permitted

            def pairs(ids: set[int]) -> set[tuple[int, int]]:
                return {(by_id[i].worker_id, by_id[i].subject_id) for i in ids}

            assert pairs(listed) == pairs(permitted)

    hold_in_random_worlds(empty_database_url, world, _build, check_world, EXAMPLES)


def test_the_request_forgets_its_facts_when_a_relationship_is_written(
    empty_database_url: str,
) -> None:
    database = Database(empty_database_url, audit_key=lambda: b"k" * 32)
    with database.session() as db:
        workers, people = _build(
            db,
            {
                "assignments": [],
                "concerns": [],
                "supervisions": [],
                "agreements": [],
                "inactive": set(),
            },
        )
        worker, subject = workers[1], people[0]
        first = relationships(db, _by(worker))
        assert first.in_care(subject.id) is False
        assert relationships(db, _by(worker)) is first  # one read per request
        db.add(
            CareAssignment(
                worker_id=worker.id,
                subject_id=subject.id,
                created_by_id=workers[0].id,
                starts_on=utcnow().date(),
            )
        )
        db.flush()
        again = relationships(db, _by(worker))
        assert again is not first
        assert again.in_care(subject.id) is True
        db.rollback()
    database.engine.dispose()


def test_the_map_of_concerns_and_agreements_is_what_their_deciders_permit(
    empty_database_url: str,
) -> None:
    def check_world(db: Session, workers: list[User], people: list[User]) -> None:
        at = utcnow()
        concerns = db.scalars(select(RiskConcern)).all()
        rows = db.scalars(select(SupportAgreement)).all()
        for subject in people:
            mapped = {row.person_id: row.objects for row in access_map(db, subject.id, at)}
            for person in workers:
                rel = relationships(db, _by(person))
                concern_ok = any(
                    decide_concern(
                        ConcernFacts(
                            person.id,
                            person.role,
                            c.subject_id,
                            c.raised_by_id,
                            c.cosigner_id,
                            c.delayed_at(at),
                            person.role is Role.CLINICIAN and rel.in_care(subject.id),
                        )
                    ).permitted
                    for c in concerns
                    # The map is the subject's picture: a concern not yet told is not in it.
                    if c.subject_id == subject.id and not c.delayed_at(at)
                )
                agreement_ok = any(
                    decide_agreement(
                        AgreementFacts(
                            person.id,
                            person.role,
                            a.worker_id,
                            a.subject_id,
                            person.id == a.worker_id and rel.in_care(subject.id),
                            person.role is Role.CLINICIAN
                            and supervisor_of(db, a.worker_id) == person.id,
                        )
                    ).permitted
                    for a in rows
                    if a.subject_id == subject.id
                )
                got = mapped.get(person.id, {})
                assert (ObjectKind.RISK_CONCERNS in got) is concern_ok
                assert (ObjectKind.SUPPORT_AGREEMENTS in got) is agreement_ok
                assert all(d.permitted for d in got.values())

    hold_in_random_worlds(empty_database_url, world, _build, check_world, EXAMPLES)
