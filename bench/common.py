"""What the benchmarks share: bulk inserts, throwaway PostgreSQL databases, an app config and
a signed-in test client."""

from __future__ import annotations

import os
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from config import MASTER_KEY_FILE_NAME, SIGNING_KEY_FILE_NAME, Config

PG_ADMIN = os.environ.get(
    "PEERNOTES_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BENCH_PASSWORD = "bench-password-records-2026"
BENCH_DOMAIN = "bench.example"

K = TypeVar("K")


def insert_rows(conn: Connection, model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert in bulk (one executemany through SQLAlchemy Core); the new ids, in order."""
    if not rows:
        return []
    result = conn.execute(
        insert(model).returning(model.id, sort_by_parameter_order=True), list(rows)
    )
    return [row[0] for row in result]


def count_queries(engine: Engine, action: Callable[[], object]) -> int:
    """How many SQL statements `action` sends through `engine`."""
    seen: list[None] = []

    def count(*_args: object) -> None:
        seen.append(None)

    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def bench_config(url: str, tmp: Path) -> Config:
    return Config(
        env="test",
        database_url=url,
        secret_key=secrets.token_hex(32),
        master_key_file=tmp / MASTER_KEY_FILE_NAME,
        instance_path=tmp,
        audit_signing_key_file=tmp / SIGNING_KEY_FILE_NAME,
        login_attempts_per_address=10_000,
    )


def signed_in(app: Flask, email: str) -> FlaskClient:
    """A test client signed in through the real form, CSRF token and all."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "the sign-in page has no CSRF token"
    response = client.post(
        "/login",
        data={"email": email, "password": BENCH_PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 302, response.status_code
    return client


@contextmanager
def postgres_databases(count: int) -> Iterator[list[str] | None]:
    """`count` fresh PostgreSQL databases, dropped afterwards; None when there is no server."""
    names = [f"peernotes_bench_{secrets.token_hex(4)}" for _ in range(count)]
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        print(f"\nPostgreSQL not reachable at {PG_ADMIN}: {exc.__class__.__name__}")
        admin.dispose()
        yield None
        return
    try:
        base = make_url(PG_ADMIN)
        yield [base.set(database=n).render_as_string(hide_password=False) for n in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def on_each_engine(
    label: str, scales: Sequence[int], run: Callable[[str, dict[int, str], Path], None]
) -> None:
    """`run(engine name, {scale: database URL}, scratch folder)` on SQLite, then on PostgreSQL
    in fresh databases when a server answers."""
    with tempfile.TemporaryDirectory(prefix="peernotes-bench-") as name:
        tmp = Path(name)
        run("SQLite", {s: f"sqlite:///{tmp / f'{label}-{s}x.sqlite3'}" for s in scales}, tmp)
        with postgres_databases(len(scales)) as pg_urls:
            if pg_urls is not None:
                run("PostgreSQL", dict(zip(scales, pg_urls, strict=True)), tmp)


def interleaved_medians(
    actions: Mapping[K, Callable[[], object]], *, rounds: int, calls: int
) -> dict[K, float]:
    """The median time of each action in milliseconds, `calls` calls a round, after a warm-up
    (caches, pools, prepared statements). Rounds run every action in turn, in the mapping's
    order, so that drift over the run affects them all alike."""
    for action in actions.values():
        for _ in range(calls // 4 + 1):
            action()
    spent: dict[K, list[float]] = {key: [] for key in actions}
    for _ in range(rounds):
        for key, action in actions.items():
            for _ in range(calls):
                started = time.perf_counter()
                action()
                spent[key].append(time.perf_counter() - started)
    return {key: statistics.median(times) * 1000 for key, times in spent.items()}


def analyze(engine: Engine) -> None:
    """On PostgreSQL, statistics as autovacuum would soon have them after a bulk load: without
    them the planner guesses, and a benchmark of guesses says nothing about a running service.
    SQLite is left as the app leaves it: nothing runs ANALYZE there."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
