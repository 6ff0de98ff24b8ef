"""Verify the access log in a database against its chain key and signed checkpoints.

`verify_connection` checks the whole log in one pass on a connection you already hold (the
auditor's "verify now" button). `verify_database` is what the command line uses: it splits
the log into slices and checks them in parallel processes, one per core, because each
entry's MAC depends only on the MAC stored before it (see `chain.verify`).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection

from peernotes.audit.chain import GENESIS_MAC, Checkpoint, Verdict, verify
from peernotes.audit.models import CHAIN_COLUMNS

_BATCH = 20_000
#: Below this many entries a single process is faster than starting more.
_PARALLEL_FROM = 100_000


@dataclass(frozen=True)
class Timed:
    verdict: Verdict
    seconds: float
    workers: int = 1

    @property
    def rate(self) -> float:
        return self.verdict.count / self.seconds if self.seconds > 0 else float("inf")


def chain_rows(
    connection: Connection, first: int | None = None, last: int | None = None
) -> Iterator[tuple[object, ...]]:
    """Entries as plain tuples in seq order (all, or seq first..last), streamed in batches.

    Read through the DB-API cursor, not the ORM: a million entries must verify in seconds.
    """
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    postgres = connection.dialect.name == "postgresql"
    placeholder = "%s" if postgres else "?"
    sql = f"SELECT {CHAIN_COLUMNS} FROM audit_log"  # nosec B608 # reviewed: constant columns
    params: tuple[int, ...] = ()
    if first is not None and last is not None:
        sql += f" WHERE seq BETWEEN {placeholder} AND {placeholder}"
        params = (first, last)
    sql += " ORDER BY seq"
    if postgres:
        cursor = dbapi.cursor(name=f"peernotes_audit_verify_{os.getpid()}")  # server-side
        cursor.itersize = _BATCH  # type: ignore[attr-defined]
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql, params)
        # Both drivers stream here: SQLite steps the statement, PostgreSQL fetches `itersize`.
        yield from iter(cursor)  # type: ignore[call-overload]
    finally:
        cursor.close()


def verify_connection(
    connection: Connection, key: bytes, checkpoints: Iterable[Checkpoint] = ()
) -> Timed:
    started = time.perf_counter()
    verdict = verify(chain_rows(connection), key, checkpoints)
    return Timed(verdict, time.perf_counter() - started)


def _stored_mac(connection: Connection, seq: int) -> bytes | None:
    from sqlalchemy import text

    value = connection.execute(text("SELECT mac FROM audit_log WHERE seq = :s"), {"s": seq})
    row = value.first()
    return bytes(row[0]) if row else None


def _verify_slice(
    url: str, key: bytes, first: int, last: int, checkpoints: list[Checkpoint]
) -> Verdict:
    from peernotes.db import make_engine

    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as connection:
            previous = GENESIS_MAC if first == 1 else _stored_mac(connection, first - 1)
            if previous is None:
                # The slice before ends by finding this gap; report it here too.
                problem = f"entry {first - 1} is missing"
                return Verdict(False, 0, first - 1, problem)
            return verify(
                chain_rows(connection, first, last),
                key,
                checkpoints,
                first_seq=first,
                previous_mac=previous,
                last_seq=last,
            )
    finally:
        engine.dispose()


def verify_database(
    url: str, key: bytes, checkpoints: Iterable[Checkpoint] = (), workers: int | None = None
) -> Timed:
    """Verify the whole log of the database at `url`, in parallel slices."""
    from sqlalchemy import text

    from peernotes.db import make_engine

    started = time.perf_counter()
    checkpoints = list(checkpoints)
    engine = make_engine(url, read_only=True)
    with engine.connect() as connection:
        highest = connection.execute(text("SELECT max(seq) FROM audit_log")).scalar() or 0
    engine.dispose()
    workers = max(1, min(workers or os.cpu_count() or 1, highest // _PARALLEL_FROM or 1))
    bounds = [(1 + i * highest // workers, (i + 1) * highest // workers) for i in range(workers)]
    jobs = [
        (url, key, first, last, [c for c in checkpoints if first <= c.seq <= last])
        for first, last in bounds
        if first <= last
    ]
    if len(jobs) > 1:
        with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
            verdicts = pool.starmap(_verify_slice, jobs)
    else:
        verdicts = [_verify_slice(*job) for job in jobs]
    seconds = time.perf_counter() - started

    failures = [v for v in verdicts if not v.ok]
    if failures:
        first_bad = min(failures, key=lambda v: v.first_bad_seq or 0)
        bad_seq = first_bad.first_bad_seq or 1
        return Timed(
            Verdict(False, bad_seq - 1, bad_seq, first_bad.problem, bad_seq - 1), seconds, workers
        )
    beyond = [c.seq for c in checkpoints if c.seq > highest]
    if beyond:
        problem = (
            f"the log ends at entry {highest}, but a checkpoint records entry {max(beyond)}: "
            f"entries {highest + 1} to {max(beyond)} were removed"
        )
        return Timed(Verdict(False, highest, highest + 1, problem, highest), seconds, workers)
    head_mac = verdicts[-1].head_mac if verdicts else GENESIS_MAC
    return Timed(Verdict(True, highest, None, None, highest, head_mac), seconds, workers)
