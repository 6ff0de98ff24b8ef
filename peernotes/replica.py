"""The read replica (`PEERNOTES_REPLICA_DATABASE_URL`): where reads that decide nothing go.

A replica kept by the database's own replication lags the primary by a moment. That is harmless
for a read that only reports, and wrong for one that decides: a consent revoked a moment ago
would still be read as given. So only two reads use it: the rows of the auditor's log export
(`peernotes.accesslog.views`, whose permit and `audit:export` entry stay on the primary) and the
log verifier (`peernotes audit verify`, which confirms any failure on the primary before it
reports one). Consent, care assignments, sessions, accounts and every governed read go through
the request's session (`peernotes.db`), which is always the primary's; nothing here is used by
the access layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from config import Config
from peernotes.db import make_engine

EXTENSION_KEY = "peernotes.replica"


def init_app(app: Flask, config: Config) -> None:
    """The replica's engine, when one is configured. Creating it opens no connection."""
    app.extensions[EXTENSION_KEY] = replica_engine(config)


def replica_engine(config: Config) -> Engine | None:
    if not config.replica_database_url:
        return None
    # read_only: a SQLite copy is read in a snapshot (DEFERRED), never locked for writing.
    # hide_parameters: as for the primary, no statement's values in the server log.
    return make_engine(
        config.replica_database_url,
        read_only=True,
        sqlite_busy_timeout_ms=config.sqlite_busy_timeout_ms,
        pool_pre_ping=True,
        hide_parameters=True,
        pool_size=config.db_pool_size,
        max_overflow=config.db_max_overflow,
    )


@contextmanager
def report_reads(db: Session) -> Iterator[Session]:
    """A session for a read that decides nothing: the replica's, or `db` (the request's, on the
    primary) when there is no replica. Never for a read that decides who may see what."""
    engine: Engine | None = current_app.extensions.get(EXTENSION_KEY)
    if engine is None:
        yield db
        return
    with Session(engine) as session:
        yield session
