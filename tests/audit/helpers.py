"""Tampering with the log the way someone with database access would, and running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Connection, text

from config import MASTER_KEY_FILE_NAME, SIGNING_KEY_FILE_NAME
from peernotes.crypto.keyring import Keyring, read_chain_key
from peernotes.db import make_engine
from tests.conftest import TEST_KEYS


def cli_env(url: str, instance: str, master_key_file: Path | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "PEERNOTES_ENV": "development",
        "PEERNOTES_DATABASE_URL": url,
        "PEERNOTES_INSTANCE_PATH": instance,
        "PEERNOTES_SECRET_KEY": "cli-test-secret",
        "PEERNOTES_MASTER_KEY_FILE": str(master_key_file or TEST_KEYS / MASTER_KEY_FILE_NAME),
        "PEERNOTES_AUDIT_SIGNING_KEY_FILE": str(TEST_KEYS / SIGNING_KEY_FILE_NAME),
    }


def chain_key(url: str, master_key_file: Path | None = None) -> bytes:
    """The log's chain key as `peernotes audit verify` finds it: stored, else initial."""
    return read_chain_key(url, Keyring(master_key_file or TEST_KEYS / MASTER_KEY_FILE_NAME))


def peernotes(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peernotes", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _without_triggers(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
    else:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")


def tamper(url: str, statements: Iterable[tuple[str, dict[str, object]]]) -> None:
    """Run raw SQL against the log with its append-only triggers out of the way."""
    engine = make_engine(url)
    with engine.begin() as conn:
        _without_triggers(conn)
        for sql, params in statements:
            conn.execute(text(sql), params)
    engine.dispose()


def rows(url: str, sql: str, params: dict[str, object] | None = None) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(text(sql), params or {})]
    engine.dispose()
    return found
