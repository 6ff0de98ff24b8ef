"""The log is appended at the end of a transaction, and a SQLite GET reads as a reader.

What these show (README, "Performance and scale"):
- an entry is held, not appended, until its transaction commits: the append lock (PostgreSQL's
  advisory lock, SQLite's write lock) is not held while the rest of the request runs;
- what a transaction held goes with it when it rolls back, and a failed append fails the commit;
- a SQLite reader never upgrades itself: it may not write (the statement never runs), and at
  its end it appends on a fresh write transaction, also when others wrote since its snapshot;
- under concurrent readers and writers no entry is lost and the chain stays whole.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Outcome
from peernotes.audit.models import AuditEntry
from peernotes.audit.verify import verify_connection
from peernotes.audit.writer import APPEND_LOCK_ID, By, Target, record_event
from peernotes.auth.roles import Role
from peernotes.crypto.keys import audit_chain_key
from peernotes.db import SERIAL_SECONDS, Database, WriteInReadPhase, make_engine
from tests.audit.helpers import rows
from tests.conftest import TEST_KEYS, engine_name

KEY = audit_chain_key(TEST_KEYS / "master.key")
BY = By(1, Role.ADMIN, "append-at-end")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url, audit_key=lambda: KEY)
    yield database
    database.engine.dispose()


def _record(session: Session, n: int = 0) -> AuditEntry:
    return record_event(
        session, BY, Action.ACCOUNT_CREATE, None, Target("user", n), Outcome.ALLOWED, "role:admin"
    )


def _count(url: str) -> int:
    return int(rows(url, "SELECT count(*) FROM audit_log")[0][0])  # type: ignore[arg-type]


def _chain_whole(url: str) -> bool:
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return verify_connection(conn, KEY).verdict.ok
    finally:
        engine.dispose()


def _someone_else_appends(database: Database, n: int) -> None:
    """Another transaction appends and commits, with no waiting allowed on SQLite."""
    with database.session() as other:
        if engine_name() == "sqlite":
            other.execute(text("PRAGMA busy_timeout = 0"))
        _record(other, n)
        other.commit()
        if engine_name() == "sqlite":
            other.execute(text("PRAGMA busy_timeout = 10000"))
            other.commit()


def test_an_entry_is_held_until_commit_and_numbered_then(
    database: Database, database_url: str
) -> None:
    before = _count(database_url)
    with database.reading_session() as session:
        entry = _record(session)
        assert entry.seq is None  # held, not appended
        assert _count(database_url) == before
        session.commit()
        assert entry.seq == before + 1 and len(entry.mac) == 32
    assert _count(database_url) == before + 1 and _chain_whole(database_url)


def test_the_append_lock_is_free_while_the_transaction_goes_on(
    database: Database, database_url: str
) -> None:
    """The old writer took the lock at the first entry and held it to the commit: another
    writer could not append meanwhile. Now it can, and both entries land in commit order."""
    before = _count(database_url)
    with database.reading_session() as session:
        session.execute(select(func.count()).select_from(AuditEntry.__table__)).scalar()
        mine = _record(session, 1)
        if engine_name() == "postgresql":
            held = session.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND objid = :lock"
                ),
                {"lock": APPEND_LOCK_ID},
            ).scalar()
            assert held == 0
        _someone_else_appends(database, 2)  # would wait for (PG) or fail on (SQLite) a held lock
        session.commit()
        assert mine.seq == before + 2  # after the other's, which committed first
    assert _count(database_url) == before + 2 and _chain_whole(database_url)


def test_a_rollback_takes_its_held_entries_with_it(database: Database, database_url: str) -> None:
    before = _count(database_url)
    with database.session() as session:
        _record(session)
        session.rollback()
        session.commit()
    assert _count(database_url) == before


def test_reading_the_log_sees_ones_own_entries(database: Database) -> None:
    with database.session() as session:
        entry = _record(session, 7777777)
        found = session.scalars(select(AuditEntry).where(AuditEntry.target_id == "7777777")).all()
        assert found == [entry] and entry.seq is not None
        session.rollback()


def test_a_failed_append_fails_the_commit_and_the_action(database_url: str) -> None:
    """No chain key at commit: the commit raises, and the action's own change is gone too."""
    calls: list[int] = []

    def broken_key() -> bytes:
        calls.append(1)
        raise RuntimeError("no key today")

    database = Database(database_url, audit_key=broken_key)
    first = "(SELECT min(id) FROM users)"
    before = rows(database_url, f"SELECT display_name FROM users WHERE id = {first}")
    try:
        with database.session() as session:
            session.execute(text(f"UPDATE users SET display_name = 'changed' WHERE id = {first}"))
            _record(session)
            with pytest.raises(RuntimeError, match="no key today"):
                session.commit()
    finally:
        database.engine.dispose()
    assert calls
    assert rows(database_url, f"SELECT display_name FROM users WHERE id = {first}") == before


