"""Workforce benchmark: the peer-workforce pages with 1x and 10x the service around them.

For each engine (SQLite, and PostgreSQL in fresh databases this creates and drops) two
databases are built: one with the base service (by default 240 consumers, 60 carers, 12
consumer peer workers, 4 carer peer workers, 8 supervising clinicians) and one with ten times
everyone and everything: care assignments, profiles, support agreements, a contact log
(12 contacts a person over six months, some outside the agreement) and supervision sessions.
The measured people have the same caseload, the same supervisees and the same wishes at both
scales; only the service around them grows. Then, signed in through the real form:

- `bare`: GET /health, the app's cheapest route, under the same app and database;
- `worker home`: a peer worker's home page (caseload, contacts, handovers, training);
- `contact log`: the same worker's contact page;
- `supervision`: a supervisor's dashboard (their workers' last sessions, concerns,
  agreements due for review, contacts outside an agreement);
- `matching`: a consumer's "choose a peer worker" page, which ranks every worker of the right
  kind. It lists each one who fits, so it grows with the workforce on purpose; the others
  should not.

Figures are medians of interleaved rounds. Printed, all measured in this one run: each page's
time ÷ the bare route's at the same scale, and t(10x) ÷ t(1x) per page (the goal is <= 1.3 for
every page but matching).

Run with `make bench-workforce` (or `.venv/bin/python -m bench.workforce_bench`). Options:
`--consumers C` (1x, default 240), `--rounds R`, `--calls K` (per round).
"""

from __future__ import annotations

import argparse
import functools
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

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
from peernotes.auth.models import User
from peernotes.auth.passwords import hash_password
from peernotes.auth.roles import Role
from peernotes.care.models import CareAssignment
from peernotes.db import get_database, utcnow
from peernotes.migrate import upgrade
from peernotes.supervision.models import Supervision, SupervisionSession
from peernotes.training.models import TrainingModule, TrainingRecord
from peernotes.workforce.agreements.models import SupportAgreement
from peernotes.workforce.choosing.models import MatchPreference
from peernotes.workforce.contacts.models import Contact
from peernotes.workforce.profiles.models import WorkerProfile

SCALES = (1, 10)
PAGES = ("bare", "worker home", "contact log", "supervision", "matching")
#: Pages that should not grow with the service (their people are the same at each scale).
FLAT = ("bare", "worker home", "contact log", "supervision")
CONTACTS_PER_PERSON = 12
SESSIONS_PER_WORKER = 10
LANGUAGES = ("English", "Vietnamese", "Arabic", "Greek", "Mandarin", "Spanish")
LIVED = ("bpd", "carer_bpd", "recovery_story", "self_harm", "lgbtiq", "parent")
FORMATS = ("individual", "group", "phone", "in_person")


@dataclass(frozen=True)
class World:
    """Who to measure as, in a database `build_world` filled."""

    worker_email: str
    supervisor_email: str
    consumer_email: str
    consumers: int
    workers: int
    contacts: int


def _people(role: Role, count: int, tag: str, pw: str, since: datetime) -> list[dict[str, Any]]:
    return [
        {
            "email": f"{tag}{i}@{BENCH_DOMAIN}",
            "display_name": f"{tag.title()} {i}",
            "role": role,
            "password_hash": pw,
            "active": True,
            "must_change_password": False,
            "created_at": since,
            "password_changed_at": since,
        }
        for i in range(count)
    ]


def _rng(seed: int, *key: object) -> random.Random:
    """A random stream of its own for each thing built, so that what the measured people
    have is the same at every scale, however many others are built before them."""
    return random.Random(f"{seed}:{key}")


