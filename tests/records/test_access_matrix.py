"""The access matrix against a real database: every case a world of rows, read through
`records.service` and checked against the declarative table in `tests/access_policy.py`.

Axes: 7 roles x consent none/granted/revoked/expired x the 7 record categories x care
assignment active/ended x training current/lapsed x safety flag on/off x emergency access
none/active/expired: 4,704 cases. `peer_notes` is the eighth category: the record service
refuses entries of it, and peer notes (their own store and service) arrive in a later issue, so
only the pure matrix (`tests/unit/test_decision_matrix.py`) covers it for now.

Every case gets its own actor and its own consumer, so one database holds every world; the
worlds are bulk-inserted once for the module. Per case, the actor reads the one entry in that
consumer's record (written by a third clinician) with `read_entry`, and the test checks:
 - a permit returns the entry, decrypted, with its body; a deny raises `NotFound`;
 - exactly one access-log entry was written: record:read, allowed or denied, the expected
   basis (`consent:<that provision>`, `care_assignment`, `emergency:<that row>`) or reason,
   the subject, target record_entry:<id>, the actor's id and role, this request's id;
 - `list_entries` (the SQL twin) lists the entry exactly when it is permitted.
Each case runs in its own transaction and rolls it back, so no case sees another's log entries.

The rows are the ones the services write: a revocation is a newer directive version without
the provision, as `consent.revoke` writes it (a test below holds the builder and the service to
the same rows), and an ended assignment has `ended_at` set, as `end_assignment` sets it. On
purpose, the matrix also builds rows that the services would refuse to create: an assignment or
a break-the-glass row for a role that cannot have one, a grant to an auditor. The decision must
not lean on those input checks.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from peernotes import create_app
from peernotes.access.decision import RECORD_CATEGORIES, Act, Category, GranteeKind
from peernotes.audit.models import AuditEntry
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment, CarerNomination
from peernotes.consent import service as consent
from peernotes.consent.models import ConsentDirective, ConsentProvision, ConsentProvisionCategory
from peernotes.crypto.keys import master_key_id, new_data_key, seal, wrap_data_key
from peernotes.crypto.models import DataKey
from peernotes.db import MASTER_KEY_SOURCE, Database, get_database, utcnow
from peernotes.emergency.models import EmergencyAccess
from peernotes.flags.models import FlagKind, SafetyFlag
from peernotes.records import service as records
from peernotes.records.models import RecordEntry, RecordRevision, RevisionKind
from peernotes.training.models import TrainingModule, TrainingRecord
from tests.access_policy import CONSENT, EMERGENCY, expected
from tests.conftest import Templates, _config, _copy_database, _drop_database


class Case(NamedTuple):
    role: Role
    consent: str
    category: Category
    assigned: bool
    trained: bool
    flag: bool
    emergency: str

    @property
    def id(self) -> str:
        return "-".join(
            (
                self.role.value,
                f"consent_{self.consent}",
                self.category.value,
                "assigned" if self.assigned else "assignment_ended",
                "trained" if self.trained else "training_lapsed",
                "flag" if self.flag else "no_flag",
                f"emergency_{self.emergency}",
            )
        )


CASES = [
    Case(*axes)
    for axes in itertools.product(
        Role, CONSENT, RECORD_CATEGORIES, (True, False), (True, False), (True, False), EMERGENCY
    )
]


@dataclass(frozen=True)
class World:
    """The rows of one case that the checks refer to."""

    index: int
    actor_id: int
    subject_id: int
    entry_id: int
    title: str
    body: str
    #: The provision naming the actor (None when consent is "none").
    provision_id: int | None
    #: The break-the-glass row (None when emergency is "none").
    emergency_id: int | None


@dataclass(frozen=True)
class Matrix:
    database: Database
    worlds: dict[Case, World] = field(repr=False)


# Building every world in one go ------------------------------------------------------------


def _insert(db: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-insert `rows` and return their new ids, in the order given."""
    if not rows:
        return []
    ids = db.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return list(ids)


