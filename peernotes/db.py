"""Database plumbing: the declarative base, engines, and the per-request session.

Domain code receives a `Session` explicitly and only ever flushes. The one place that commits
is the route decorator in `peernotes.web.routes` (and each CLI command, at its own boundary).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so that Alembic migrations name things the same on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no time zones, so values are stored as naive UTC and given their zone back
    on load. A naive datetime handed in is a bug (whose local time?), so it is refused.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(
    url: str, *, sqlite_busy_timeout_ms: int = 10_000, read_only: bool = False, **kwargs: Any
) -> Engine:
    """Create an engine; for SQLite, configure WAL, a busy timeout and IMMEDIATE writes.

    Why IMMEDIATE: a SQLite transaction that starts as a reader and later writes cannot
    wait for the write lock (it would deadlock), so it fails at once with "database is
    locked". Taking the write lock at BEGIN makes concurrent writers queue for up to the busy
    timeout instead. Every request that reads governed content also writes an audit entry, so
    nearly every transaction is a writer anyway. A `read_only` engine (the log verifier)
    begins DEFERRED instead, so that it reads a snapshot without holding up any writer.
    """
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, sqlite_busy_timeout_ms, "DEFERRED" if read_only else "IMMEDIATE")
    return engine


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to us: pysqlite's own implicit BEGIN is DEFERRED.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(f"BEGIN {begin}")


#: The key under which every session's `info` holds the access log's chain-key source: a
#: function of the session (so that it may read, or first store, the key in the database).
AUDIT_KEY_SOURCE = "peernotes.audit_key"
#: The same for the master key that new data keys are wrapped with: a function of nothing.
MASTER_KEY_SOURCE = "peernotes.master_key"
#: The `peernotes.crypto.keyring.Keyring`: every master key in force, by fingerprint.
KEYRING = "peernotes.keyring"
#: The `peernotes.crypto.vault.KeyVault`: destroyable keys, kept outside the database.
KEY_VAULT = "peernotes.key_vault"


class Database:
    """The engine and session factory of one app. Creating it opens no connection.

    Keys come either from `key_sources` (the app: `peernotes.crypto.keyring.key_sources`, the
    chain key stored in the database and the master keys in their files) or, for tools and
    tests, from a fixed `audit_key`. Neither is read before the first access-log entry or data
    key needs it. This module knows only the names under which sessions carry them, so the
    database layer imports nothing of the crypto layer above it.
    """

    def __init__(
        self,
        url: str,
        *,
        audit_key: Callable[[], bytes] | None = None,
        key_sources: Mapping[str, object] | None = None,
        sqlite_busy_timeout_ms: int = 10_000,
    ) -> None:
        # hide_parameters: a database error's message would otherwise repeat the values of
        # its statement (what someone typed) into the server log (`peernotes.ops.logs`).
        self.engine = make_engine(
            url,
            sqlite_busy_timeout_ms=sqlite_busy_timeout_ms,
            pool_pre_ping=True,
            hide_parameters=True,
        )
        info: dict[str, object] = dict(key_sources or {})
        self.info: Mapping[str, object] = info
        if audit_key is not None:
            fixed = functools.cache(audit_key)
            info[AUDIT_KEY_SOURCE] = lambda _session: fixed()
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False, info=info)

    def session(self) -> Session:
        return self.sessions()


EXTENSION_KEY = "peernotes.db"


def init_app(app: Flask, database: Database) -> None:
    app.extensions[EXTENSION_KEY] = database

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            # Anything not committed by the route decorator is discarded here.
            session.rollback()
            session.close()


def get_database(app: Flask | None = None) -> Database:
    database: Database = (app or current_app).extensions[EXTENSION_KEY]
    return database


def request_session() -> Session:
    """The session of the current request (created on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = get_database().session()
    session: Session = g.db_session
    return session
