"""Property: the SQL filter for lists returns exactly the entries decide() permits.

Hypothesis builds random worlds (people of every role, care assignments active or ended,
team memberships, consent provisions of every grantee kind and validity, training current or
lapsed, safety flags, carer nominations, emergency access) in a real database, then asks, for
every person, which entries they may read: once through `readable_entries` (SQL) and once
entry by entry through `decide()` with the facts read for that pair.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.access.decision import Act, Category, GranteeKind, Request, decide
from peernotes.access.queries import facts_for, readable_entries
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment, CarerNomination, Team, TeamMembership
from peernotes.consent.models import ConsentDirective, ConsentProvision, ConsentProvisionCategory
from peernotes.db import Database, utcnow
from peernotes.emergency.models import EmergencyAccess
from peernotes.flags.models import FlagKind, SafetyFlag
from peernotes.records.models import RecordEntry
from peernotes.training.models import TrainingModule, TrainingRecord

EXAMPLES = 60
ROLES = list(Role)
# A few categories and mostly-valid read grants, so that grants and entries meet often.
CATEGORIES = [Category.CARE_PLAN, Category.MEDICATION, Category.PEER_NOTES]

world = st.fixed_dictionaries(
    {
        "roles": st.lists(st.sampled_from(ROLES), min_size=4, max_size=7),
        "consumers": st.integers(1, 2),
        # Whose information it is: mostly consumers, and carers (their consent covers their
        # carer-support notes, and the rules are the same ones).
        "subject_roles": st.lists(
            st.sampled_from([Role.CONSUMER, Role.CONSUMER, Role.CARER]), min_size=2, max_size=2
        ),
        "entries": st.lists(
            st.tuples(st.integers(0, 1), st.sampled_from(CATEGORIES), st.integers(0, 6)),
            min_size=2, max_size=8,
        ),
        "assignments": st.lists(
            st.tuples(st.integers(0, 6), st.integers(0, 1), st.booleans()), max_size=6
        ),
        "teams": st.lists(st.integers(0, 6), max_size=4),
        "provisions": st.lists(
            st.tuples(
                st.integers(0, 1),  # whose consent
                st.sampled_from(list(GranteeKind)),
                st.integers(0, 6),  # person index (for person grants)
                st.sampled_from(ROLES),  # role (for role grants)
                st.sampled_from([Act.READ, Act.READ, Act.CONTRIBUTE]),
                st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=3),
                st.sampled_from(["valid", "valid", "expired", "future"]),
            ),
            min_size=1,
            max_size=6,
        ),
        "trained": st.sets(st.integers(0, 6)),
        "flagged": st.sets(st.integers(0, 1)),
        "nominated": st.lists(st.tuples(st.integers(0, 1), st.integers(0, 6)), max_size=3),
        "emergency": st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1), st.booleans()), max_size=3),
    }
)


def _build(db: Session, w: dict) -> tuple[list[User], list[User]]:  # type: ignore[type-arg]
    tag = uuid.uuid4().hex[:8]
    def person(role: Role, i: int) -> User:
        user = User(email=f"{tag}-{i}@w.example", display_name=f"P{i}", role=role, password_hash="x")
        db.add(user)
        return user
    consumers = [person(w["subject_roles"][i], 100 + i) for i in range(w["consumers"])]
    people = [person(role, i) for i, role in enumerate(w["roles"])]
    db.flush()
    now = utcnow()
    admin = people[0]

    def pick(index: int) -> User:
        return people[index % len(people)]

    def subject(index: int) -> User:
        return consumers[index % len(consumers)]

    for worker_i, subject_i, active in w["assignments"]:
        worker, subj = pick(worker_i), subject(subject_i)
        if worker.id == subj.id:
            continue
        db.add(CareAssignment(
            worker_id=worker.id, subject_id=subj.id, created_by_id=admin.id,
            starts_on=(now - timedelta(days=30)).date(),
            ends_on=None if active else (now - timedelta(days=2)).date(),
        ))
    team = Team(name=f"team-{tag}")
    db.add(team)
    db.flush()
    for member_i in w["teams"]:
        db.add(TeamMembership(team_id=team.id, user_id=pick(member_i).id, joined_at=now - timedelta(days=5)))
    directives: dict[int, ConsentDirective] = {}
    for owner_i, kind, person_i, role, act, categories, validity in w["provisions"]:
        owner = subject(owner_i)
        if owner.id not in directives:
            directives[owner.id] = ConsentDirective(subject_id=owner.id, version=1, created_by_id=owner.id, created_at=now - timedelta(days=1))
            db.add(directives[owner.id])
            db.flush()
        start, end = {
            "valid": (now - timedelta(days=1), now + timedelta(days=1)),
            "expired": (now - timedelta(days=3), now - timedelta(days=1)),
            "future": (now + timedelta(days=1), now + timedelta(days=3)),
        }[validity]
        provision = ConsentProvision(
            directive_id=directives[owner.id].id, grantee_kind=kind,
            person_id=pick(person_i).id if kind is GranteeKind.PERSON else None,
            role=role if kind is GranteeKind.ROLE else None,
            team_id=team.id if kind is GranteeKind.TEAM else None,
            act=act, valid_from=start, valid_until=end,
        )
        db.add(provision)
        db.flush()
        for category in categories:
            db.add(ConsentProvisionCategory(provision_id=provision.id, category=category))
    for person_i in w["trained"]:
        for module in TrainingModule:
            db.add(TrainingRecord(user_id=pick(person_i).id, module=module, completed_on=(now - timedelta(days=10)).date(), expires_on=(now + timedelta(days=10)).date(), recorded_by_id=admin.id))
    for subject_i in w["flagged"]:
        db.add(SafetyFlag(subject_id=subject(subject_i).id, kind=FlagKind.SERIOUS_HARM, set_by_id=admin.id, set_at=now - timedelta(hours=1)))
    for subject_i, carer_i in w["nominated"]:
        db.add(CarerNomination(consumer_id=subject(subject_i).id, carer_id=pick(carer_i).id, created_at=now - timedelta(days=1)))
    for clinician_i, subject_i, active in w["emergency"]:
        ends = now + timedelta(hours=2) if active else now - timedelta(minutes=5)
        db.add(EmergencyAccess(clinician_id=pick(clinician_i).id, subject_id=subject(subject_i).id, starts_at=now - timedelta(hours=3), ends_at=ends))
    for subject_i, category, author_i in w["entries"]:
        db.add(RecordEntry(subject_id=subject(subject_i).id, category=category, author_id=pick(author_i).id))
    db.flush()
    return people + consumers, consumers


def test_sql_filter_matches_decide(empty_database_url: str) -> None:
    database = Database(empty_database_url, audit_key=lambda: b"k" * 32)
    examples = 0

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(w=world)
    def check(w: dict) -> None:  # type: ignore[type-arg]
        nonlocal examples
        examples += 1
        with database.session() as db:
            everyone, _ = _build(db, w)
            at = utcnow()
            entries = db.scalars(select(RecordEntry)).all()
            for actor in everyone:
                by_sql = set(db.scalars(select(RecordEntry.id).where(readable_entries(actor.id, actor.role, at))))
                by_decide = {
                    e.id
                    for e in entries
                    if decide(
                        Request(actor.id, actor.role, e.subject_id, Act.READ, e.category, at, e.author_id),
                        facts_for(db, actor.id, e.subject_id, at),
                    ).permitted
                }
                assert by_sql == by_decide, (actor.role, by_sql ^ by_decide)
            db.rollback()  # each world is built and thrown away inside one transaction

    check()
    database.engine.dispose()
    assert examples >= EXAMPLES