def _build(db: Session, now: datetime) -> dict[Case, World]:
    tag = uuid.uuid4().hex[:8]
    day = timedelta(days=1)

    def person(role: Role, name: str) -> dict[str, Any]:
        return {
            "email": f"{name}-{tag}@matrix.example",
            "display_name": name,
            "role": role,
            "password_hash": "x",
        }

    coordinator, author = _insert(
        db,
        User,
        [person(Role.ADMIN, "coordinator"), person(Role.CLINICIAN, "author")],
    )
    actors = _insert(db, User, [person(c.role, f"actor{i}") for i, c in enumerate(CASES)])
    subjects = _insert(db, User, [person(Role.CONSUMER, f"consumer{i}") for i in range(len(CASES))])

    # Care assignments: active, or ended early the way `end_assignment` ends one.
    start = (now - 60 * day).date()
    ended = now - day
    db.execute(
        insert(CareAssignment),
        [
            {
                "worker_id": actor,
                "subject_id": subject,
                "starts_on": start,
                "ends_on": None if case.assigned else max(ended.date(), start),
                "ended_at": None if case.assigned else ended,
                "created_by_id": coordinator,
                "created_at": now - 60 * day,
            }
            for case, actor, subject in zip(CASES, actors, subjects, strict=True)
        ],
    )
    # Training in all three modules: current, or every one expired.
    today = now.date()
    db.execute(
        insert(TrainingRecord),
        [
            {
                "user_id": actor,
                "module": module,
                "completed_on": today - (100 * day if case.trained else 400 * day),
                "expires_on": today + 265 * day if case.trained else today - 35 * day,
                "recorded_by_id": coordinator,
            }
            for case, actor in zip(CASES, actors, strict=True)
            for module in TrainingModule
        ],
    )
    flags = [
        {
            "subject_id": subject,
            "kind": FlagKind.SERIOUS_HARM,
            "reason": "matrix: a flag on this consumer",
            "set_by_id": author,
            "set_at": now - day,
        }
        for case, subject in zip(CASES, subjects, strict=True)
        if case.flag
    ]
    db.execute(insert(SafetyFlag), flags)
    # A carer is nominated by the consumer (the only role that can be).
    db.execute(
        insert(CarerNomination),
        [
            {
                "consumer_id": subject,
                "carer_id": actor,
                "relationship_label": "parent",
                "created_at": now - 90 * day,
            }
            for case, actor, subject in zip(CASES, actors, subjects, strict=True)
            if case.role is Role.CARER
        ],
    )
    emergency_cases = [i for i, case in enumerate(CASES) if case.emergency != "none"]
    emergency_ids = _insert(
        db,
        EmergencyAccess,
        [
            {
                "clinician_id": actors[i],
                "subject_id": subjects[i],
                "reason": "matrix: urgent review in the emergency department",
                "starts_at": now - timedelta(hours=1) if active else now - 2 * day,
                "ends_at": now + timedelta(hours=4)
                if active
                else now - 2 * day + timedelta(hours=4),
            }
            for i in emergency_cases
            for active in [CASES[i].emergency == "active"]
        ],
    )
    emergency_of = dict(zip(emergency_cases, emergency_ids, strict=True))

    provision_of = _build_consent(db, now, actors, subjects)
    entry_ids, texts = _build_entries(db, now, author, subjects)

    return {
        case: World(
            index=i,
            actor_id=actors[i],
            subject_id=subjects[i],
            entry_id=entry_ids[i],
            title=texts[i][0],
            body=texts[i][1],
            provision_id=provision_of.get(i),
            emergency_id=emergency_of.get(i),
        )
        for i, case in enumerate(CASES)
    }