def _supervisor(supervisors: list[int], i: int) -> int:
    """Supervisor 0 has workers 0 and 1 at every scale; the others share the rest in pairs."""
    if i < 2:
        return supervisors[0]
    return supervisors[1 + (i // 2) % (len(supervisors) - 1)]


def _profile(rng: random.Random, user_id: int, i: int, now: datetime) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "gender": rng.choice(("woman", "man", "non-binary", "")),
        "age_band": rng.choice(("18-25", "26-35", "36-50", "51-65")),
        "languages": ["English", *rng.sample(LANGUAGES[1:], rng.randint(0, 2))],
        "culture": rng.choice(("", "Vietnamese Australian", "Greek Australian", "Lebanese")),
        "lived_experience": rng.sample(LIVED, rng.randint(1, 3)),
        "formats": rng.sample(FORMATS, rng.randint(1, 4)),
        "availability": "weekdays",
        "about": "",
        "shown": ["gender", "age_band", "languages", "culture", "lived_experience", "formats"],
        # Room for the caseload this bench gives (~20), a few at capacity, one in twelve paused.
        "capacity": 30 if i % 9 else 20,
        "paused_at": now - timedelta(days=3) if i % 12 == 5 else None,
        "updated_at": now,
    }


def build_world(engine: Engine, *, scale: int, consumers: int, pw: str, seed: int = 11) -> World:
    """Fill a migrated, empty database with a service `scale` times over.

    Worker 0 (the measured peer worker) supports the same 20 people at every scale, and
    supervisor 0 supervises the same two workers; everyone else is spread evenly.
    """
    now = utcnow()
    today = now.date()
    long_ago = now - timedelta(days=800)
    n_consumers = consumers * scale
    n_carers = n_consumers // 4
    n_peer = max(2, n_consumers // 20)
    n_carer_peer = max(1, n_carers // 15)
    n_supervisors = max(2, (n_peer + n_carer_peer) // 2)

    with engine.begin() as conn:
        (admin,) = insert_rows(conn, User, _people(Role.ADMIN, 1, "admin", pw, long_ago))
        supervisors = insert_rows(
            conn, User, _people(Role.CLINICIAN, n_supervisors, "clinician", pw, long_ago)
        )
        peer = insert_rows(
            conn, User, _people(Role.CONSUMER_PEER_WORKER, n_peer, "peer", pw, long_ago)
        )
        carer_peer = insert_rows(
            conn, User, _people(Role.CARER_PEER_WORKER, n_carer_peer, "cpw", pw, long_ago)
        )
        subjects = insert_rows(
            conn, User, _people(Role.CONSUMER, n_consumers, "consumer", pw, long_ago)
        )
        carers = insert_rows(conn, User, _people(Role.CARER, n_carers, "carer", pw, long_ago))
        workers = peer + carer_peer

        conn.execute(  # keyed by user id: no id column to return
            WorkerProfile.__table__.insert(),
            [_profile(_rng(seed, "profile", i), w, i, now) for i, w in enumerate(workers)],
        )
        insert_rows(
            conn,
            Supervision,
            [
                {
                    "worker_id": w,
                    "supervisor_id": _supervisor(supervisors, i),
                    "started_at": long_ago,
                    "ended_at": None,
                }
                for i, w in enumerate(workers)
            ],
        )
        training = [
            {
                "user_id": w,
                "module": module,
                "completed_on": today - timedelta(days=100),
                "expires_on": today + timedelta(days=265),
                "recorded_by_id": admin,
                "created_at": now - timedelta(days=100),
            }
            for w in workers
            for module in TrainingModule
        ]
        insert_rows(conn, TrainingRecord, training)

        # Care: consumer i with peer worker i // 20, carer j with carer peer worker j // 15,
        # so every caseload is 20 (or 15) whatever the scale; the measured worker is peer[0].
        pairs = [(peer[i // 20 % n_peer], s) for i, s in enumerate(subjects)]
        pairs += [(carer_peer[j // 15 % n_carer_peer], c) for j, c in enumerate(carers)]
        start = today - timedelta(days=200)
        insert_rows(
            conn,
            CareAssignment,
            [
                {
                    "worker_id": w,
                    "subject_id": s,
                    "team_id": None,
                    "starts_on": start,
                    "ends_on": None,
                    "ended_at": None,
                    "created_at": long_ago,
                    "created_by_id": admin,
                }
                for w, s in pairs
            ],
        )
        confirmed = now - timedelta(days=150)
        insert_rows(
            conn,
            SupportAgreement,
            [
                {
                    "worker_id": w,
                    "subject_id": s,
                    "version": 1,
                    "methods": ["phone", "text", "in_person"],
                    "days": [0, 1, 2, 3, 4],
                    "starts_at": clock(9),
                    "ends_at": clock(17),
                    "places": "at the service or the park nearby",
                    "community_contact": False,
                    "review_on": today + timedelta(days=_rng(seed, "review", n).randint(-5, 120)),
                    "created_by_id": w,
                    "created_at": confirmed,
                    "worker_confirmed_at": confirmed,
                    "subject_confirmed_at": confirmed,
                }
                for n, (w, s) in enumerate(pairs)
            ],
        )
        contacts = []
        for n, (w, s) in enumerate(pairs):
            rng = _rng(seed, "contacts", n)
            for _ in range(CONTACTS_PER_PERSON):
                day = today - timedelta(days=rng.randint(0, 180))
                outside = rng.random() < 0.1
                contacts.append(
                    {
                        "worker_id": w,
                        "subject_id": s,
                        "occurred_on": day,
                        "at_time": clock(20 if outside else rng.randint(9, 16)),
                        "minutes": rng.choice((15, 30, 45, 60)),
                        "channel": rng.choice(("phone", "text", "in_person")),
                        "place": "",
                        "group": False,
                        "outside_agreement": ["at 8 pm — outside the agreed hours"]
                        if outside
                        else [],
                        "created_at": datetime.combine(day, clock(18), tzinfo=now.tzinfo),
                    }
                )
        insert_rows(conn, Contact, contacts)
        # Sealed texts are random bytes of a realistic size: the dashboard never opens them.
        insert_rows(
            conn,
            SupervisionSession,
            [
                {
                    "worker_id": w,
                    "supervisor_id": _supervisor(supervisors, i),
                    "held_on": today
                    - timedelta(days=14 * k + _rng(seed, "session", i, k).randint(0, 6)),
                    "created_at": now - timedelta(days=14 * k),
                    "token": secrets.token_hex(16),
                    "ciphertext": secrets.token_bytes(420),
                }
                for i, w in enumerate(workers)
                for k in range(SESSIONS_PER_WORKER)
            ],
        )
        # The measured consumer (supported by peer 0) wants someone else who speaks Vietnamese
        # (must-have) and has lived experience of BPD (nice-to-have).
        conn.execute(
            MatchPreference.__table__.insert(),
            [
                {
                    "user_id": subjects[0],
                    "criteria": [
                        {"attribute": "language", "value": "Vietnamese", "importance": "must"},
                        {"attribute": "lived_experience", "value": "bpd", "importance": "nice"},
                    ],
                    "frequency": "weekly",
                    "updated_at": now,
                }
            ],
        )
    return World(
        worker_email=f"peer0@{BENCH_DOMAIN}",
        supervisor_email=f"clinician0@{BENCH_DOMAIN}",
        consumer_email=f"consumer0@{BENCH_DOMAIN}",
        consumers=n_consumers,
        workers=len(workers),
        contacts=len(contacts),
    )


# Measuring ----------------------------------------------------------------------------------------


@dataclass
class Subject:
    """One database of one scale, with its app and a signed-in client per page."""

    scale: int
    world: World
    app: Flask
    clients: dict[str, FlaskClient]


PATHS = {
    "bare": "/health",
    "worker home": "/",
    "contact log": "/contacts",
    "supervision": "/supervision",
    "matching": "/my/peer-worker",
}


def _prepare(url: str, tmp: Path, scale: int, args: argparse.Namespace, pw: str) -> Subject:
    upgrade(url)
    app = create_app(bench_config(url, tmp))
    engine = get_database(app).engine
    started = time.perf_counter()
    world = build_world(engine, scale=scale, consumers=args.consumers, pw=pw)
    analyze(engine)
    print(
        f"   {scale:>2}x: {world.consumers:,} consumers, {world.workers:,} peer workers, "
        f"{world.contacts:,} contacts (built in {time.perf_counter() - started:.1f} s)"
    )
    worker = signed_in(app, world.worker_email)
    clients = {
        "bare": app.test_client(),
        "worker home": worker,
        "contact log": worker,
        "supervision": signed_in(app, world.supervisor_email),
        "matching": signed_in(app, world.consumer_email),
    }
    return Subject(scale, world, app, clients)


def _get(subject: Subject, page: str) -> bytes:
    response = subject.clients[page].get(PATHS[page])
    assert response.status_code == 200, (page, response.status_code)
    return response.data


def _queries(subject: Subject, action: Callable[[], object]) -> int:
    return count_queries(get_database(subject.app).engine, action)


def _people_listed(body: bytes) -> int:
    return body.count(b"<li")


def bench_engine(label: str, urls: dict[int, str], tmp: Path, args: argparse.Namespace) -> None:
    print(f"\n{label}")
    pw = hash_password(BENCH_PASSWORD)  # one hash for every account: argon2 is slow on purpose
    subjects: dict[int, Subject] = {}
    for scale in SCALES:
        folder = tmp / f"{label.lower()}-{scale}"
        folder.mkdir()
        init_dev_secrets(folder)
        subjects[scale] = _prepare(urls[scale], folder, scale, args, pw)

    for page in PAGES:
        listed = {s: _people_listed(_get(subjects[s], page)) for s in SCALES}
        queries = {
            s: _queries(subjects[s], functools.partial(_get, subjects[s], page)) for s in SCALES
        }
        print(
            f"   {page:<12} list items {listed[1]} at 1x, {listed[10]} at 10x; "
            f"queries {queries[1]} at 1x, {queries[10]} at 10x"
        )
        if page in FLAT:
            # The same people at both scales, or the comparison means nothing.
            assert listed[1] == listed[10], (page, listed)

    median = interleaved_medians(
        {
            (page, scale): functools.partial(_get, subjects[scale], page)
            for page in PAGES
            for scale in SCALES
        },
        rounds=args.rounds,
        calls=args.calls,
    )
    print(f"   median of {args.rounds} x {args.calls} calls each:")
    print(
        f"   {'page':<13}{'1x ms':>8}{'10x ms':>9}{'÷ bare 1x':>11}{'÷ bare 10x':>12}"
        f"{'10x/1x':>9}   <= 1.3"
    )
    for page in PAGES:
        small, large = median[(page, 1)], median[(page, 10)]
        ratio = large / small
        verdict = ("yes" if ratio <= 1.3 else "NO") if page in FLAT else "(grows by design)"
        print(
            f"   {page:<13}{small:>8.2f}{large:>9.2f}"
            f"{small / median[('bare', 1)]:>11.1f}{large / median[('bare', 10)]:>12.1f}"
            f"{ratio:>9.2f}   {verdict}"
        )
    for subject in subjects.values():
        get_database(subject.app).engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consumers", type=int, default=240, help="consumers at 1x")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    parser.add_argument("--calls", type=int, default=30, help="calls per page per round")
    args = parser.parse_args()
    print(__doc__.splitlines()[0])
    on_each_engine(
        "workforce", SCALES, lambda engine, urls, tmp: bench_engine(engine, urls, tmp, args)
    )


if __name__ == "__main__":
    main()
