"""The migration of record_entry_statements goes down and up again on this run's engine, taking
its append-only triggers with it. (That the models match the migrations' head is
tests/migrations/test_schema.py.)"""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from peernotes.db import make_engine
from peernotes.migrate import alembic_config, current_heads
from tests.conftest import engine_name

REVISION = "299c07e30b9c"
TABLE = "record_entry_statements"


def _state(url: str) -> tuple[bool, set[str], str]:
    """Is the table there, which triggers guard it, and where the database stands."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            present = TABLE in inspect(conn).get_table_names()
            if engine.dialect.name == "postgresql":
                triggers = conn.execute(
                    text(
                        "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                        "WHERE c.relname = :t AND NOT t.tgisinternal"
                    ),
                    {"t": TABLE},
                ).scalars()
            else:
                triggers = conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                    {"t": TABLE},
                ).scalars()
            found = {str(t) for t in triggers}
            version = str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())
    finally:
        engine.dispose()
    return present, found, version


def test_the_migration_goes_down_and_up(empty_database_url: str) -> None:
    cfg = alembic_config(empty_database_url)
    (head,) = current_heads(empty_database_url)
    below = ScriptDirectory.from_config(cfg).get_revision(REVISION).down_revision
    assert isinstance(below, str)

    present, triggers, version = _state(empty_database_url)
    assert present and version == head
    guarded = {f"{TABLE}_no_update", f"{TABLE}_no_delete"}
    if engine_name() == "postgresql":
        guarded = {f"{TABLE}_no_update_delete", f"{TABLE}_no_truncate"}
    assert triggers == guarded

    command.downgrade(cfg, below)
    assert _state(empty_database_url) == (False, set(), below)

    command.upgrade(cfg, "head")
    assert _state(empty_database_url) == (True, guarded, head)
