"""Database plumbing: the declarative base, engines, and the per-request session.

Domain code receives a `Session` explicitly and only ever flushes. The one place that commits
is the route decorator in `peernotes.web.routes` (and each CLI command, at its own boundary).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from time import perf_counter
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event
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


#: The execution option that says how a SQLite transaction on a connection begins.
SQLITE_BEGIN = "peernotes_sqlite_begin"
#: `Connection.info` flag: this SQLite transaction began as a reader and may not write.
_READ_PHASE = "peernotes.read_phase"
#: `Session.info`: when this transaction took the lock that serializes writers (perf_counter).
_LOCKED_AT = "peernotes.locked_at"
#: `Session.info`: seconds this session's transactions have held that lock, in all.
SERIAL_SECONDS = "peernotes.serial_seconds"
#: `Session.info`: whether the session's transaction is a SQLite reader (`in_read_phase`).
_READER = "peernotes.reader"
#: `Session.info`: the session is a request's reader (`Database.reading_session`).
_READING = "peernotes.reading"
#: `Session.info`: changes held for the transaction's write phase (`write_at_end`).
_AT_END = "peernotes.write_at_end"

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


class WriteInReadPhase(RuntimeError):
    """A transaction that began as a SQLite reader tried to change something.

    Nothing was written (the statement never ran). The request's transaction must be rolled
    back and its work done again as a writer (`peernotes.web.routes` does): a reader never
    upgrades itself to a writer, which is what could deadlock or fail on a stale snapshot.
    """


def make_engine(
    url: str, *, sqlite_busy_timeout_ms: int = 10_000, read_only: bool = False, **kwargs: Any
) -> Engine:
    """Create an engine; for SQLite, configure WAL, a busy timeout and how transactions begin.

    A SQLite transaction that starts as a reader and later writes cannot wait for the write
    lock when someone else wrote since it began (it fails at once: its snapshot is stale).
    So no transaction here ever upgrades itself:
    - a writer (the default) begins IMMEDIATE: it takes the write lock at BEGIN, and
      concurrent writers queue for up to the busy timeout;
    - a reader (a session bound with `SQLITE_BEGIN: "DEFERRED"`, as a GET request's is, and
      every session of a `read_only` engine, such as the log verifier) reads a snapshot
      without holding up anyone. It may not write (`WriteInReadPhase`, raised before the
      statement runs) with two exceptions made for it at its end: its access-log entries and
      the small changes held by `write_at_end`. For those it ends its snapshot, which has
      written nothing, and begins IMMEDIATE on the same connection (`take_write_lock`), so the
      write lock is held only for the append and the commit.
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
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, begin)
        connection.exec_driver_sql("BEGIN DEFERRED" if mode == "DEFERRED" else "BEGIN IMMEDIATE")
        connection.info[_READ_PHASE] = mode == "DEFERRED"

    @event.listens_for(engine, "before_cursor_execute")
    def _no_write_while_reading(
        connection: Connection, _cursor: Any, statement: str, *_args: Any
    ) -> None:
        if connection.info.get(_READ_PHASE) and statement.lstrip()[:6].upper() in _WRITES:
            raise WriteInReadPhase(statement.split(None, 3)[:3])


def is_reading(session: Session) -> bool:
    """Whether `session` is a request's reader (`Database.reading_session`), on any engine."""
    return bool(session.info.get(_READING))


def in_read_phase(session: Session) -> bool:
    """Whether `session`'s transaction is a SQLite reader's snapshot (which may not write).

    Read from the session, not its connection: asking for the connection of a transaction
    whose connection failed would try to connect again (say, in a readiness check's commit).
    """
    return bool(session.info.get(_READER))


def take_write_lock(session: Session) -> None:
    """Make `session`'s SQLite transaction a writer, holding the write lock until it ends.

    A writer already holds it (it began IMMEDIATE). A reader ends its snapshot, in which it
    has written nothing (`WriteInReadPhase` saw to that), and begins IMMEDIATE on the same
    connection: from here on it reads the newest data, which is what an append needs (the
    chain's head), and nothing it read before is written back.
    """
    connection = session.connection()
    if not connection.info.get(_READ_PHASE):
        return
    raw: Any = connection.connection.driver_connection
    # ROLLBACK, not COMMIT: the snapshot wrote nothing, and were anything to slip past the
    # guard, it would be thrown away here rather than made durable ahead of its entries.
    raw.execute("ROLLBACK")
    raw.execute("BEGIN IMMEDIATE")
    connection.info[_READ_PHASE] = False
    session.info[_READER] = False
    note_locked(session, perf_counter())


