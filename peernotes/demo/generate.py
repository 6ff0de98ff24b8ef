"""`peernotes demo generate`: a large, realistic, reproducible service, written fast.

What it builds (see `gen_people`, `gen_consent`, `gen_notes`, `gen_records`): consumers and
carers, their peer workers (one per 25 consumers), clinicians, a coordinator and an auditor;
caseloads, carer nominations, training; varied consent; notes in every lifecycle state with
their revisions, events, audiences and statements; record entries; contacts; and the
access-log entries of all of it, chained onto the log's head.

How it stays fast: every table is written in bulk (COPY on PostgreSQL, one executemany per
batch elsewhere), in one transaction, with ids chosen up front so that each row is sealed
once, before it is written. The per-row work is one AES-GCM seal per text under keys made
once (a data key and a peer-space key per person, a content key per note, as the app does),
and one HMAC per log entry. The password is hashed once and shared, as the demo's is.

Reproducible: the same seed gives the same people, caseloads, consent, note words, states and
log entries (times are relative to the day it runs; nonces and keys are random, as always).

Only into an empty database: an existing service's accounts would collide with the numbered
sign-in names, and the same seed gives the same service only from the same (empty) start.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as day_time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Config
from peernotes.audit.events import Action
from peernotes.audit.models import micros_since_epoch
from peernotes.auth.models import User
from peernotes.auth.passwords import hash_password
from peernotes.auth.roles import MFA_REQUIRED_ROLES
from peernotes.crypto.keyring import Keyring, chain_key, key_sources
from peernotes.crypto.keys import new_data_key
from peernotes.crypto.models import SpaceKey
from peernotes.crypto.vault import KeyVault, new_ref
from peernotes.db import KEY_VAULT, KEYRING, Database, utcnow
from peernotes.demo.bulk import Bulk, roomy_cache
from peernotes.demo.gen_consent import build_consent
from peernotes.demo.gen_log import ChainAppender, Pending, pending
from peernotes.demo.gen_notes import NoteMaker, NoteRows
from peernotes.demo.gen_people import (
    World,
    build_people,
    consumer_email,
    data_keys,
    email_of,
    two_step,
    worker_email,
)
from peernotes.demo.gen_records import build_contacts, build_records
from peernotes.demo.loader import DEMO_PASSWORD
from peernotes.notes.models import Note, NoteStatement

#: Notes made, sealed and written per batch: big enough for few round trips, small enough
#: that memory stays flat at a million notes.
CHUNK = 20_000
#: Record entries and contacts, per note.
RECORDS_PER_NOTE = 0.1
CONTACTS_PER_NOTE = 0.2


class GenerateRefused(RuntimeError):
    """The database is not one to generate into; the message says why."""


@dataclass(frozen=True)
class Summary:
    consumers: int
    notes: int
    seconds: float
    #: Rows written, by table (the access log as "audit_log").
    rows: dict[str, int] = field(default_factory=dict)
    #: Notes by lifecycle state.
    states: dict[str, int] = field(default_factory=dict)
    #: Sign-in names: a consumer whose notes are spread like everyone's, and their peer worker.
    consumer_email: str = consumer_email(1)
    worker_email: str = worker_email(1)
    password: str = DEMO_PASSWORD

    @property
    def notes_per_second(self) -> float:
        return self.notes / self.seconds if self.seconds else 0.0


def database_for(url: str, config: Config | None = None) -> Database:
    """A `Database` for `url` with the keys of `config` (default: the environment's).

    Raises:
        GenerateRefused: the configuration is production's.
    """
    config = config or Config.from_env()
    if config.is_production:
        raise GenerateRefused("generated data is never written when PEERNOTES_ENV=production")
    vault = KeyVault(config.key_vault)
    return Database(url, key_sources=key_sources(Keyring(config.master_key_file), vault))


def generate(
    target: Database | str,
    consumers: int,
    notes: int,
    seed: int,
    *,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Generate the service into `target` (an app's `Database`, or a URL: keys from the
    environment's configuration), migrated and empty, in one transaction.

    Raises:
        GenerateRefused: the database already has accounts, or the sizes make no sense.
    """
    if consumers < 1 or notes < 0:
        raise GenerateRefused("give at least one consumer and zero or more notes")
    if not isinstance(target, str):
        return _generate(target, consumers, notes, seed, progress)
    database = database_for(target)
    try:
        return _generate(database, consumers, notes, seed, progress)
    finally:
        database.engine.dispose()


def _generate(
    database: Database,
    consumers: int,
    notes: int,
    seed: int,
    progress: Callable[[str], None] | None,
) -> Summary:
    keyring = database.info.get(KEYRING)
    vault = database.info.get(KEY_VAULT)
    if not isinstance(keyring, Keyring) or not isinstance(vault, KeyVault):
        raise GenerateRefused("the database has no master key or key vault configured")
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    password_hash = hash_password(DEMO_PASSWORD)  # once: every generated account shares it
    # Midnight today: every generated moment is in the past, and runs on one day agree.
    now = datetime.combine(utcnow().date(), day_time.min, tzinfo=UTC)
    with database.engine.connect() as conn, conn.begin():
        if conn.scalar(select(func.count()).select_from(User)):
            raise GenerateRefused(
                "the database already has accounts; generate only into an empty, migrated one"
            )
        with Session(bind=conn, info=dict(database.info)) as session:
            # The stored chain key, stored first if this is the log's beginning, as the app does.
            key = chain_key(session, keyring, create=True)
        bulk = Bulk(conn)
        chain = ChainAppender(bulk, key)
        with roomy_cache(conn):
            states = _fill(
                bulk, chain, keyring, vault, consumers, notes, seed, password_hash, now, say
            )
        bulk.fix_sequences()
        say("committing")
    rows = dict(bulk.counts)
    return Summary(consumers, notes, time.perf_counter() - started, rows, states)


def _fill(
    bulk: Bulk,
    chain: ChainAppender,
    keyring: Keyring,
    vault: KeyVault,
    consumers: int,
    notes: int,
    seed: int,
    password_hash: str,
    now: datetime,
    say: Callable[[str], None],
) -> dict[str, int]:
    """Everything, in order: people, keys, consent, notes, records and contacts."""
    world = build_people(bulk, random.Random(f"{seed}:people"), consumers, password_hash, now)
    emails = email_of(world)
    say(f"{len(world.role_of):,} accounts")
    staff_keys = two_step_people(world)
    data_keys(bulk, keyring, world, world.consumers + world.carers + staff_keys)
    two_step(bulk, world, emails)
    spaces = _space_keys(bulk, keyring, vault, world)
    log: list[Pending] = _setup_log(world)
    build_consent(bulk, random.Random(f"{seed}:consent"), world, log)
    chain.append(log)
    say("consent and caseloads")
    states = _notes(bulk, chain, world, notes, seed, spaces, say)
    log = []
    build_records(bulk, random.Random(f"{seed}:records"), world,
                  int(notes * RECORDS_PER_NOTE), log)  # fmt: skip
    build_contacts(bulk, random.Random(f"{seed}:contacts"), world,
                   int(notes * CONTACTS_PER_NOTE), log)  # fmt: skip
    chain.append(log)
    return states


def two_step_people(world: World) -> list[int]:
    """Staff whose role needs two-step sign-in (their secret is sealed under a data key)."""
    return [p for p, role in world.role_of.items() if role in MFA_REQUIRED_ROLES]


def _space_keys(
    bulk: Bulk, keyring: Keyring, vault: KeyVault, world: World
) -> dict[int, tuple[int, bytes]]:
    """A peer-space key for everyone notes are written with, in the key vault outside the
    database (`peernotes.crypto.sealing.peer_space_key`). The vault writes each entry whole and
    synced; threads overlap those waits."""
    subjects = world.consumers + world.carers
    first = bulk.next_id(SpaceKey.__table__)  # type: ignore[arg-type]
    made = [(first + i, s, new_ref(), new_data_key()) for i, s in enumerate(subjects)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in pool.map(lambda m: vault.put(keyring, m[2], m[1], m[3]), made):
            pass
    bulk.insert(
        SpaceKey.__table__,  # type: ignore[arg-type]
        ("id", "subject_id", "ref", "created_at"),
        [(sid, subject, ref, world.now - timedelta(days=800)) for sid, subject, ref, _ in made],
    )
    return {subject: (sid, key) for sid, subject, _ref, key in made}


def _setup_log(world: World) -> list[Pending]:
    """The coordinator's setting-up: each account and each caseload, long ago."""
    at = micros_since_epoch(world.now - timedelta(days=900))
    admin, role = world.admin, "admin"
    log = [
        pending(at, admin, role, Action.ACCOUNT_CREATE, person, ("user", person), "role:admin",
                "gen-setup")
        for person in world.role_of
    ]  # fmt: skip
    later = micros_since_epoch(world.now - timedelta(days=730))
    log.extend(
        pending(later, admin, role, Action.ASSIGNMENT_CREATE, subject, None, "role:admin",
                "gen-setup")
        for subject in world.worker_of
    )  # fmt: skip
    return log


def _notes(
    bulk: Bulk,
    chain: ChainAppender,
    world: World,
    count: int,
    seed: int,
    spaces: dict[int, tuple[int, bytes]],
    say: Callable[[str], None],
) -> dict[str, int]:
    maker = NoteMaker(
        world,
        random.Random(f"{seed}:notes"),
        count,
        bulk.next_id(Note.__table__),  # type: ignore[arg-type]
        bulk.next_id(NoteStatement.__table__),  # type: ignore[arg-type]
        spaces,
    )
    # One thread writes a batch while this one makes the next: the database's own work (and
    # psycopg's sending) runs without the interpreter lock. One batch in flight at a time keeps
    # memory flat, and the connection is only ever used by one thread at a time.
    with ThreadPoolExecutor(max_workers=1) as writer:
        writing: Future[None] | None = None
        for start in range(0, count, CHUNK):
            rows = NoteRows()
            for index in range(start, min(count, start + CHUNK)):
                maker.make(index, rows)
            logged = chain.chain(rows.log)
            if writing is not None:
                writing.result()
            writing = writer.submit(_write_notes, bulk, chain, rows, logged)
            say(f"{min(count, start + CHUNK):,} notes")
        if writing is not None:
            writing.result()
    return maker.states


def _write_notes(
    bulk: Bulk, chain: ChainAppender, rows: NoteRows, logged: list[tuple[object, ...]]
) -> None:
    rows.write(bulk)
    chain.write(logged)
