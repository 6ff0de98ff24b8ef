"""`peernotes backup create FILE` and `peernotes backup restore FILE`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import current_app
from flask.cli import AppGroup

from config import Config

backup_group = AppGroup("backup", help="Encrypted backups of the database, and restores.")


def _fail(message: str, status: int = 2) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def _request_id() -> str:
    """Entries written by one command share an id, as a web request's do."""
    import secrets

    return f"cli-{secrets.token_hex(6)}"


def _target() -> tuple[str, Config]:
    from peernotes.db import get_database

    config: Config = current_app.config["PEERNOTES"]
    url = get_database().engine.url.render_as_string(hide_password=False)
    return url, config


@backup_group.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_create(file: Path) -> None:
    """Back up the whole database, encrypted under the master key, into FILE (a new file).

    Safe while the app serves: it saves one consistent moment.
    """
    from peernotes.backup.service import BackupError, create_backup
    from peernotes.crypto.keyring import Keyring
    from peernotes.crypto.keys import KeyFileError
    from peernotes.db import get_database

    _url, config = _target()
    try:
        created = create_backup(
            get_database(), Keyring(config.master_key_file), file, _request_id()
        )
    except (BackupError, KeyFileError) as exc:
        _fail(str(exc))
    manifest = created.manifest
    click.echo(
        f"Backup written to {file} ({created.size:,} bytes): schema {manifest['schema_head']}, "
        f"{sum(manifest['row_counts'].values()):,} rows, access log to entry "
        f"{manifest['log_head']['seq']}. Keep the master key that opens it "
        f"(fingerprint in the file's header) for as long as you keep the backup."
    )


@backup_group.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def backup_restore(file: Path) -> None:
    """Restore FILE into the configured database, which must be empty, and check it.

    The whole file is authenticated first: a damaged, cut-short or foreign file is refused
    and the database is left as it was.
    """
    from peernotes.backup.format import BackupInvalid
    from peernotes.backup.service import BackupError, restore_backup
    from peernotes.crypto.keyring import Keyring
    from peernotes.crypto.keys import KeyFileError

    url, config = _target()
    try:
        restored = restore_backup(file, url, Keyring(config.master_key_file))
    except BackupInvalid as exc:
        _fail(f"{exc}; nothing was restored")
    except (BackupError, KeyFileError) as exc:
        _fail(str(exc))
    manifest = restored.manifest
    click.echo(
        f"Restored the backup of {manifest['created_at']}: schema {manifest['schema_head']}, "
        f"row counts match the manifest, access log verified ({restored.entries_verified} "
        "entries). Run `peernotes db upgrade` if this version's schema is newer."
    )
