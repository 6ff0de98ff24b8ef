"""The schema comes from the migrations, and the models agree with it (on this run's engine)."""

from __future__ import annotations

import threading
import time

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from peernotes.db import make_engine
from peernotes.migrate import alembic_config, current_heads, upgrade
from peernotes.models import Base
from tests.conftest import engine_name


def test_models_match_the_migration_head(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    with engine.connect() as conn:
        assert engine.dialect.name == engine_name()
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert context.get_current_heads() == current_heads(empty_database_url)
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_every_model_table_exists_after_upgrade(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_is_idempotent(empty_database_url: str) -> None:
    upgrade(empty_database_url)  # already at head: must be a no-op, not an error
    cfg = alembic_config(empty_database_url)
    assert cfg.get_main_option("script_location", "").endswith("migrations")


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'wal.sqlite3'}"
    engine = make_engine(url, sqlite_busy_timeout_ms=4321)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 4321
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_sqlite_write_transactions_begin_immediate(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A second writer waits for the first to commit instead of failing with 'locked'."""
    url = f"sqlite:///{tmp_path / 'writers.sqlite3'}"
    setup = create_engine(url)
    with setup.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")
    setup.dispose()

    engine = make_engine(url, sqlite_busy_timeout_ms=10_000)
    errors: list[BaseException] = []

    def bump(times: int) -> None:
        try:
            for _ in range(times):
                with engine.begin() as conn:
                    # Read, think, then write: the classic lost-update / upgrade-deadlock shape.
                    n = conn.exec_driver_sql("SELECT n FROM counter").scalar_one()
                    time.sleep(0.001)
                    conn.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(50,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        total = conn.exec_driver_sql("SELECT n FROM counter").scalar_one()
    engine.dispose()
    assert errors == []
    assert total == 200  # no lost updates: each read-then-write held the write lock


def test_two_step_sign_in_ends_every_session_started_with_the_password_alone(
    empty_database_url: str,
) -> None:
    """Sessions open before the MFA revision never passed a code (nor the enrolment gate,
    which is set when a session starts): the revision ends them all."""
    from alembic import command

    cfg = alembic_config(empty_database_url)
    command.downgrade(cfg, "c3d9f2e8a614")
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, display_name, role, password_hash, active,"
                    " must_change_password, created_at, password_changed_at) VALUES"
                    " (1, 'c@x.example', 'Chen', 'clinician', 'x', :yes, :no, :t, :t)"
                ),
                {"yes": True, "no": False, "t": "2026-12-01 10:00:00"},
            )
            conn.execute(
                text(
                    "INSERT INTO login_sessions (id, user_id, token_hash, created_at) VALUES"
                    " (1, 1, :h, :t)"
                ),
                {"h": "0" * 64, "t": "2026-12-01 10:00:00"},
            )
        upgrade(empty_database_url)
        with engine.connect() as conn:
            revoked = conn.execute(
                text("SELECT revoked_at, revoked_reason FROM login_sessions WHERE id = 1")
            ).one()
        assert revoked[0] is not None and revoked[1] == "two_step_introduced"
    finally:
        engine.dispose()
