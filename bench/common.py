"""What the benchmarks share: bulk inserts, throwaway PostgreSQL databases, an app config and
a signed-in test client."""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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
