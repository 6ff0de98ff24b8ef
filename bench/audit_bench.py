"""Access-log benchmarks, printed as figures measured in this one run.

1. Verification speed on generated logs of N and 2N entries (2N >= 1,000,000): entries/s,
   and t(2N) / t(N), which is near 2 when verification is linear.
2. Append cost: throughput of an endpoint that writes one entry, divided by the throughput of
   the same endpoint with the append switched off, both under the same real HTTP server.
3. Concurrency: 2 processes x 2,000 appends, on SQLite and on PostgreSQL: lost entries, busy
   errors, and whether the chain verifies.

Run with `make bench-audit` (or `.venv/bin/python -m bench.audit_bench`). Options:
`--entries N` (default 500000, so 2N = 1,000,000), `--requests R`, `--appends A`.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bench.appends import log_one_action
from bench.common import bench_config
from config import MASTER_KEY_FILE_NAME, init_dev_secrets
from peernotes.audit.chain import GENESIS_MAC, ChainRow, compute_mac
from peernotes.audit.events import Action
from peernotes.audit.verify import verify_connection, verify_database
from peernotes.crypto.keys import audit_chain_key
from peernotes.db import Database, make_engine
from peernotes.migrate import upgrade

PG_ADMIN = os.environ.get(
    "PEERNOTES_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
INSERT = (
    "INSERT INTO audit_log (seq, occurred_at_us, actor_id, actor_role, action, subject_id, "
    "target_type, target_id, outcome, basis, request_id, mac) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


# 1. Verification -----------------------------------------------------------------------------


def _generated(count: int, key: bytes) -> Iterator[tuple[Any, ...]]:
    """A realistic mix of entries, chained under `key` exactly as the writer chains them."""
    actions = [a.value for a in Action]
    previous = GENESIS_MAC
    start_us = 1_760_000_000_000_000
    for seq in range(1, count + 1):
        row = ChainRow(
            seq,
            start_us + seq * 1_000,
            seq % 97 or None,
            "clinician" if seq % 3 else "consumer_peer_worker",
            actions[seq % len(actions)],
            seq % 41 or None,
            "record_entry" if seq % 2 else None,
            str(seq % 5000) if seq % 2 else None,
            "denied" if seq % 17 == 0 else "allowed",
            f"consent:{seq % 300}" if seq % 5 else "care_assignment",
            f"{seq:016x}",
            b"",
        )
        mac = compute_mac(key, previous, row)
        previous = mac
        yield tuple(row[:11]) + (mac,)


def _build_log(path: Path, count: int, key: bytes) -> None:
    upgrade(f"sqlite:///{path}")
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    with conn:
        batch: list[tuple[Any, ...]] = []
        for row in _generated(count, key):
            batch.append(row)
            if len(batch) == 50_000:
                conn.executemany(INSERT, batch)
                batch.clear()
        if batch:
            conn.executemany(INSERT, batch)
    conn.close()


def bench_verify(tmp: Path, n: int, key: bytes) -> None:
    print(f"\n1. Verification (SQLite, generated logs of {n:,} and {2 * n:,} entries)")
    paths = {}
    for count in (n, 2 * n):
        paths[count] = tmp / f"log-{count}.sqlite3"
        started = time.perf_counter()
        _build_log(paths[count], count, key)
        print(f"   {count:>9,} entries generated in {time.perf_counter() - started:.1f} s")
    # Measured after both logs exist, best of three rounds, interleaved: the figure is the
    # verifier's, not the disk's still writing back the freshly generated logs.
    results: dict[tuple[int, int | None], float] = {}
    used: dict[int | None, int] = {}
    for _ in range(3):
        for count in (n, 2 * n):
            for workers in (1, None):
                timed = verify_database(f"sqlite:///{paths[count]}", key, workers=workers)
                assert timed.verdict.ok and timed.verdict.count == count
                key_ = (count, workers)
                results[key_] = min(results.get(key_, float("inf")), timed.seconds)
                used[workers] = timed.workers
    for count in (n, 2 * n):
        for workers in (1, None):
            seconds = results[(count, workers)]
            print(
                f"   {count:>9,} entries, {used[workers]} process(es): verified in "
                f"{seconds:5.2f} s = {count / seconds:>9,.0f} entries/s"
            )
    for workers, label in ((1, "one process"), (None, "one per core")):
        ratio = results[(2 * n, workers)] / results[(n, workers)]
        print(f"   t(2N) / t(N), {label}: {ratio:.2f}   (linear is 2.00)")
    best = (2 * n) / results[(2 * n, None)]
    print(f"   goal >= 300,000 entries/s; measured on {2 * n:,} entries: {best:,.0f} entries/s")


# 2. Append cost under a real server ----------------------------------------------------------


def _serve(app: Any) -> tuple[Any, str]:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"127.0.0.1:{server.server_port}"


def _session_cookie(address: str, email: str, password: str) -> str:
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port))
    conn.request("GET", "/login")
    response = conn.getresponse()
    body = response.read().decode()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    assert token
    from urllib.parse import urlencode

    form = urlencode({"email": email, "password": password, "csrf_token": token.group(1)})
    conn = http.client.HTTPConnection(host, int(port))
    conn.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    return response.getheader("Set-Cookie", "").split(";")[0]


def _throughput(address: str, path: str, cookie: str, count: int) -> float:
    host, port = address.split(":")
    started = time.perf_counter()
    for _ in range(count):
        conn = http.client.HTTPConnection(host, int(port))
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
        conn.close()
    return count / (time.perf_counter() - started)


def bench_append_cost(tmp: Path, requests_per_round: int, rounds: int = 5) -> None:
    from peernotes import create_app
    from peernotes.accesslog import views as accesslog_views
    from peernotes.demo.loader import DEMO_PASSWORD, load_demo

    print("\n2. Append cost (one real HTTP server, SQLite)")
    url = f"sqlite:///{tmp / 'append.sqlite3'}"
    upgrade(url)
    config = bench_config(url, tmp)
    app = create_app(config)
    with app.app_context():
        from peernotes.db import get_database

        with get_database(app).session() as session:
            load_demo(session)
            session.commit()
    server, address = _serve(app)
    cookie = _session_cookie(address, "auditor@peernotes.example", DEMO_PASSWORD)
    # The auditor's entry page: reads one entry, writes one (audit:view).
    path = "/audit/entries/1"
    real: Callable[..., Any] = accesslog_views.record_event
    with_append: list[float] = []
    without: list[float] = []
    _throughput(address, path, cookie, 50)  # warm up
    for _ in range(rounds):  # interleaved, so drift affects both alike
        accesslog_views.record_event = real  # type: ignore[assignment]
        with_append.append(_throughput(address, path, cookie, requests_per_round))
        accesslog_views.record_event = lambda *a, **k: None  # type: ignore[assignment]
        without.append(_throughput(address, path, cookie, requests_per_round))
    accesslog_views.record_event = real  # type: ignore[assignment]
    server.shutdown()
    on, off = sorted(with_append)[rounds // 2], sorted(without)[rounds // 2]
    print(f"   GET {path}, {rounds} x {requests_per_round} requests each way (median):")
    print(f"   with the append:    {on:8.1f} requests/s")
    print(f"   append switched off:{off:8.1f} requests/s")
    print(f"   ratio with / without = {on / off:.3f}")


# 3. Concurrency --------------------------------------------------------------------------------


def _append_worker(url: str, key_file: str, count: int, name: str, out: Any) -> None:
    key = audit_chain_key(Path(key_file))
    database = Database(url, audit_key=lambda: key)
    busy = 0
    written = 0
    for i in range(count):
        try:
            log_one_action(database, f"{name}-{i}")
            written += 1
        except OperationalError:
            busy += 1
    database.engine.dispose()
    out.put((written, busy))


def _concurrency(label: str, url: str, key_file: Path, per_process: int) -> None:
    upgrade(url)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    processes = [
        ctx.Process(target=_append_worker, args=(url, str(key_file), per_process, f"p{n}", queue))
        for n in range(2)
    ]
    started = time.perf_counter()
    for p in processes:
        p.start()
    results = [queue.get(timeout=600) for _ in processes]
    for p in processes:
        p.join()
    seconds = time.perf_counter() - started
    written = sum(r[0] for r in results)
    busy = sum(r[1] for r in results)
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        seqs_ok = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one() == stored
        verdict = verify_connection(conn, audit_chain_key(key_file)).verdict
    engine.dispose()
    lost = 2 * per_process - stored
    print(
        f"   {label:<10} {stored:>5} stored of {2 * per_process} | lost: {lost} | "
        f"busy errors: {busy} | gapless: {seqs_ok} | chain verifies: {verdict.ok} | "
        f"{stored / seconds:,.0f} appends/s"
    )
    assert written == stored


def bench_concurrency(tmp: Path, per_process: int) -> None:
    print(f"\n3. Concurrency (2 processes x {per_process:,} appends)")
    key_file = tmp / MASTER_KEY_FILE_NAME
    _concurrency("SQLite", f"sqlite:///{tmp / 'concurrent.sqlite3'}", key_file, per_process)
    name = f"peernotes_bench_{secrets.token_hex(4)}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        print(f"   PostgreSQL not reachable at {PG_ADMIN}: {exc.__class__.__name__}")
        return
    try:
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
        _concurrency("PostgreSQL", url, key_file, per_process)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=500_000, help="N (2N are generated too)")
    parser.add_argument("--requests", type=int, default=300, help="requests per round")
    parser.add_argument("--appends", type=int, default=2_000, help="appends per process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="peernotes-bench-") as name:
        tmp = Path(name)
        init_dev_secrets(tmp)
        key = audit_chain_key(tmp / MASTER_KEY_FILE_NAME)
        bench_verify(tmp, args.entries, key)
        bench_append_cost(tmp, args.requests)
        bench_concurrency(tmp, args.appends)


if __name__ == "__main__":
    main()
