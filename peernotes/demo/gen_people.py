"""The generated service's people and how they are connected: accounts, teams, caseloads,
carers, training, keys and two-step sign-in, written in bulk.

Everyone is numbered, so that a benchmark knows whom to sign in as: consumers
`c00001@gen.peernotes.example` …, carers `k00001@…`, staff `w0001@…` (consumer peer workers
first, so `w0001` is one, then carer peer workers, clinicians, the coordinator, the auditor).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from peernotes.auth.models import User
from peernotes.auth.roles import MFA_REQUIRED_ROLES, Role
from peernotes.care.models import CareAssignment, CarerNomination, Team, TeamMembership
from peernotes.crypto.keyring import Keyring
from peernotes.crypto.keys import new_data_key, seal, wrap_data_key
from peernotes.crypto.models import DataKey
from peernotes.demo import gen_words as words
from peernotes.demo.bulk import Bulk
from peernotes.demo.loader import demo_totp_secret
from peernotes.mfa.models import MfaEnrolment, secret_aad
from peernotes.training.models import TrainingModule, TrainingRecord

GEN_DOMAIN = "gen.peernotes.example"
#: Consumers per consumer peer worker (a full caseload), per clinician, per carer peer worker.
CASELOAD = 25
PER_CLINICIAN = 50
#: One consumer in this many has a carer.
CARER_EVERY = 5
STAFF_PER_TEAM = 10


def consumer_email(index: int) -> str:
    """The sign-in name of consumer `index` (1-based)."""
    return f"c{index:05d}@{GEN_DOMAIN}"


def worker_email(index: int) -> str:
    """The sign-in name of staff member `index` (1-based)."""
    return f"w{index:04d}@{GEN_DOMAIN}"


def carer_email(index: int) -> str:
    return f"k{index:05d}@{GEN_DOMAIN}"


def _ceil(a: int, b: int) -> int:
    return max(1, -(-a // b))


@dataclass
class World:
    """Ids of everyone, by kind, and who supports whom."""

    now: datetime
    admin: int = 0
    auditor: int = 0
    consumers: list[int] = field(default_factory=list)
    carers: list[int] = field(default_factory=list)
    peer_workers: list[int] = field(default_factory=list)
    carer_peer_workers: list[int] = field(default_factory=list)
    clinicians: list[int] = field(default_factory=list)
    teams: list[int] = field(default_factory=list)
    #: Each consumer's (or carer's) current worker: peer worker, or carer peer worker.
    worker_of: dict[int, int] = field(default_factory=dict)
    clinician_of: dict[int, int] = field(default_factory=dict)
    #: A consumer's carer, and a carer's consumer.
    carer_of: dict[int, int] = field(default_factory=dict)
    consumer_of: dict[int, int] = field(default_factory=dict)
    team_of: dict[int, int] = field(default_factory=dict)
    first_name: dict[int, str] = field(default_factory=dict)
    role_of: dict[int, Role] = field(default_factory=dict)
    #: Peer workers whose training has lapsed (consent no longer lets them read).
    lapsed: set[int] = field(default_factory=set)
    #: Each person's data key (sealed about them), created here.
    data_keys: dict[int, bytes] = field(default_factory=dict)


def build_people(
    bulk: Bulk, rng: random.Random, consumers: int, password_hash: str, now: datetime
) -> World:
    world = World(now=now)
    n_peer = _ceil(consumers, CASELOAD)
    n_carers = consumers // CARER_EVERY
    n_cpw = _ceil(n_carers, CASELOAD) if n_carers else 0
    n_clin = _ceil(consumers, PER_CLINICIAN)
    long_ago = now - timedelta(days=900)
    users: list[tuple[object, ...]] = []
    next_id = bulk.next_id(User.__table__)  # type: ignore[arg-type]

    def add(email: str, role: Role) -> int:
        nonlocal next_id
        uid, next_id = next_id, next_id + 1
        name = words.name_of(rng)
        world.first_name[uid] = name.split()[0]
        world.role_of[uid] = role
        users.append((uid, email, name, role.value, password_hash, True, False, long_ago, long_ago))
        return uid

    staff = 0

    def add_staff(role: Role) -> int:
        nonlocal staff
        staff += 1
        return add(worker_email(staff), role)

    world.peer_workers = [add_staff(Role.CONSUMER_PEER_WORKER) for _ in range(n_peer)]
    world.carer_peer_workers = [add_staff(Role.CARER_PEER_WORKER) for _ in range(n_cpw)]
    world.clinicians = [add_staff(Role.CLINICIAN) for _ in range(n_clin)]
    world.admin = add_staff(Role.ADMIN)
    world.auditor = add_staff(Role.AUDITOR)
    world.consumers = [add(consumer_email(i + 1), Role.CONSUMER) for i in range(consumers)]
    world.carers = [add(carer_email(i + 1), Role.CARER) for i in range(n_carers)]
    bulk.insert(
        User.__table__,  # type: ignore[arg-type]
        (
            "id",
            "email",
            "display_name",
            "role",
            "password_hash",
            "active",
            "must_change_password",
            "created_at",
            "password_changed_at",
        ),  # fmt: skip
        users,
    )
    _teams(bulk, world, long_ago)
    _caseloads(bulk, rng, world)
    _training(bulk, rng, world)
    return world


def _teams(bulk: Bulk, world: World, long_ago: datetime) -> None:
    staff = world.peer_workers + world.carer_peer_workers + world.clinicians
    first = bulk.next_id(Team.__table__)  # type: ignore[arg-type]
    count = _ceil(len(staff), STAFF_PER_TEAM)
    world.teams = list(range(first, first + count))
    bulk.insert(
        Team.__table__,  # type: ignore[arg-type]
        ("id", "name", "description", "created_at"),
        [(t, f"Community team {i + 1}", "Generated", long_ago) for i, t in enumerate(world.teams)],
    )
    rows = []
    for i, person in enumerate(staff):
        team = world.teams[i * count // len(staff)]
        world.team_of[person] = team
        rows.append((team, person, long_ago, None))
    bulk.insert(
        TeamMembership.__table__,  # type: ignore[arg-type]
        ("team_id", "user_id", "joined_at", "left_at"),
        rows,
    )


def _caseloads(bulk: Bulk, rng: random.Random, world: World) -> None:
    """Consumer i goes to peer worker i // 25 (so w0001's caseload is full and holds c00001)
    and to a clinician; every fifth consumer has a carer, supported by a carer peer worker.
    Some consumers also had an earlier episode of care, which has ended."""
    now = world.now
    start = (now - timedelta(days=730)).date()
    rows: list[tuple[object, ...]] = []

    def assign(worker: int, subject: int, starts: date, ends: date | None) -> None:
        rows.append(
            (worker, subject, world.team_of.get(worker), starts, ends, None, now, world.admin)
        )

    n = len(world.consumers)
    for i, consumer in enumerate(world.consumers):
        worker = world.peer_workers[i * len(world.peer_workers) // n]
        clinician = world.clinicians[i * len(world.clinicians) // n]
        world.worker_of[consumer] = worker
        world.clinician_of[consumer] = clinician
        if i > 0 and rng.random() < 0.1:
            # An earlier episode of care, ended: with whichever peer worker was free then.
            earlier = rng.choice(world.peer_workers[:3])
            assign(earlier, consumer, start - timedelta(days=400), start - timedelta(days=100))
        assign(worker, consumer, start, None)
        assign(clinician, consumer, start, None)
    nominations = []
    for j, carer in enumerate(world.carers):
        # Every fifth consumer from the second on (there are n // 5 carers, so it exists).
        consumer = world.consumers[j * CARER_EVERY + 1]
        world.carer_of[consumer] = carer
        world.consumer_of[carer] = consumer
        cpw = world.carer_peer_workers[j * len(world.carer_peer_workers) // len(world.carers)]
        world.worker_of[carer] = cpw
        assign(cpw, carer, start, None)
        label = rng.choice(words.RELATIONSHIPS)
        nominations.append((consumer, carer, label, now - timedelta(days=700), None))
    bulk.insert(
        CareAssignment.__table__,  # type: ignore[arg-type]
        (
            "worker_id",
            "subject_id",
            "team_id",
            "starts_on",
            "ends_on",
            "ended_at",
            "created_at",
            "created_by_id",
        ),  # fmt: skip
        rows,
    )
    bulk.insert(
        CarerNomination.__table__,  # type: ignore[arg-type]
        ("consumer_id", "carer_id", "relationship_label", "created_at", "ended_at"),
        nominations,
    )


def _training(bulk: Bulk, rng: random.Random, world: World) -> None:
    """Every peer worker trained; one in twenty (never w0001) has let it lapse."""
    today = world.now.date()
    rows = []
    for k, worker in enumerate(world.peer_workers + world.carer_peer_workers):
        lapsed = k > 0 and rng.random() < 0.05
        if lapsed:
            world.lapsed.add(worker)
        done = today - timedelta(days=400 if lapsed else 100)
        for module in TrainingModule:
            rows.append(
                (worker, module.value, done, done + timedelta(days=365), world.admin, world.now)
            )
    bulk.insert(
        TrainingRecord.__table__,  # type: ignore[arg-type]
        ("user_id", "module", "completed_on", "expires_on", "recorded_by_id", "created_at"),
        rows,
    )


def data_keys(bulk: Bulk, keyring: Keyring, world: World, people: list[int]) -> None:
    """A data key for each of `people`, wrapped by the newest master key, as the app creates
    them on first use (`peernotes.crypto.sealing`)."""
    key_id, master = keyring.newest()
    rows = []
    for person in people:
        key = new_data_key()
        world.data_keys[person] = key
        rows.append((person, key_id, wrap_data_key(master, person, key), world.now))
    bulk.insert(
        DataKey.__table__,  # type: ignore[arg-type]
        ("subject_id", "master_key_id", "wrapped_key", "created_at"),
        rows,
    )


def two_step(bulk: Bulk, world: World, emails: dict[int, str]) -> list[int]:
    """Staff whose role needs two-step sign-in are enrolled with the demo's public secrets
    (`demo_totp_secret`), sealed under their data key and bound to the row, as
    `peernotes.mfa.service` does, so `peernotes demo code EMAIL` gives their code."""
    people = [p for p, role in world.role_of.items() if role in MFA_REQUIRED_ROLES]
    first = bulk.next_id(MfaEnrolment.__table__)  # type: ignore[arg-type]
    rows = []
    for offset, person in enumerate(people):
        row = MfaEnrolment(id=first + offset, user_id=person)
        secret = demo_totp_secret(emails[person]).encode("ascii")
        sealed = seal(world.data_keys[person], secret, secret_aad(row))
        rows.append((row.id, person, sealed, world.now, world.now))
    bulk.insert(
        MfaEnrolment.__table__,  # type: ignore[arg-type]
        ("id", "user_id", "secret_sealed", "created_at", "confirmed_at"),
        rows,
    )
    return people


def email_of(world: World) -> dict[int, str]:
    """Everyone's sign-in name, by id (as `build_people` numbered them)."""
    emails: dict[int, str] = {}
    staff = (
        world.peer_workers
        + world.carer_peer_workers
        + world.clinicians
        + [world.admin, world.auditor]
    )
    for i, person in enumerate(staff):
        emails[person] = worker_email(i + 1)
    for i, person in enumerate(world.consumers):
        emails[person] = consumer_email(i + 1)
    for i, person in enumerate(world.carers):
        emails[person] = carer_email(i + 1)
    return emails
