"""Is this process ready to serve? The checks behind `/ready`.

`/health` says the process is alive. Readiness says more: the database answers, its schema is
the one this code was written for (the `alembic_version` row names the migrations' head), and
the master key is loaded and opens what the database keeps wrapped under it, and the key
vault beside it (peer-space keys) is there and opens. A load balancer
sends no traffic to a process that is not ready; an operator reads which check failed.

Each check reports only "ok" or "failed": never an error text, a key, a path or a row.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import cache

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from peernotes.crypto.keyring import CHAIN_SECRET, Keyring, read_secret
from peernotes.crypto.keys import DecryptionFailed, KeyFileError, unwrap_secret, wrap_secret
from peernotes.crypto.models import SpaceKey
from peernotes.crypto.vault import KeyShredded, KeyVault
from peernotes.db import KEY_VAULT

#: The name the key check's throwaway secret is bound to (it is never stored).
_PROBE_NAME = "readiness-probe"


@dataclass(frozen=True)
class Readiness:
    """Each check's outcome: True passed, False failed, None not run (what it needs failed)."""

    passed: dict[str, bool | None]

    @property
    def ready(self) -> bool:
        return all(ok is True for ok in self.passed.values())

    def as_json(self) -> dict[str, object]:
        words = {True: "ok", False: "failed", None: "not checked"}
        return {
            "status": "ready" if self.ready else "not ready",
            "checks": {name: words[ok] for name, ok in self.passed.items()},
        }


@cache
def script_heads() -> frozenset[str]:
    """The migrations' head revision(s), read from the scripts once per process.

    Reading them loads every revision file, so it is done on the first readiness check and
    kept: the scripts cannot change under a running process's code.
    """
    from alembic.script import ScriptDirectory

    from peernotes.migrate import alembic_config

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def check(db: Session, keyring: Keyring | None) -> Readiness:
    """Run every check; when the database does not answer, the others are not run."""
    if not _database_answers(db):
        return Readiness({"database": False, "migrations": None, "keys": None})
    migrations = _migrations_at_head(db)
    keys = keyring is not None and _keys_usable(db, keyring) and _vault_usable(db, keyring)
    return Readiness({"database": True, "migrations": migrations, "keys": keys})


def _database_answers(db: Session) -> bool:
    try:
        db.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.rollback()
        return False
    return True


def _migrations_at_head(db: Session) -> bool:
    try:
        applied = frozenset(db.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:  # no alembic_version table: never migrated
        db.rollback()
        return False
    return applied == script_heads()


def _keys_usable(db: Session, keyring: Keyring) -> bool:
    """The master key file reads, wraps and unwraps, and opens the database's chain key.

    The last part tells a key file that is well formed but not this database's key (a wrong
    file deployed) from the right one: every secret in the database would fail to open.
    """
    try:
        _, key = keyring.newest()
        probe = secrets.token_bytes(16)
        if unwrap_secret(key, _PROBE_NAME, wrap_secret(key, _PROBE_NAME, probe)) != probe:
            return False
        read_secret(db, keyring, CHAIN_SECRET)  # None on a database that has no log yet
    except (KeyFileError, DecryptionFailed):
        return False
    except SQLAlchemyError:
        db.rollback()
        return False
    return True


#: How many of the newest live peer-space keys are tried; one opening is enough.
_VAULT_SAMPLE = 20


def _vault_usable(db: Session, keyring: Keyring) -> bool:
    """The key vault (peer-space keys, outside the database) is a folder the service can
    write, and, when the database names live peer-space keys, one of the newest opens.

    A vault path deployed wrong would otherwise show every private peer note as unreadable
    with no error anywhere. One opening key of a sample is enough: a database restored from
    before an erasure names keys that are gone on purpose.
    """
    vault = db.info.get(KEY_VAULT)
    if not isinstance(vault, KeyVault):
        return False
    directory = vault.directory
    if not (directory.is_dir() and os.access(directory, os.W_OK | os.X_OK)):
        return False
    try:
        live = db.execute(
            select(SpaceKey.ref, SpaceKey.subject_id)
            .where(SpaceKey.destroyed_at.is_(None))
            .order_by(SpaceKey.id.desc())
            .limit(_VAULT_SAMPLE)
        ).all()
    except SQLAlchemyError:
        db.rollback()
        return False
    if not live:
        return True
    for ref, subject_id in live:
        try:
            vault.get(keyring, ref, subject_id)
        except (KeyShredded, DecryptionFailed, KeyFileError, ValueError, OSError):
            continue
        return True
    return False
