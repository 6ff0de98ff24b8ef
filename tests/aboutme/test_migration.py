"""The about-me-and-skills migration: its tables, the two new consent kinds allowed by the
categories' CHECK (the SQLite table rebuilt with its rows), the append-only guard kept, and the
way down and up again."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from peernotes.db import make_engine
from peernotes.migrate import alembic_config, current_heads
from tests.conftest import engine_name

REVISION = "dc7c0d507197"
TABLE = "consent_provision_categories"
NEW = ("about_me_versions", "skill_items", "skill_item_versions")


def _state(url: str) -> tuple[set[str], set[str]]:
    """The new tables present, and the triggers guarding the categories."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(NEW) & set(inspect(conn).get_table_names())
            if engine.dialect.name == "postgresql":
                sql = (
                    "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                    " WHERE c.relname = :t AND NOT t.tgisinternal"
                )
            else:
                sql = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"
            triggers = {str(t) for t in conn.execute(text(sql), {"t": TABLE}).scalars()}
    finally:
        engine.dispose()
    return tables, triggers


def _insert(url: str, category: str) -> None:
    """One category row, foreign keys aside (only the CHECK on the category is tried here)."""
    # A plain engine: on SQLite it leaves foreign keys off (the app's turns them on).
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                # Foreign keys are system triggers: a replica session skips them, not CHECKs.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(
                text(f"INSERT INTO {TABLE} (provision_id, category) VALUES (:p, :c)"),
                {"p": 999_000 + len(category), "c": category},
            )
    finally:
        engine.dispose()


def test_the_migration_allows_the_new_kinds_keeps_the_guard_and_goes_down_and_up(
    empty_database_url: str,
) -> None:
    cfg = alembic_config(empty_database_url)
    (head,) = current_heads(empty_database_url)
    below = ScriptDirectory.from_config(cfg).get_revision(REVISION).down_revision
    assert isinstance(below, str) and head
    guarded = {f"{TABLE}_no_update", f"{TABLE}_no_delete"}
    if engine_name() == "postgresql":
        guarded = {f"{TABLE}_no_update_delete", f"{TABLE}_no_truncate"}
    assert _state(empty_database_url) == (set(NEW), guarded)
    _insert(empty_database_url, "about_me")
    _insert(empty_database_url, "skills")
    with pytest.raises(DBAPIError):
        _insert(empty_database_url, "bogus")

    engine = make_engine(empty_database_url)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {TABLE}"))  # still append-only after the rebuild
    engine.dispose()


def test_the_migration_goes_down_and_up_on_an_empty_database(empty_database_url: str) -> None:
    cfg = alembic_config(empty_database_url)
    below = ScriptDirectory.from_config(cfg).get_revision(REVISION).down_revision
    assert isinstance(below, str)
    command.downgrade(cfg, below)
    tables, triggers = _state(empty_database_url)
    assert tables == set() and len(triggers) == 2
    command.upgrade(cfg, "head")
    assert _state(empty_database_url)[0] == set(NEW)
