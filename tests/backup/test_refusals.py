"""Restores that must not happen: a damaged, cut-short, foreign or wrong-key backup, or a
target that is not empty. Each is refused in words, and the target is left as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from config import MASTER_KEY_FILE_NAME, init_dev_secrets
from peernotes.backup.format import BackupInvalid
from peernotes.backup.service import BackupError, create_backup, restore_backup
from peernotes.crypto.keyring import Keyring
from peernotes.crypto.keys import master_key_id, read_master_key
from peernotes.db import get_database, make_engine
from tests.helpers import app_database_url


@pytest.fixture
def keyring(app: Flask) -> Keyring:
    return Keyring(app.config["PEERNOTES"].master_key_file)


@pytest.fixture
def backup(app: Flask, keyring: Keyring, tmp_path: Path) -> bytes:
    path = tmp_path / "good.pnb"
    create_backup(get_database(app), keyring, path, "test-backup")
    return path.read_bytes()


def _tables(url: str) -> list[str]:
    from peernotes.backup.service import _tables as tables_of

    if (
        make_url(url).get_backend_name() == "sqlite"
        and not Path(str(make_url(url).database)).exists()
    ):
        return []
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return tables_of(connection)
    finally:
        engine.dispose()


def _refused(
    data: bytes, tmp_path: Path, target: str, keyring: Keyring, match: str | None = None
) -> str:
    path = tmp_path / "changed.pnb"
    path.write_bytes(data)
    with pytest.raises((BackupInvalid, BackupError), match=match) as refused:
        restore_backup(path, target, keyring)
    assert _tables(target) == [], "the target was touched"
    return str(refused.value)


def _header_end(data: bytes) -> int:
    return 12 + int.from_bytes(data[8:12], "big")


def test_a_good_backup_restores(
    backup: bytes, tmp_path: Path, fresh_database: Callable[[], str], keyring: Keyring
) -> None:
    path = tmp_path / "copy.pnb"
    path.write_bytes(backup)
    target = fresh_database()
    assert restore_backup(path, target, keyring).entries_verified > 0
    assert "audit_log" in _tables(target)


def test_flipped_bytes_are_refused_and_touch_nothing(
    backup: bytes, tmp_path: Path, fresh_database: Callable[[], str], keyring: Keyring
) -> None:
    target = fresh_database()
    end = _header_end(backup)
    for at in (0, 9, 20, end - 2, end + 2, end + 40, len(backup) // 2, len(backup) - 1):
        damaged = bytearray(backup)
        damaged[at] ^= 0x40
        message = _refused(bytes(damaged), tmp_path, target, keyring)
        assert message and "Traceback" not in message


def test_cut_short_or_extended_backups_are_refused(
    backup: bytes, tmp_path: Path, fresh_database: Callable[[], str], keyring: Keyring
) -> None:
    target = fresh_database()
    end = _header_end(backup)
    manifest_end = end + 4 + int.from_bytes(backup[end : end + 4], "big")
    for length in (0, 5, end, end + 3, manifest_end, len(backup) // 2, len(backup) - 1):
        _refused(backup[:length], tmp_path, target, keyring)
    _refused(backup[:manifest_end], tmp_path, target, keyring, match="cut short")
    _refused(backup + b"more", tmp_path, target, keyring, match="after its last chunk")


def test_the_wrong_key_or_the_wrong_file_is_refused(
    backup: bytes, tmp_path: Path, fresh_database: Callable[[], str], keyring: Keyring
) -> None:
    target = fresh_database()
    other_dir = tmp_path / "other-keys"
    init_dev_secrets(other_dir)
    other = Keyring(other_dir / MASTER_KEY_FILE_NAME)
    _refused(backup, tmp_path, target, other, match="master key .* not in the key files")
    # The same file, its header rewritten to name the other key: the key is found, yet the
    # file will not open under it.
    own_id = keyring.primary()[0]
    other_id = master_key_id(read_master_key(other_dir / MASTER_KEY_FILE_NAME))
    relabelled = backup.replace(own_id.encode(), other_id.encode(), 1)
    _refused(relabelled, tmp_path, target, other, match="will not open")
    _refused(b"SQLite format 3\0" + bytes(4096), tmp_path, target, keyring, match="not a Peer")
    _refused(b"", tmp_path, target, keyring, match="not a PeerNotes backup")


def test_a_database_that_is_not_empty_is_refused_and_unchanged(
    app: Flask, backup: bytes, tmp_path: Path, keyring: Keyring
) -> None:
    from tests.helpers import count_rows

    path = tmp_path / "good.pnb"
    before = count_rows(app, "audit_log")
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(path, app_database_url(app), keyring)
    assert count_rows(app, "audit_log") == before


def _peernotes(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peernotes", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_the_commands_back_up_restore_and_refuse(
    app: Flask, tmp_path: Path, fresh_database: Callable[[], str]
) -> None:
    config = app.config["PEERNOTES"]
    env = {
        "PEERNOTES_ENV": "development",
        "PEERNOTES_INSTANCE_PATH": str(config.master_key_file.parent),
        "PEERNOTES_DATABASE_URL": app_database_url(app),
    }
    file = tmp_path / "cli.pnb"
    created = _peernotes(["backup", "create", str(file)], env)
    assert created.returncode == 0, created.stderr
    assert "Backup written" in created.stdout
    again = _peernotes(["backup", "create", str(file)], env)
    assert again.returncode == 2 and "already exists" in again.stderr

    damaged = tmp_path / "damaged.pnb"
    data = bytearray(file.read_bytes())
    data[-10] ^= 1
    damaged.write_bytes(bytes(data))
    target = fresh_database()
    refused = _peernotes(
        ["backup", "restore", str(damaged)], {**env, "PEERNOTES_DATABASE_URL": target}
    )
    assert refused.returncode == 2
    assert "damaged or altered" in refused.stderr and "nothing was restored" in refused.stderr
    assert _tables(target) == []

    restored = _peernotes(
        ["backup", "restore", str(file)], {**env, "PEERNOTES_DATABASE_URL": target}
    )
    assert restored.returncode == 0, restored.stderr
    assert "access log verified" in restored.stdout
    verified = _peernotes(["audit", "verify"], {**env, "PEERNOTES_DATABASE_URL": target})
    assert verified.returncode == 0, verified.stderr
