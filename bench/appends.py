"""R8: logged actions per second for a whole deployment. Two processes, `writers` threads in
all, each action `record_event` in a transaction of its own, all starting together; then
the entries stored are counted (none may be lost) and the chain is verified."""

from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from peernotes.audit.events import Action, Outcome
from peernotes.audit.verify import verify_connection
from peernotes.audit.writer import By, record_event
from peernotes.auth.roles import Role
from peernotes.crypto.keys import audit_chain_key
from peernotes.db import Database, make_engine
from peernotes.migrate import upgrade


@dataclass(frozen=True)
class AppendResult:
    per_second: float
    stored: int
    attempted: int
    lost: int
    failed: int
    chain_ok: bool
    gapless: bool


def log_one_action(database: Database, request_id: str) -> None:
    """One logged action in its own transaction: an auditor listing the log."""
    with database.session() as session:
        record_event(
            session,
            By(1, Role.AUDITOR, request_id),
            Action.AUDIT_LIST,
            None,
            None,
            Outcome.ALLOWED,
            "role:auditor",
        )
        session.commit()


def _thread(database: Database, name: str, count: int, tally: list[int]) -> None:
    for i in range(count):
        try:
            log_one_action(database, f"{name}-{i}")
            tally[0] += 1
        except OperationalError:
            tally[1] += 1  # busy or serialization failure: the action did not happen


def _process(
    url: str, key_file: str, threads: int, count: int, name: str, go: Any, out: Any
) -> None:
    key = audit_chain_key(Path(key_file))
    database = Database(url, audit_key=lambda: key)
    tallies = [[0, 0] for _ in range(threads)]
    workers = [
        threading.Thread(target=_thread, args=(database, f"{name}t{n}", count, tallies[n]))
        for n in range(threads)
    ]
    go.wait()
    started = time.time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    ended = time.time()
    database.engine.dispose()
    out.put((sum(t[0] for t in tallies), sum(t[1] for t in tallies), started, ended))


def measure_appends(url: str, key_file: Path, *, writers: int, per_writer: int) -> AppendResult:
    """`writers` threads split over two processes, `per_writer` actions each, into the fresh
    database at `url` (migrated here)."""
    upgrade(url)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    go = ctx.Event()
    split = [writers // 2, writers - writers // 2]
    processes = [
        ctx.Process(target=_process, args=(url, str(key_file), n, per_writer, f"p{i}", go, out))
        for i, n in enumerate(split)
    ]
    for process in processes:
        process.start()
    time.sleep(1.0)  # both processes imported and connected before the start
    go.set()
    results = [out.get(timeout=900) for _ in processes]
    for process in processes:
        process.join()
    written = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    seconds = max(r[3] for r in results) - min(r[2] for r in results)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
            top = conn.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()
            verdict = verify_connection(conn, audit_chain_key(key_file)).verdict
    finally:
        engine.dispose()
    return AppendResult(
        per_second=stored / seconds,
        stored=stored,
        attempted=writers * per_writer,
        # An action whose commit returned but whose entry is not there: must be 0.
        lost=written - stored,
        failed=failed,
        chain_ok=verdict.ok,
        gapless=top == stored,
    )
