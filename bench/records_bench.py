"""Record-list benchmark: the first page of one consumer's entries, with 1x and 10x the data.

For each engine (SQLite, and PostgreSQL in a fresh database this creates and drops) two
databases are built: one with the base data (by default 2,000 record entries spread over 200
consumers, 200 of them in the measured consumer's record) and one with ten times everything
(consumers, staff, consent, entries, and the measured consumer's own entries). The first page
of the measured consumer's entries is then read, as the consumer, as their peer worker (who
holds consent for some categories only), and as their assigned clinician:

- `list_entries`: the service call the record page makes (the keyset query and the
  access-log append), committed;
- `GET page`: the whole record page through the Flask test client, signed in.

Figures are medians of interleaved rounds, and the ratio printed is t(10x) / t(1x) measured in
this one run, per engine and per reader (the goal is <= 1.3).

Run with `make bench-records` (or `.venv/bin/python -m bench.records_bench`). Options:
`--entries N` (1x entries, default 2000), `--consumer-entries M` (the measured consumer's, 1x,
default 200), `--consumers C` (default 200), `--rounds R` and `--calls K` (per round).
PostgreSQL is reached as PEERNOTES_BENCH_PG_ADMIN_URL (by default postgres@127.0.0.1:5432,
trust authentication).
"""

from __future__ import annotations

import argparse
import functools
import random
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert

from bench.common import (
    BENCH_DOMAIN,
    BENCH_PASSWORD,
    analyze,
    bench_config,
    count_queries,
    insert_rows,
    interleaved_medians,
    on_each_engine,
    signed_in,
)
from config import init_dev_secrets
from peernotes import create_app
from peernotes.access.decision import RECORD_CATEGORIES, Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.passwords import hash_password
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment, CarerNomination, Team, TeamMembership
from peernotes.consent.models import ConsentDirective, ConsentProvision, ConsentProvisionCategory
from peernotes.crypto.models import DataKey
from peernotes.db import get_database, utcnow
from peernotes.emergency.models import EmergencyAccess
from peernotes.flags.models import FlagKind, SafetyFlag
from peernotes.migrate import upgrade
from peernotes.records import service as records
from peernotes.records.models import RecordEntry, RecordRevision, RevisionKind
from peernotes.training.models import TrainingModule, TrainingRecord

#: What every consumer shares with their own peer worker by name. The rest of the record
#: (diagnosis, risk assessment, discharge summary, letters) is withheld from them, so the
#: keyset scan has to step over entries it may not show, as it does in real records.

SHARED_WITH_PEER_WORKER = (Category.CARE_PLAN, Category.MEDICATION, Category.CLINICAL_NOTE)


# Building a world --------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """Who to measure as, in a database `build_world` filled."""

    consumer_id: int
    consumer_email: str
    peer_worker_id: int
    peer_worker_email: str
    clinician_id: int
    clinician_email: str
    entries: int
    consumer_entries: int
    consumers: int


