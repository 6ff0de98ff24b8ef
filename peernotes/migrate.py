"""Run Alembic migrations programmatically (the schema comes only from migrations)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # `%` would be read as interpolation by configparser.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


#: Texts about people stored in plain text by older versions are sealed at this revision
#: (it adds the sealed columns), before the next one drops the plaintext. Sealing needs the
#: master key, which no revision has: `peernotes.crypto.seal_plaintext` does it. It seals
#: through the app's data-key model, so every revision that changes `data_keys` must come
#: before this one (the erasure revision, which adds `data_keys.destroyed_at`, does); a later
#: change to that table would break upgrading a database from before sealing.
SEAL_AT = "a5e41c0d7b21"


def upgrade(
    database_url: str, revision: str = "head", *, seal: Callable[[], object] | None = None
) -> None:
    """Upgrade to `revision`. With `seal` (`peernotes db upgrade` passes one that holds the
    master key), a database on its way past `SEAL_AT` stops there for `seal()` first; without
    it, the revision after `SEAL_AT` refuses to drop plaintext that is not sealed yet."""
    cfg = alembic_config(database_url)
    if seal is not None and _passes_seal_point(cfg, database_url, revision):
        command.upgrade(cfg, SEAL_AT)
        seal()
    command.upgrade(cfg, revision)


def _passes_seal_point(cfg: AlembicConfig, database_url: str, revision: str) -> bool:
    """Does upgrading to `revision` apply the revision right after `SEAL_AT` (the one that
    drops the plaintext)?"""
    script = ScriptDirectory.from_config(cfg)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
    finally:
        engine.dispose()
    after = {r.revision for r in script.walk_revisions() if r.down_revision == SEAL_AT}
    pending = {
        r.revision
        for r in script.iterate_revisions(revision, current[0] if current else "base")
        if r is not None
    }
    return bool(pending & after)


def current_heads(database_url: str) -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
