"""Many processes, many hosts: two PeerNotes servers (gunicorn, two workers each) on two ports
over one PostgreSQL database and one Redis, as hosts behind a load balancer run
(`tests/ops/deployment.py`). What one server decides, the other knows on the next request,
because consent, care, sessions and the log live in the database and the sign-in counters in
Redis, never in a process:

- a consent revoked through one server is enforced by the other;
- a session signed in on one holds on the other, and signing out on one ends it on both;
- sign-in failures spread across both count against the one limit;
- 2 x 2,000 concurrent governed reads and writes through both leave the access log's chain
  whole, with exactly the entries the successful requests wrote, and no other.
"""

from __future__ import annotations

import itertools
import random
import re
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.ops.deployment import (
    Browser,
    Server,
    empty_redis,
    fresh_postgres_database,
    peernotes,
    running_servers,
    shared_environment,
)


@dataclass
class Deployment:
    a: Server
    b: Server
    env: dict[str, str]
    database_url: str

    def rows(self, sql: str, params: dict[str, object] | None = None) -> list[tuple[object, ...]]:
        url = make_url(self.database_url)
        conninfo = psycopg.conninfo.make_conninfo(
            host=url.host, port=url.port, user=url.username, password=url.password or "",
            dbname=url.database,
        )  # fmt: skip
        with psycopg.connect(conninfo) as conn:
            return [tuple(r) for r in conn.execute(sql, params or {})]  # type: ignore[arg-type]

    def user(self, key: str) -> int:
        found = self.rows("SELECT id FROM users WHERE email = %(e)s", {"e": email(key)})
        assert found, key
        return int(found[0][0])  # type: ignore[call-overload]


def email(key: str) -> str:
    return f"{key}@peernotes.example"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    folder = tmp_path_factory.mktemp("two-processes")
    with fresh_postgres_database() as url:
        env = shared_environment(url, folder)
        for command in (("db", "upgrade"), ("demo", "load")):
            done = peernotes(env, *command)
            assert done.returncode == 0, done.stdout + done.stderr
        empty_redis()
        with running_servers(("a", "b"), env, folder) as (a, b):
            yield Deployment(a, b, env, url)