def build_world(
    engine: Engine,
    *,
    scale: int = 1,
    consumers: int = 200,
    entries: int = 2000,
    consumer_entries: int = 200,
    seed: int = 7,
    password_hash: str | None = None,
) -> World:
    """Fill a migrated, empty database with a realistic service, `scale` times over.

    Everything grows with `scale`: consumers, staff and teams (caseloads stay ~20 each),
    consent histories, training records, flags, nominations, emergency access, data keys and
    entries, including the measured consumer's own. Entries are created in time order across
    all consumers, so one record's rows are interleaved with everyone else's, as in life.
    Ciphertext is random bytes of a realistic size: listing never decrypts.
    """
    rng = random.Random(seed)
    now = utcnow()
    n_consumers = consumers * scale
    n_clinicians = max(1, n_consumers // 20)
    n_peer = max(1, n_consumers // 20)
    n_carer_peer = max(1, n_consumers // 40)
    n_carers = max(1, n_consumers // 4)
    n_entries = entries * scale
    n_own = consumer_entries * scale
    pw = password_hash or hash_password(BENCH_PASSWORD)
    long_ago = now - timedelta(days=800)

    def people(role: Role, count: int, tag: str) -> list[dict[str, Any]]:
        return [
            {
                "email": f"{tag}{i}@{BENCH_DOMAIN}",
                "display_name": f"{tag.title()} {i}",
                "role": role,
                "password_hash": pw,
                "active": True,
                "must_change_password": False,
                "created_at": long_ago,
                "password_changed_at": long_ago,
            }
            for i in range(count)
        ]

    with engine.begin() as conn:
        (admin,) = insert_rows(conn, User, people(Role.ADMIN, 1, "admin"))
        insert_rows(conn, User, people(Role.AUDITOR, 1, "auditor"))
        clinicians = insert_rows(conn, User, people(Role.CLINICIAN, n_clinicians, "clinician"))
        peer = insert_rows(conn, User, people(Role.CONSUMER_PEER_WORKER, n_peer, "peer"))
        carer_peer = insert_rows(conn, User, people(Role.CARER_PEER_WORKER, n_carer_peer, "cpw"))
        carers = insert_rows(conn, User, people(Role.CARER, n_carers, "carer"))
        subjects = insert_rows(conn, User, people(Role.CONSUMER, n_consumers, "consumer"))

        # Teams of ten staff; everyone joined long ago, a few have left and rejoined.
        staff = clinicians + peer + carer_peer
        teams = insert_rows(
            conn,
            Team,
            [
                {"name": f"Team {t}", "description": "", "created_at": long_ago}
                for t in range(max(1, len(staff) // 10))
            ],
        )
        memberships = []
        for i, person in enumerate(staff):
            team = teams[i % len(teams)]
            if i % 7 == 0:
                memberships.append(
                    {
                        "team_id": teams[(i + 1) % len(teams)],
                        "user_id": person,
                        "joined_at": long_ago,
                        "left_at": now - timedelta(days=200),
                    }
                )
            memberships.append(
                {"team_id": team, "user_id": person, "joined_at": long_ago, "left_at": None}
            )
        insert_rows(conn, TeamMembership, memberships)

        # Care: each consumer has a clinician and a peer worker now, and an ended assignment
        # from before; each carer a carer peer worker.
        start = (now - timedelta(days=300)).date()
        assignments = []

        def assign(worker: int, subject: int, ended: bool) -> dict[str, Any]:
            return {
                "worker_id": worker,
                "subject_id": subject,
                "team_id": teams[worker % len(teams)],
                "starts_on": (now - timedelta(days=700)).date() if ended else start,
                "ends_on": (now - timedelta(days=301)).date() if ended else None,
                "ended_at": None,
                "created_at": long_ago,
                "created_by_id": admin,
            }

        for i, subject in enumerate(subjects):
            assignments.append(assign(clinicians[(i + 1) % n_clinicians], subject, True))
            assignments.append(assign(clinicians[i % n_clinicians], subject, False))
            assignments.append(assign(peer[i % n_peer], subject, False))
        for i, carer in enumerate(carers):
            assignments.append(assign(carer_peer[i % n_carer_peer], carer, False))
        insert_rows(conn, CareAssignment, assignments)
        insert_rows(
            conn,
            CarerNomination,
            [
                {
                    "consumer_id": subjects[4 * i],
                    "carer_id": carer,
                    "relationship_label": "parent",
                    "created_at": long_ago,
                    "ended_at": None,
                }
                for i, carer in enumerate(carers)
                if 4 * i < n_consumers
            ],
        )

        # Training: every peer worker has an expired round and a current one of each module.
        today = now.date()
        training = []
        for worker in peer + carer_peer:
            for module in TrainingModule:
                for done, expires in ((700, 335), (100, -265)):
                    training.append(
                        {
                            "user_id": worker,
                            "module": module,
                            "completed_on": today - timedelta(days=done),
                            "expires_on": today - timedelta(days=expires),
                            "recorded_by_id": admin,
                            "created_at": now - timedelta(days=done),
                        }
                    )
        insert_rows(conn, TrainingRecord, training)

        # Consent: two directive versions each (the first superseded), the current one
        # naming the consumer's peer worker, the peer worker role, and the team.
        directives = []
        for subject in subjects:
            for version, age in ((1, 400), (2, 250)):
                directives.append(
                    {
                        "subject_id": subject,
                        "version": version,
                        "created_at": now - timedelta(days=age),
                        "created_by_id": subject,
                        "witnessed_by_id": None,
                    }
                )
        directive_ids = insert_rows(conn, ConsentDirective, directives)
        provisions: list[dict[str, Any]] = []
        provision_categories: list[tuple[Category, ...]] = []
        valid = {"valid_from": now - timedelta(days=400), "valid_until": now + timedelta(days=365)}
        for i in range(n_consumers):
            old, current = directive_ids[2 * i], directive_ids[2 * i + 1]
            worker = peer[i % n_peer]
            base = {"role": None, "team_id": None, "person_id": None, "carried_from_id": None}
            grants: list[tuple[int, dict[str, Any], tuple[Category, ...]]] = [
                (old, {"grantee_kind": GranteeKind.PERSON, "person_id": worker}, RECORD_CATEGORIES),
                (
                    current,
                    {"grantee_kind": GranteeKind.PERSON, "person_id": worker},
                    SHARED_WITH_PEER_WORKER,
                ),
                (
                    current,
                    {"grantee_kind": GranteeKind.ROLE, "role": Role.CONSUMER_PEER_WORKER},
                    (Category.CARE_PLAN,),
                ),
                (
                    current,
                    {"grantee_kind": GranteeKind.TEAM, "team_id": teams[i % len(teams)]},
                    (Category.CARE_PLAN,),
                ),
            ]
            for directive, grantee, categories in grants:
                provisions.append(
                    {
                        **base,
                        **grantee,
                        "directive_id": directive,
                        "act": Act.READ,
                        "purpose": "support",
                        **valid,
                    }
                )
                provision_categories.append(categories)
        provision_ids = insert_rows(conn, ConsentProvision, provisions)
        conn.execute(
            insert(ConsentProvisionCategory),
            [
                {"provision_id": provision, "category": category}
                for provision, categories in zip(provision_ids, provision_categories, strict=True)
                for category in categories
            ],
        )

        # Safety flags on one consumer in 25 (never the measured one), emergency access now
        # and then, both with history.
        flagged = subjects[5::25]
        if flagged:
            insert_rows(
                conn,
                SafetyFlag,
                [
                    {
                        "subject_id": subject,
                        "kind": FlagKind.SERIOUS_HARM,
                        "reason": "bench",
                        "set_by_id": clinicians[0],
                        "set_at": now - timedelta(days=50),
                        "not_told_because": None,
                        "lifted_at": now - timedelta(days=10) if j % 2 else None,
                        "lifted_by_id": None,
                    }
                    for j, subject in enumerate(flagged)
                ],
            )
        emergencies = subjects[3::30]
        if emergencies:
            insert_rows(
                conn,
                EmergencyAccess,
                [
                    {
                        "clinician_id": clinicians[(j + 3) % n_clinicians],
                        "subject_id": subject,
                        "reason": "bench",
                        "starts_at": now - timedelta(days=20),
                        "ends_at": now - timedelta(days=19),
                    }
                    for j, subject in enumerate(emergencies)
                ],
            )

        # One wrapped data key per consumer (random bytes the size of a real wrapped key).
        conn.execute(
            insert(DataKey),
            [
                {
                    "subject_id": subject,
                    "master_key_id": "0123456789abcdef",
                    "wrapped_key": secrets.token_bytes(60),
                    "created_at": long_ago,
                }
                for subject in subjects
            ],
        )

        # Entries in time order across everyone: the measured consumer's `n_own` are spread
        # among the others', as they would be written day by day.
        measured = subjects[0]
        owners = [measured] * n_own + [
            subjects[1 + i % (n_consumers - 1)] if n_consumers > 1 else measured
            for i in range(n_entries - n_own)
        ]
        rng.shuffle(owners)
        index_of = {subject: i for i, subject in enumerate(subjects)}
        first = now - timedelta(days=299)
        step = timedelta(days=298) / max(1, n_entries)
        rows: list[dict[str, Any]] = []
        for j, subject in enumerate(owners):
            amended = j % 10 == 3
            in_error = j % 50 == 7
            rows.append(
                {
                    "subject_id": subject,
                    "category": RECORD_CATEGORIES[rng.randrange(len(RECORD_CATEGORIES))],
                    "author_id": clinicians[index_of[subject] % n_clinicians],
                    "created_at": first + step * j,
                    "latest_revision": 2 if amended or in_error else 1,
                    "entered_in_error": in_error,
                }
            )
        entry_ids: list[int] = []
        for chunk in _chunks(rows, 5000):
            entry_ids.extend(insert_rows(conn, RecordEntry, chunk))
        revisions = []
        for entry_id, row in zip(entry_ids, rows, strict=True):
            kinds = [RevisionKind.ORIGINAL]
            if row["latest_revision"] == 2:
                in_error = row["entered_in_error"]
                kinds.append(RevisionKind.ENTERED_IN_ERROR if in_error else RevisionKind.AMENDMENT)
            for number, kind in enumerate(kinds, start=1):
                revisions.append(
                    {
                        "entry_id": entry_id,
                        "number": number,
                        "kind": kind,
                        "author_id": row["author_id"],
                        "created_at": row["created_at"] + timedelta(hours=number - 1),
                        # nonce + sealed JSON (title, body, reason) + tag: a few hundred bytes.
                        "ciphertext": secrets.token_bytes(12 + rng.randrange(200, 1200) + 16),
                    }
                )
        for chunk in _chunks(revisions, 5000):
            conn.execute(insert(RecordRevision), chunk)

    return World(
        consumer_id=measured,
        consumer_email=f"consumer0@{BENCH_DOMAIN}",
        peer_worker_id=peer[0],
        peer_worker_email=f"peer0@{BENCH_DOMAIN}",
        clinician_id=clinicians[0],
        clinician_email=f"clinician0@{BENCH_DOMAIN}",
        entries=n_entries,
        consumer_entries=n_own,
        consumers=n_consumers,
    )


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# Measuring --------------------------------------------------------------------------------------

SCALES = (1, 10)
READERS = ("consumer", "peer worker", "clinician")


@dataclass
class Subject:
    """One database of one scale, with its app and a signed-in client per reader."""

    scale: int
    world: World
    app: Flask
    clients: dict[str, FlaskClient]
    actors: dict[str, By]


def _prepare(url: str, tmp: Path, scale: int, args: argparse.Namespace, pw: str) -> Subject:
    upgrade(url)
    app = create_app(bench_config(url, tmp))
    engine = get_database(app).engine
    started = time.perf_counter()
    world = build_world(
        engine,
        scale=scale,
        consumers=args.consumers,
        entries=args.entries,
        consumer_entries=args.consumer_entries,
        password_hash=pw,
    )
    analyze(engine)
    print(
        f"   {scale:>2}x: {world.entries:>6,} entries over {world.consumers:,} consumers, "
        f"{world.consumer_entries:,} in the measured record "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    actors = {
        "consumer": By(world.consumer_id, Role.CONSUMER, f"bench-{scale}-consumer"),
        "peer worker": By(world.peer_worker_id, Role.CONSUMER_PEER_WORKER, f"bench-{scale}-peer"),
        "clinician": By(world.clinician_id, Role.CLINICIAN, f"bench-{scale}-clinician"),
    }
    emails = {
        "consumer": world.consumer_email,
        "peer worker": world.peer_worker_email,
        "clinician": world.clinician_email,
    }
    clients = {reader: signed_in(app, email) for reader, email in emails.items()}
    return Subject(scale, world, app, clients, actors)


def _list_once(subject: Subject, reader: str) -> records.EntryPage:
    with get_database(subject.app).session() as db:
        page = records.list_entries(db, subject.actors[reader], subject.world.consumer_id)
        db.commit()
    return page


def _page_once(subject: Subject, reader: str) -> None:
    response = subject.clients[reader].get(f"/people/{subject.world.consumer_id}/record")
    assert response.status_code == 200, response.status_code


def _queries(subject: Subject, action: Callable[[], object]) -> int:
    return count_queries(get_database(subject.app).engine, action)


def bench_engine(label: str, urls: dict[int, str], tmp: Path, args: argparse.Namespace) -> None:
    print(f"\n{label}")
    pw = hash_password(BENCH_PASSWORD)  # one hash for every account: argon2 is slow on purpose
    subjects = {}
    for scale in SCALES:
        folder = tmp / f"{label.lower()}-{scale}"
        folder.mkdir()
        init_dev_secrets(folder)
        subjects[scale] = _prepare(urls[scale], folder, scale, args, pw)

    # What each reader gets must not depend on the scale, or the comparison is meaningless.
    for reader in READERS:
        shown = {
            scale: (len(p.entries), p.older is not None)
            for scale in SCALES
            for p in [_list_once(subjects[scale], reader)]
        }
        queries = {
            scale: (
                _queries(subjects[scale], functools.partial(_list_once, subjects[scale], reader)),
                _queries(subjects[scale], functools.partial(_page_once, subjects[scale], reader)),
            )
            for scale in SCALES
        }
        entries, older = shown[1]
        print(
            f"   {reader:<12} sees {entries} entries, older page={older}; "
            f"queries list/page: {queries[1][0]}/{queries[1][1]} at 1x, "
            f"{queries[10][0]}/{queries[10][1]} at 10x"
        )
        assert shown[1] == shown[10], (reader, shown)

    kinds: dict[str, Callable[[Subject, str], object]] = {
        "list_entries": _list_once,
        "GET page": _page_once,
    }
    median = interleaved_medians(
        {
            (kind, reader, scale): functools.partial(action, subjects[scale], reader)
            for kind, action in kinds.items()
            for scale in SCALES
            for reader in READERS
        },
        rounds=args.rounds,
        calls=args.calls,
    )
    print(f"   median of {args.rounds} x {args.calls} calls each, first page of the record:")
    print(f"   {'':<14}{'reader':<13}{'1x ms':>8}{'10x ms':>9}{'10x/1x':>9}   <= 1.3")
    for kind in kinds:
        for reader in READERS:
            small, large = median[(kind, reader, 1)], median[(kind, reader, 10)]
            ratio = large / small
            verdict = "yes" if ratio <= 1.3 else "NO"
            print(f"   {kind:<14}{reader:<13}{small:>8.2f}{large:>9.2f}{ratio:>9.2f}   {verdict}")
    for subject in subjects.values():
        get_database(subject.app).engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2000, help="entries at 1x")
    parser.add_argument(
        "--consumer-entries", type=int, default=200, help="the measured record's entries at 1x"
    )
    parser.add_argument("--consumers", type=int, default=200, help="consumers at 1x")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--calls", type=int, default=40, help="calls per reader per round")
    args = parser.parse_args()
    print(__doc__.splitlines()[0])
    on_each_engine(
        "records", SCALES, lambda engine, urls, tmp: bench_engine(engine, urls, tmp, args)
    )


if __name__ == "__main__":
    main()