def _build_consent(
    db: Session, now: datetime, actors: list[int], subjects: list[int]
) -> dict[int, int]:
    """Directive versions and provisions; returns the provision naming each case's actor.

    granted: version 1 holds a read provision for the actor, valid now.
    revoked: the same version 1, then version 2 without it (as `consent.revoke` writes it).
    expired: version 1 holds the provision, whose validity ended a month ago.
    """
    day = timedelta(days=1)
    with_consent = [i for i, case in enumerate(CASES) if case.consent != "none"]
    first = _insert(
        db,
        ConsentDirective,
        [
            {
                "subject_id": subjects[i],
                "version": 1,
                "created_by_id": subjects[i],
                "created_at": now - (90 if CASES[i].consent == "expired" else 30) * day,
            }
            for i in with_consent
        ],
    )
    revoked = [i for i in with_consent if CASES[i].consent == "revoked"]
    db.execute(
        insert(ConsentDirective),
        [
            {
                "subject_id": subjects[i],
                "version": 2,
                "created_by_id": subjects[i],
                "created_at": now - 2 * day,
            }
            for i in revoked
        ],
    )

    def validity(consent_state: str) -> tuple[datetime, datetime]:
        if consent_state == "expired":
            return now - 90 * day, now - 30 * day
        return now - 30 * day, now + 60 * day

    provisions = _insert(
        db,
        ConsentProvision,
        [
            {
                "directive_id": directive,
                "grantee_kind": GranteeKind.PERSON,
                "person_id": actors[i],
                "role": None,
                "team_id": None,
                "act": Act.READ,
                "purpose": "matrix: so they can support me",
                "valid_from": validity(CASES[i].consent)[0],
                "valid_until": validity(CASES[i].consent)[1],
            }
            for i, directive in zip(with_consent, first, strict=True)
        ],
    )
    db.execute(
        insert(ConsentProvisionCategory),
        [
            {"provision_id": provision, "category": CASES[i].category}
            for i, provision in zip(with_consent, provisions, strict=True)
        ],
    )
    return dict(zip(with_consent, provisions, strict=True))


def _build_entries(
    db: Session, now: datetime, author: int, subjects: list[int]
) -> tuple[list[int], list[tuple[str, str]]]:
    """One encrypted entry per consumer, in that case's category, as `write_entry` stores it."""
    master = db.info[MASTER_KEY_SOURCE]()
    keys = [new_data_key() for _ in subjects]
    db.execute(
        insert(DataKey),
        [
            {
                "subject_id": subject,
                "master_key_id": master_key_id(master),
                "wrapped_key": wrap_data_key(master, subject, key),
            }
            for subject, key in zip(subjects, keys, strict=True)
        ],
    )
    created = now - timedelta(days=1)
    entry_ids = _insert(
        db,
        RecordEntry,
        [
            {
                "subject_id": subject,
                "category": case.category,
                "author_id": author,
                "created_at": created,
                "latest_revision": 1,
                "entered_in_error": False,
            }
            for case, subject in zip(CASES, subjects, strict=True)
        ],
    )
    texts = [
        (f"{case.category.label} {i}", f"Matrix case {i} ({case.id}): only its readers see this.")
        for i, case in enumerate(CASES)
    ]
    db.execute(
        insert(RecordRevision),
        [
            {
                "entry_id": entry,
                "number": 1,
                "kind": RevisionKind.ORIGINAL,
                "author_id": author,
                "created_at": created,
                # The service's own sealing format, so that `read_entry` opens it as its own.
                "ciphertext": seal(
                    key, records._payload(title, body, ""), records._aad(entry, 1, subject)
                ),
            }
            for entry, subject, key, (title, body) in zip(
                entry_ids, subjects, keys, texts, strict=True
            )
        ],
    )
    return entry_ids, texts