def test_a_consent_revoked_through_one_server_is_enforced_by_the_other(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    alex, sam = Browser(), Browser()
    alex.sign_in(a, email("alex"))
    sam.sign_in(b, email("sam"))
    subject = deployment.user("alex")
    care_plan = deployment.rows(
        "SELECT id FROM record_entries WHERE subject_id = %(s)s AND category = 'care_plan'",
        {"s": subject},
    )[0][0]
    entry = f"/people/{subject}/record/{care_plan}"
    assert sam.get(b, entry).status_code == 404  # not shared yet

    granted = alex.submit(
        a,
        "/my/consent",
        {"grantee": f"person:{deployment.user('sam')}", "categories": ["care_plan"],
         "act": "read", "purpose": "so Sam understands my plan", "days": "30"},
    )  # fmt: skip
    assert granted.status_code == 302, granted.text
    assert sam.get(b, entry).status_code == 200  # B reads the grant A wrote

    page = alex.get(a, "/my/consent").text
    newest = max(int(p) for p in re.findall(r"/my/consent/(\d+)/revoke", page))
    revoked = alex.submit(a, f"/my/consent/{newest}/revoke", {}, form_page="/my/consent")
    assert revoked.status_code == 302, revoked.text
    refused = sam.get(b, entry)  # the very next request, on the other server
    assert refused.status_code == 404
    assert "so Sam understands my plan" not in refused.text
    assert deployment.rows(
        "SELECT outcome, basis FROM audit_log WHERE action = 'record:read' AND actor_id = %(a)s"
        " ORDER BY seq DESC LIMIT 1",
        {"a": deployment.user("sam")},
    ) == [("denied", "no_consent")]


def test_a_session_holds_across_both_servers_and_signing_out_on_one_ends_it_on_both(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    maya = Browser()
    maya.sign_in(a, email("maya"))
    home = maya.get(b, "/")
    assert home.status_code == 200 and "Maya" in home.text  # A's sign-in, B's page
    stolen = maya.copy()  # the same cookie, kept by someone after she signs out

    signed_out = maya.submit(a, "/logout", {}, form_page="/")
    assert signed_out.status_code == 302
    for server in (b, a):
        answer = stolen.get(server, "/")
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_sign_in_failures_spread_across_both_servers_count_against_one_limit(
    deployment: Deployment,
) -> None:
    """Five failures per account per window (the default): three on A and two on B use them
    up, and the sixth is refused by both. With a counter per process (`memory://`) each
    server, and each of their workers, would allow five of its own."""
    a, b = deployment.a, deployment.b
    guessed = f"nobody-{uuid.uuid4().hex[:8]}@peernotes.example"
    stranger = Browser()
    for server in (a, b, a, b, a):
        answer = stranger.submit(server, "/login", {"email": guessed, "password": "wrong-guess"})
        assert answer.status_code == 200, answer.status_code  # the form again, with its error
    for server in (b, a):
        assert (
            stranger.submit(server, "/login", {"email": guessed, "password": "x"}).status_code
            == 429
        )


#: Requests in the load: reads (sam's note page, dr Chen's record entry page) and writes
#: (dr Chen adds an entry to Jordan's record), half through each server.
READS = 2_000
WRITES = 2_000
THREADS = 8


def test_concurrent_governed_reads_and_writes_through_both_keep_the_log_whole(
    deployment: Deployment,
) -> None:
    a, b = deployment.a, deployment.b
    sam, chen = Browser(), Browser()
    sam.sign_in(b, email("sam"))
    chen.sign_in(a, email("dr.chen"))
    alex, jordan = deployment.user("alex"), deployment.user("jordan")
    note = deployment.rows(
        "SELECT min(id) FROM notes WHERE subject_id = %(s)s AND state = 'shared'", {"s": alex}
    )[0][0]
    entry = deployment.rows(
        "SELECT min(id) FROM record_entries WHERE subject_id = %(s)s", {"s": jordan}
    )[0][0]
    token = chen.token(a, "/")  # one session, one CSRF secret, valid on both servers
    reads = [("read", sam, f"/notes/{note}"), ("read", chen, f"/people/{jordan}/record/{entry}")]
    write_path = f"/people/{jordan}/record/new"

    # Every request, its server, in a shuffled order, dealt to the threads.
    work = [(kind, i % 2) for kind, n in (("read", READS), ("write", WRITES)) for i in range(n)]
    random.Random(15).shuffle(work)
    shares = [work[t::THREADS] for t in range(THREADS)]
    done: list[list[tuple[str, int, str]]] = [[] for _ in range(THREADS)]
    failures: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()

    def client(t: int) -> None:
        # Each thread its own connections, holding the same two sessions.
        readers = [(kind, who.copy(), path) for kind, who, path in reads]
        writer = chen.copy()
        for n, (kind, server_index) in enumerate(shares[t]):
            server = (a, b)[server_index]
            if kind == "read":
                _, who, path = readers[n % len(readers)]
                answer = who.get(server, path)
                ok = answer.status_code == 200
            else:
                answer = writer.post(
                    server,
                    write_path,
                    {"csrf_token": token, "category": "clinical_note",
                     "title": f"Check-in {t}-{n}", "body": "Talked through the week; steady."},
                )  # fmt: skip
                ok = answer.status_code == 302 and "/record/" in answer.headers.get("Location", "")
            if ok:
                done[t].append((kind, server_index, answer.headers["X-Request-ID"]))
            else:
                with lock:
                    failures[(kind, answer.status_code)] += 1

    before = _entries(deployment)
    demo_notes = _jordans_notes(deployment, jordan)
    threads = [threading.Thread(target=client, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = _entries(deployment)

    succeeded = list(itertools.chain.from_iterable(done))
    assert not failures, failures
    served = Counter((kind, server) for kind, server, _ in succeeded)
    assert served == {("read", 0): READS // 2, ("read", 1): READS // 2,
                      ("write", 0): WRITES // 2, ("write", 1): WRITES // 2}  # fmt: skip
    # Each governed read writes exactly one entry, and so does each write (`record:write`, the
    # new entry's): found by the request id every entry carries, none missing, none extra.
    by_request = dict(
        deployment.rows(
            "SELECT request_id, count(*) FROM audit_log WHERE seq > %(s)s GROUP BY request_id",
            {"s": before[1]},
        )
    )
    assert len(by_request) == len(succeeded)
    assert all(by_request.get(request_id) == 1 for _, _, request_id in succeeded)
    assert after[0] - before[0] == len(succeeded) == READS + WRITES
    assert _jordans_notes(deployment, jordan) == WRITES + demo_notes  # the demo's, and each write

    verified = peernotes(deployment.env, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"OK: {after[0]} entries verified" in verified.stdout


def _jordans_notes(deployment: Deployment, jordan: int) -> int:
    """How many clinical notes Jordan's record holds (the demo's own, then each write)."""
    return int(
        deployment.rows(
            "SELECT count(*) FROM record_entries WHERE subject_id = %(s)s AND category ="
            " 'clinical_note'",
            {"s": jordan},
        )[0][0]
    )


def _entries(deployment: Deployment) -> tuple[int, int]:
    """How many entries the log holds, and the last one's number."""
    count, last = deployment.rows("SELECT count(*), coalesce(max(seq), 0) FROM audit_log")[0]
    return int(count), int(last)  # type: ignore[call-overload]


def test_the_database_is_dropped_at_the_end() -> None:
    """The deployment's database goes, whatever happened inside."""
    with pytest.raises(RuntimeError), fresh_postgres_database() as url:
        name = make_url(url).database
        raise RuntimeError("a test that failed half way")
    from tests.ops.deployment import admin_conninfo

    with psycopg.connect(admin_conninfo()) as conn:
        left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchall()
    assert left == []
