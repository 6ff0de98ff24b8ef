"""Fixtures for the backup drill and the crash test: fresh, empty target databases."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, _pg_admin_engine


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """`fresh_database()` gives the URL of a new database with nothing in it (no schema):
    a SQLite file that does not exist yet, or a PostgreSQL database created for the test and
    dropped after it."""
    created: list[str] = []

    def make() -> str:
        if not PG_URL:
            return f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.sqlite3'}"
        name = f"pn_t_{uuid.uuid4().hex[:12]}"
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        created.append(name)
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    if created:
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