@pytest.fixture(scope="module")
def matrix(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    tmp = tmp_path_factory.mktemp("access-matrix")
    url, token = _copy_database(templates.empty, tmp)
    app = create_app(_config(url, Path(tmp)))
    database = get_database(app)
    with database.session() as db:
        worlds = _build(db, utcnow())
        db.commit()
    yield Matrix(database, worlds)
    database.engine.dispose()
    _drop_database(token)


# The checks -------------------------------------------------------------------------------


def test_the_matrix_is_exhaustive(matrix: Matrix) -> None:
    assert len(CASES) == len(set(CASES)) == 7 * 4 * 7 * 2 * 2 * 2 * 3 == 4_704
    assert set(matrix.worlds) == set(CASES)
    with matrix.database.session() as db:
        assert db.scalar(select(func.count()).select_from(RecordEntry)) == len(CASES)
        assert {c for (c,) in db.execute(select(RecordEntry.category).distinct())} == set(
            RECORD_CATEGORIES
        )


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_access_case(matrix: Matrix, case: Case) -> None:
    world = matrix.worlds[case]
    want = expected(
        case.role,
        case.consent,
        case.assigned,
        case.trained,
        case.flag,
        case.emergency,
        # A row of the world, or an id no permit could cite when there is none.
        provision_id=world.provision_id or -1,
        emergency_id=world.emergency_id or -1,
    )
    request_id = f"matrix-{world.index}"
    actor = By(world.actor_id, case.role, request_id)
    with matrix.database.session() as db:
        try:
            head = db.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0)))
            try:
                view: records.EntryView | None = records.read_entry(
                    db, actor, world.subject_id, world.entry_id
                )
            except records.NotFound:
                view = None
            written = [
                (
                    e.action,
                    e.outcome,
                    e.basis,
                    e.subject_id,
                    e.target_type,
                    e.target_id,
                    e.actor_id,
                    e.actor_role,
                    e.request_id,
                )
                for e in db.scalars(select(AuditEntry).where(AuditEntry.seq > head))
            ]
            listing = records.list_entries(db, actor, world.subject_id)
        finally:
            db.rollback()

    # (1) What the reader got: the entry and its body, or nothing at all.
    if want.permitted:
        assert view is not None, f"denied, expected a permit on {want.basis}"
        assert (view.id, view.subject_id, view.category, view.title, view.body) == (
            world.entry_id,
            world.subject_id,
            case.category,
            world.title,
            world.body,
        )
    else:
        assert view is None, f"permitted, expected a deny for {want.basis}"
    # (2) The one access-log entry that read wrote.
    assert written == [
        (
            "record:read",
            "allowed" if want.permitted else "denied",
            want.basis,
            world.subject_id,
            "record_entry",
            str(world.entry_id),
            world.actor_id,
            case.role.value,
            request_id,
        )
    ]
    # (3) The SQL twin: the list holds the entry exactly when the single read is permitted.
    assert [e.id for e in listing.entries] == ([world.entry_id] if want.permitted else [])


def test_the_builder_writes_what_the_services_write(matrix: Matrix) -> None:
    """A grant then a revocation through `consent.service` leave the same shape of rows as
    the builder's "revoked" worlds: version 1 with the one provision, version 2 without it."""
    case = next(c for c in CASES if c.consent == "revoked" and c.role is Role.CONSUMER_PEER_WORKER)
    built = matrix.worlds[case]
    with matrix.database.session() as db:
        try:
            subject_id, worker_id = _insert(
                db,
                User,
                [
                    {
                        "email": f"{who}-{uuid.uuid4().hex[:8]}@matrix.example",
                        "display_name": who,
                        "role": role,
                        "password_hash": "x",
                    }
                    for who, role in (
                        ("consumer", Role.CONSUMER),
                        ("worker", Role.CONSUMER_PEER_WORKER),
                    )
                ],
            )
            subject = db.get_one(User, subject_id)
            by = By(subject_id, Role.CONSUMER, "matrix-service")
            now = utcnow()
            grant = consent.Grant(
                GranteeKind.PERSON,
                worker_id,
                None,
                None,
                Act.READ,
                frozenset({case.category}),
                "so they can support me",
                now - timedelta(days=1),
                now + timedelta(days=30),
            )
            provision = consent.grant(db, by, subject, grant)
            consent.revoke(db, by, subject, provision.id)
            by_service = _shape(db, subject_id)
            by_builder = _shape(db, built.subject_id)
        finally:
            db.rollback()
    assert by_service == by_builder == [(1, [(Act.READ, [case.category])]), (2, [])]


def _shape(db: Session, subject_id: int) -> list[tuple[int, list[tuple[Act, list[Category]]]]]:
    """Each directive version of a subject with its provisions' act and categories."""
    shape = []
    for directive in db.scalars(
        select(ConsentDirective)
        .where(ConsentDirective.subject_id == subject_id)
        .order_by(ConsentDirective.version)
    ):
        provisions = []
        for provision in db.scalars(
            select(ConsentProvision)
            .where(ConsentProvision.directive_id == directive.id)
            .order_by(ConsentProvision.id)
        ):
            categories = db.scalars(
                select(ConsentProvisionCategory.category)
                .where(ConsentProvisionCategory.provision_id == provision.id)
                .order_by(ConsentProvisionCategory.category)
            ).all()
            provisions.append((provision.act, list(categories)))
        shape.append((directive.version, provisions))
    return shape
