"""`peernotes keys rotate`: a new master key, and every data key re-wrapped under it.

Every step can be interrupted (even by a power cut) and repeated, so running the command
again after an interruption finishes the job:

1. The next key. `<master>.next` is written whole (0600, synced), or after an interruption
   reused. From then on every process wraps new keys with it and reads with either key.
2. The access log's chain key is stored in the database if it is not yet: it must outlive
   the old master key, which it was derived from.
3. Data keys not under the next key are re-wrapped in batches, each batch committed.
4. A last pass holds the key lock exclusively, re-wraps whatever is left (stored secrets and
   the key vault's entries included) and commits. From then on nothing is under the old key,
   and nothing new can be.
5. One access-log entry.
6. The swap. The old key is written to `<master>.retired-<fingerprint>`, then the next key is
   renamed over the master key file. Before the rename, a re-run resumes with the same next
   key; after it, the rotation is complete (a re-run would start another).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.writer import By, Target, record_event
from peernotes.crypto.files import TEMPORARY_SUFFIX, sync_directory, write_whole
from peernotes.crypto.keyring import Keyring, chain_key, keyring_of, lock_keys, retired_key_file
from peernotes.crypto.keys import (
    DecryptionFailed,
    KeyFileError,
    format_master_key,
    generate_master_key,
    master_key_id,
    read_master_key,
    unwrap_data_key,
    unwrap_secret,
    wrap_data_key,
    wrap_secret,
)
from peernotes.crypto.models import DataKey, SpaceKey, WrappedSecret
from peernotes.crypto.vault import KeyVault
from peernotes.db import KEY_VAULT, Database

DEFAULT_BATCH_SIZE = 500


class RotationError(RuntimeError):
    """The rotation cannot go on. The message is one line for the operator."""


@dataclass(frozen=True)
class Rotation:
    old_id: str
    new_id: str
    #: Data keys this run re-wrapped (an interrupted earlier run may have done some already).
    rewrapped: int
    resumed: bool
    retired_file: Path


def rotate(
    database: Database, *, request_id: str, batch_size: int = DEFAULT_BATCH_SIZE
) -> Rotation:
    """Rotate the master key of `database` (see the module's docstring for the steps).

    Raises:
        RotationError, KeyFileError: nothing is lost; the message says what to do.
    """
    keyring = keyring_of(database.info)
    if keyring is None:
        raise RotationError("this database is not configured with a master key file")
    with _one_rotation_at_a_time(keyring.master_file):
        _remove_temporaries(keyring.master_file)
        old_id, old = keyring.primary()
        new, resumed = _next_key(keyring)
        new_id = master_key_id(new)
        if new_id == old_id:
            raise RotationError(
                f"{keyring.next_file} holds the current master key; remove it and run again"
            )
        _store_chain_key(database, keyring)
        rewrapped = 0
        while count := _rewrap_batch(database, keyring, new_id, new, batch_size):
            rewrapped += count
        rewrapped += _last_pass(database, keyring, new_id, new)
        _record(database, request_id, new_id, rewrapped)
        retired = _swap(keyring, old_id, old)
    return Rotation(old_id, new_id, rewrapped, resumed, retired)


# Database steps -----------------------------------------------------------------------------


def _store_chain_key(database: Database, keyring: Keyring) -> None:
    with database.session() as session:
        try:
            chain_key(session, keyring, create=True)
        except DecryptionFailed as exc:
            raise RotationError("the stored access-log chain key will not open") from exc
        session.commit()


def _rewrap_batch(database: Database, keyring: Keyring, new_id: str, new: bytes, size: int) -> int:
    """Re-wrap up to `size` data keys in one committed transaction; how many it did."""
    with database.session() as session:
        count = _rewrap_data_keys(session, keyring, new_id, new, size)
        session.commit()
    return count


def _last_pass(database: Database, keyring: Keyring, new_id: str, new: bytes) -> int:
    """Re-wrap everything still under another key while nobody can wrap anything new."""
    with database.session() as session:
        lock_keys(session, exclusive=True)
        count = _rewrap_data_keys(session, keyring, new_id, new, None)
        _rewrap_secrets(session, keyring, new_id, new)
        # The peer-space keys in the vault too (files, each replaced whole): nothing can
        # create one under the old key while this pass holds the key lock.
        # Only keys not destroyed: an erasure marks its keys (under the key lock, shared) and
        # removes their entries after it commits, so none it has marked is re-written here.
        vault = database.info.get(KEY_VAULT)
        if isinstance(vault, KeyVault):
            live = set(session.scalars(select(SpaceKey.ref).where(SpaceKey.destroyed_at.is_(None))))
            vault.rewrap(keyring, new_id, new, live)
        session.commit()
    return count


def _rewrap_data_keys(
    session: Session, keyring: Keyring, new_id: str, new: bytes, limit: int | None
) -> int:
    query = (
        select(DataKey.id, DataKey.subject_id, DataKey.master_key_id, DataKey.wrapped_key)
        .where(DataKey.master_key_id != new_id)
        .order_by(DataKey.id)
        .limit(limit)
    )
    rows = session.execute(query).all()
    for row in rows:
        data_key = _unwrap_data_key(keyring, row)
        session.execute(
            update(DataKey)
            .where(DataKey.id == row.id, DataKey.master_key_id == row.master_key_id)
            .values(master_key_id=new_id, wrapped_key=wrap_data_key(new, row.subject_id, data_key))
        )
    return len(rows)


def _unwrap_data_key(keyring: Keyring, row: Row[int, int, str, bytes]) -> bytes:
    try:
        return unwrap_data_key(keyring.key(row.master_key_id), row.subject_id, row.wrapped_key)
    except DecryptionFailed as exc:
        raise RotationError(
            f"data key {row.id} will not open under the master key it names "
            f"({row.master_key_id}); the rotation stopped before it"
        ) from exc


def _rewrap_secrets(session: Session, keyring: Keyring, new_id: str, new: bytes) -> None:
    rows = session.execute(
        select(WrappedSecret.name, WrappedSecret.master_key_id, WrappedSecret.wrapped).where(
            WrappedSecret.master_key_id != new_id
        )
    ).all()
    for name, key_id, wrapped in rows:
        try:
            secret = unwrap_secret(keyring.key(key_id), name, wrapped)
        except DecryptionFailed as exc:
            raise RotationError(f"the stored secret {name!r} will not open") from exc
        session.execute(
            update(WrappedSecret)
            .where(WrappedSecret.name == name, WrappedSecret.master_key_id == key_id)
            .values(master_key_id=new_id, wrapped=wrap_secret(new, name, secret))
        )


def _record(database: Database, request_id: str, new_id: str, rewrapped: int) -> None:
    with database.session() as session:
        record_event(
            session,
            By(None, None, request_id),
            Action.KEYS_ROTATE,
            None,
            Target("master_key", new_id),
            Outcome.ALLOWED,
            f"{Basis.CLI}:rewrapped_{rewrapped}",
        )
        session.commit()


# Key files ----------------------------------------------------------------------------------


@contextmanager
def _one_rotation_at_a_time(master_file: Path) -> Iterator[None]:
    # A lock on the key files' directory; the kernel drops it if this process dies.
    fd = os.open(master_file.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RotationError("another key rotation is running; let it finish") from None
        yield
    finally:
        os.close(fd)


def _next_key(keyring: Keyring) -> tuple[bytes, bool]:
    """The next key, and whether it was already there (an interrupted rotation's)."""
    if keyring.next_file.exists():
        return read_master_key(keyring.next_file), True
    key = generate_master_key()
    write_key_file(keyring.next_file, key, like=keyring.master_file)
    return key, False


def _swap(keyring: Keyring, old_id: str, old: bytes) -> Path:
    retired = retired_key_file(keyring.master_file, old_id)
    try:
        if not retired.exists():
            write_key_file(retired, old, like=keyring.master_file)
        os.replace(keyring.next_file, keyring.master_file)
        sync_directory(keyring.master_file.parent)
    except OSError as exc:
        raise KeyFileError(f"cannot replace the master key file: {exc.strerror}") from exc
    return retired


def write_key_file(path: Path, key: bytes, *, like: Path) -> None:
    """Write a key file whole: after a crash there is either no file or all of it.

    Readable by whoever can read `like` (the master key file), even when an operator runs
    this as root, so that the server can go on reading its keys.
    """
    model = os.stat(like)
    try:
        write_whole(
            path,
            format_master_key(key).encode("ascii"),
            before_write=lambda fd: _same_owner(fd, model),
        )
    except OSError as exc:
        raise KeyFileError(f"cannot write the key file {path}: {exc.strerror}") from exc


def _same_owner(fd: int, model: os.stat_result) -> None:
    try:
        os.fchown(fd, model.st_uid, model.st_gid)
    except PermissionError:
        pass  # not root: the file is ours, as the master key file presumably is
    # Owner read/write; group read only if the master key file grants it.
    os.fchmod(fd, 0o600 | (model.st_mode & 0o040))


def _remove_temporaries(master_file: Path) -> None:
    """Half-written key files of an interrupted run (never renamed, so never used)."""
    for leftover in master_file.parent.glob(f".{master_file.name}.*{TEMPORARY_SUFFIX}"):
        leftover.unlink(missing_ok=True)