def note_locked(session: Session, at: float) -> None:
    """Record when `session`'s transaction took the lock that serializes writers."""
    session.info.setdefault(_LOCKED_AT, at)


def write_at_end(session: Session, change: Callable[[Session], object]) -> None:
    """Make a small change in the transaction's write phase, just before it commits.

    For bookkeeping a reader must do (a session's last use), which must not make a whole GET
    request a writer. The change runs before the access-log entries are appended.
    """
    session.info.setdefault(_AT_END, []).append(change)


@event.listens_for(Session, "after_begin")
def _writer_from_the_start(session: Session, _transaction: Any, connection: Connection) -> None:
    reader = bool(connection.info.get(_READ_PHASE))
    session.info[_READER] = reader
    # A SQLite writer holds the write lock from BEGIN, so its whole transaction is serial.
    if connection.dialect.name == "sqlite" and not reader:
        note_locked(session, perf_counter())


# insert=True: before the access log's own `before_commit` (`peernotes.audit.writer`), so the
# held changes are written before the entries are appended.
@event.listens_for(Session, "before_commit", insert=True)
def _apply_held_changes(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return
    if in_read_phase(session) and (
        session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    ):
        # Changes a reader made without a query to flush them: the same rule as any write.
        raise WriteInReadPhase("unflushed changes")
    held: list[Callable[[Session], object]] | None = session.info.get(_AT_END)
    if not held:
        return
    if session.get_bind().dialect.name == "sqlite":
        take_write_lock(session)
    changes = list(held)
    held.clear()
    for change in changes:
        change(session)


@event.listens_for(Session, "after_transaction_end")
def _end_of_transaction(session: Session, transaction: Any) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_READER, None)
    held = session.info.get(_AT_END)
    if held:
        held.clear()  # rolled back: what it held goes with it
    locked_at: float | None = session.info.pop(_LOCKED_AT, None)
    if locked_at is not None:
        session.info[SERIAL_SECONDS] = session.info.get(SERIAL_SECONDS, 0.0) + (
            perf_counter() - locked_at
        )


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
        pool_size: int | None = None,
        max_overflow: int | None = None,
    ) -> None:
        # hide_parameters: a database error's message would otherwise repeat the values of
        # its statement (what someone typed) into the server log (`peernotes.ops.logs`).
        # The pool's size per process (README, deployment); an in-memory SQLite database has
        # a single-connection pool, which takes no size.
        pool: dict[str, Any] = {}
        if pool_size is not None and ":memory:" not in url and url != "sqlite://":
            pool = {"pool_size": pool_size, "max_overflow": max_overflow or 0}
        self.engine = make_engine(
            url,
            sqlite_busy_timeout_ms=sqlite_busy_timeout_ms,
            pool_pre_ping=True,
            hide_parameters=True,
            **pool,
        )
        info: dict[str, object] = dict(key_sources or {})
        self.info: Mapping[str, object] = info
        if audit_key is not None:
            fixed = functools.cache(audit_key)
            info[AUDIT_KEY_SOURCE] = lambda _session: fixed()
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False, info=info)
        # On SQLite, the same pool, but transactions begin as readers (see `make_engine`).
        self.reader_engine = (
            self.engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
            if self.engine.dialect.name == "sqlite"
            else self.engine
        )

    def session(self) -> Session:
        return self.sessions()

    def reading_session(self) -> Session:
        """A session whose transactions begin as readers (on SQLite; on PostgreSQL any
        transaction reads concurrently already). It writes only the log and `write_at_end`
        changes, at its end; anything else raises `WriteInReadPhase` (`as_writer`). On both
        engines it appends its log entries only at its end (`is_reading`)."""
        session = self.sessions(bind=self.reader_engine)
        session.info[_READING] = True
        return session

    def as_writer(self, session: Session) -> None:
        """Roll back `session` and make its next transaction a writer from the start.

        The held bookkeeping (a session's last use) is kept: the second run does not load
        the signed-in person again, so it would not be held again.
        """
        held = list(session.info.get(_AT_END) or ())
        session.rollback()
        session.bind = self.engine
        session.info.pop(_READING, None)
        session.info[_AT_END] = held


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


#: Requests that change nothing but the access log (and `write_at_end` bookkeeping): their
#: transactions begin as readers (`Database.reading_session`).
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def request_session() -> Session:
    """The session of the current request (created on first use, closed at teardown)."""
    if "db_session" not in g:
        database = get_database()
        reading = request.method in READING_METHODS if has_request_context() else False
        g.db_session = database.reading_session() if reading else database.session()
    session: Session = g.db_session
    return session