@pytest.mark.skipif(engine_name() != "sqlite", reason="SQLite's reader snapshots")
class TestSQLiteReaders:
    def test_a_reader_may_not_write_and_nothing_is_written(
        self, database: Database, database_url: str
    ) -> None:
        before = _count(database_url)
        with database.reading_session() as session:
            session.execute(select(func.count()).select_from(AuditEntry.__table__)).scalar()
            with pytest.raises(WriteInReadPhase):
                session.execute(text("DELETE FROM notifications"))
            session.rollback()
        assert _count(database_url) == before

    def test_a_reader_does_not_hold_the_write_lock(self, database: Database) -> None:
        with database.reading_session() as session:
            session.execute(select(func.count()).select_from(AuditEntry.__table__)).scalar()
            _record(session)
            _someone_else_appends(database, 3)  # busy_timeout 0: fails if the lock were held
            session.commit()
            assert session.info.get(SERIAL_SECONDS, 0.0) > 0.0

    def test_a_stale_reader_still_appends(self, database: Database, database_url: str) -> None:
        """Upgrading a snapshot after someone else committed fails at once in SQLite
        (SQLITE_BUSY_SNAPSHOT); the reader ends its snapshot first, so it appends."""
        before = _count(database_url)
        with database.reading_session() as session:
            session.execute(select(func.count()).select_from(AuditEntry.__table__)).scalar()
            mine = _record(session, 4)
            _someone_else_appends(database, 5)
            session.commit()
        assert mine.seq == before + 2 and _chain_whole(database_url)


def test_concurrent_readers_and_writers_lose_nothing(database_url: str) -> None:
    """8 threads: half read-and-log as readers, half write-and-log as writers, each
    transaction its own. Every entry arrives, numbered without a gap, and the chain is whole."""
    database = Database(database_url, audit_key=lambda: KEY)
    before = _count(database_url)
    per_thread, failures = 40, []

    def work(kind: str, thread: int) -> None:
        try:
            for i in range(per_thread):
                opened = database.reading_session if kind == "read" else database.session
                with opened() as session:
                    session.execute(select(func.max(AuditEntry.seq))).scalar()
                    _record(session, thread * 1000 + i)
                    session.commit()
        except Exception as error:  # noqa: BLE001 - reported below, with its thread
            failures.append(f"{kind} {thread}: {error!r}")

    threads = [
        threading.Thread(target=work, args=("read" if t % 2 else "write", t)) for t in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    database.engine.dispose()
    assert failures == []
    seqs = [r[0] for r in rows(database_url, "SELECT seq FROM audit_log ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) == before + 8 * per_thread and _chain_whole(database_url)


def test_a_get_that_writes_runs_again_as_a_writer(app: Flask, database_url: str) -> None:
    """A GET view that changes more than the log is rolled back at its first write and run
    again as a writer: its change and its entries are there once, not twice."""
    from peernotes.auth.roles import Permission
    from peernotes.web.routes import requires
    from tests.helpers import demo_email, sign_in

    runs: list[bool] = []

    @requires(Permission.ACCESS_LOG_VIEW_OWN)
    def writes_on_get(actor: object, db: Session) -> str:
        runs.append(True)
        _record(db, 99)
        db.execute(text("UPDATE users SET display_name = display_name WHERE id = 0"))
        return "done"

    app.add_url_rule("/test-writes-on-get", "test_writes_on_get", writes_on_get)
    client = app.test_client()
    sign_in(client, demo_email("alex"))
    before = _count(database_url)
    response = client.get("/test-writes-on-get")
    assert (response.status_code, response.data) == (200, b"done")
    assert len(runs) == (2 if engine_name() == "sqlite" else 1)
    assert _count(database_url) == before + 1


def test_an_entry_from_before_a_failed_step_survives_it(
    database: Database, database_url: str
) -> None:
    """A step that reads the log must not append earlier entries inside its savepoint: the
    savepoint's rollback would take them while the action they describe stayed."""
    from peernotes.audit.steps import refusable

    with database.session() as session:
        _record(session, 8888888)
        with pytest.raises(RuntimeError), refusable(session):
            session.scalars(select(AuditEntry).where(AuditEntry.target_id == "8888888")).all()
            raise RuntimeError("the step fails")
        session.commit()
    found = rows(database_url, "SELECT count(*) FROM audit_log WHERE target_id = '8888888'")
    assert found[0][0] == 1


def test_a_count_of_the_log_sees_ones_own_entries(database: Database) -> None:
    with database.session() as session:
        before = session.scalar(select(func.count()).select_from(AuditEntry))
        _record(session, 6666666)
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
        session.rollback()
