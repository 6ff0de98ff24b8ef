"""The master keys in force, and the secrets the database keeps wrapped by them.

A `Keyring` watches the master key file and, while a rotation is under way, the next key
beside it (`<master>.next`). It re-reads them whenever either file changes, so a running
server keeps working while another process rotates (`peernotes.crypto.rotation`):

- unwrapping uses the key a row names by its fingerprint (`master_key_id`);
- new wrappings use the newest key: the next one when there is one, so that whatever is
  created during a rotation is already where the rotation is taking everything else.

A rotation leaves the old key beside them as `<master>.retired-<fingerprint>` until the
operator destroys it. It is read only when a row still names it, which happens to a request
that read its row an instant before the rotation finished.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from peernotes.crypto.keys import (
    KeyFileError,
    initial_chain_key,
    master_key_id,
    parse_master_key,
    read_master_key,
    unwrap_secret,
    wrap_secret,
)
from peernotes.crypto.models import WrappedSecret
from peernotes.db import (
    AUDIT_KEY_SOURCE,
    KEY_VAULT,
    KEYRING,
    MASTER_KEY_SOURCE,
    make_engine,
    utcnow,
)

NEXT_SUFFIX = ".next"
RETIRED_INFIX = ".retired-"
#: The access log's chain key, in `wrapped_secrets`.
CHAIN_SECRET = "audit_chain"
#: An arbitrary, fixed advisory-lock id for "wrapping something under the newest master key".
_PG_KEYS_LOCK_ID = 0x5045_4B59  # "PEKY"
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")


class UnknownMasterKey(KeyFileError):
    """A row names a master key that is in none of the key files."""


def next_key_file(master_file: Path) -> Path:
    return master_file.with_name(master_file.name + NEXT_SUFFIX)


def retired_key_file(master_file: Path, key_id: str) -> Path:
    return master_file.with_name(f"{master_file.name}{RETIRED_INFIX}{key_id}")


# What identifies one version of a file: device, inode, size, modification time. None: absent.
_Stamp = tuple[int, int, int, int] | None


def _stamp_of(result: os.stat_result) -> _Stamp:
    return (result.st_dev, result.st_ino, result.st_size, result.st_mtime_ns)


def _stamp(path: Path) -> _Stamp:
    try:
        return _stamp_of(os.stat(path))
    except FileNotFoundError:
        return None


def _read(path: Path) -> tuple[_Stamp, bytes | None]:
    """A key file's key and the stamp of exactly the version read (None, None: no file)."""
    try:
        with open(path, "rb") as handle:
            stamp = _stamp_of(os.fstat(handle.fileno()))
            data = handle.read()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise KeyFileError(f"cannot read the master key file {path}") from exc
    try:
        return stamp, parse_master_key(data.decode("ascii"))
    except (UnicodeDecodeError, KeyFileError) as exc:
        raise KeyFileError(f"{path} must hold 64 hexadecimal characters") from exc


@dataclass(frozen=True)
class _Snapshot:
    stamps: tuple[_Stamp, _Stamp]  # (next, master), in the order they are read
    keys: dict[str, bytes]
    primary_id: str
    newest_id: str


class Keyring:
    """The master key file and its pending successor, by fingerprint. Safe across threads."""

    def __init__(self, master_file: Path) -> None:
        self.master_file = master_file
        self.next_file = next_key_file(master_file)
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def primary(self) -> tuple[str, bytes]:
        """The key in the master key file (during a rotation, still the old one)."""
        snapshot = self._current()
        return snapshot.primary_id, snapshot.keys[snapshot.primary_id]

    def newest(self) -> tuple[str, bytes]:
        """The key new wrappings use: the next key during a rotation, else the master key."""
        snapshot = self._current()
        return snapshot.newest_id, snapshot.keys[snapshot.newest_id]

    def newest_key(self) -> bytes:
        return self.newest()[1]

    def key(self, key_id: str) -> bytes:
        """The master key with this fingerprint.

        Raises:
            UnknownMasterKey: no key file holds it.
        """
        found = self._current().keys.get(key_id)
        if found is None:
            # A rotation may have swapped the files between this process's reads: once more.
            found = self._current(force=True).keys.get(key_id)
        return found if found is not None else self._retired(key_id)

    def _current(self, *, force: bool = False) -> _Snapshot:
        snapshot = self._snapshot
        if (
            not force
            and snapshot is not None
            and snapshot.stamps == (_stamp(self.next_file), _stamp(self.master_file))
        ):
            return snapshot
        with self._lock:
            self._snapshot = self._load()
            return self._snapshot

    def _load(self) -> _Snapshot:
        # The next key first: a rotation ends by renaming it over the master key file, so
        # reading in this order can see the new key twice but never miss it.
        next_stamp, next_key = _read(self.next_file)
        master_stamp, master = _read(self.master_file)
        if master is None:
            raise KeyFileError(f"cannot read the master key file {self.master_file}")
        primary_id = master_key_id(master)
        keys = {primary_id: master}
        newest_id = primary_id
        if next_key is not None:
            newest_id = master_key_id(next_key)
            keys[newest_id] = next_key
        return _Snapshot((next_stamp, master_stamp), keys, primary_id, newest_id)

    def _retired(self, key_id: str) -> bytes:
        # Not cached: once the operator destroys the file, the key is gone from here too.
        problem = UnknownMasterKey(
            f"no master key with fingerprint {key_id!r}: neither {self.master_file.name}, "
            f"{self.next_file.name} nor a retired key file beside them holds it"
        )
        if not _KEY_ID.match(key_id):
            raise problem
        path = retired_key_file(self.master_file, key_id)
        if not path.is_file():
            raise problem
        key = read_master_key(path)
        if master_key_id(key) != key_id:
            raise KeyFileError(f"{path} does not hold the key its name says")
        return key


# The key lock -------------------------------------------------------------------------------


def lock_keys(session: Session, *, exclusive: bool) -> None:
    """Hold the key lock until `session`'s transaction ends.

    Whoever wraps something under "the newest key" holds it shared while choosing that key and
    storing the row; a rotation holds it exclusively for its last pass. So the last pass either
    sees a row wrapped under the old key (and re-wraps it), or that row's writer sees the next
    key. On SQLite every write transaction already holds the database's only write lock from
    BEGIN (`BEGIN IMMEDIATE`, see `peernotes.db`), which is stronger.
    """
    if session.get_bind().dialect.name == "postgresql":
        function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        session.execute(text(f"SELECT {function}(:id)"), {"id": _PG_KEYS_LOCK_ID})


# Wrapped secrets ----------------------------------------------------------------------------


def _stored(session: Session, name: str) -> tuple[str, bytes] | None:
    row = session.execute(
        select(WrappedSecret.master_key_id, WrappedSecret.wrapped).where(WrappedSecret.name == name)
    ).first()
    return (row[0], bytes(row[1])) if row is not None else None


def _insert_unless_present(session: Session, values: dict[str, object]) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING: two first writers agree on the value, so either wins."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(WrappedSecret).values(values).on_conflict_do_nothing()
    return sqlite.insert(WrappedSecret).values(values).on_conflict_do_nothing()


def read_secret(session: Session, keyring: Keyring, name: str) -> bytes | None:
    stored = _stored(session, name)
    if stored is None:
        return None
    key_id, wrapped = stored
    return unwrap_secret(keyring.key(key_id), name, wrapped)


def store_secret(session: Session, keyring: Keyring, name: str, secret: bytes) -> bytes:
    """Store `secret` under `name` unless a value is already there; return the stored value."""
    lock_keys(session, exclusive=False)
    key_id, master = keyring.newest()
    values: dict[str, object] = {
        "name": name,
        "master_key_id": key_id,
        "wrapped": wrap_secret(master, name, secret),
        "created_at": utcnow(),
    }
    session.execute(_insert_unless_present(session, values))
    stored = read_secret(session, keyring, name)
    assert stored is not None  # inserted just now, or by someone else before
    return stored


def chain_key(session: Session, keyring: Keyring, *, create: bool) -> bytes:
    """The access log's chain key: the stored one, or (until it is stored) the initial one.

    `create` stores it when it is missing. The access-log writer does so under the log's write
    lock, and a rotation does before it changes any key; a read-only verifier does not.
    """
    # Read the master key file *before* looking for the stored copy. A rotation stores the
    # copy before it replaces that file, so when there is no copy, the key read here is still
    # the one the log began under.
    _, primary = keyring.primary()
    stored = read_secret(session, keyring, CHAIN_SECRET)
    if stored is not None:
        return stored
    key = initial_chain_key(primary)
    return store_secret(session, keyring, CHAIN_SECRET, key) if create else key


def read_chain_key(url: str, keyring: Keyring) -> bytes:
    """The chain key of the database at `url`, read without taking any write lock."""
    engine = make_engine(url, read_only=True)
    try:
        with Session(engine) as session:
            return chain_key(session, keyring, create=False)
    finally:
        engine.dispose()


class StoredChainKey:
    """An app's audit key source: the stored chain key, read once per process.

    Caching is safe because the chain key never changes. Even a value cached from a
    transaction that then rolled back is right: the first stored value is always the initial
    one, and that is what was cached.
    """

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._key: bytes | None = None

    def __call__(self, session: Session) -> bytes:
        if self._key is None:
            self._key = chain_key(session, self._keyring, create=True)
        return self._key


def key_sources(keyring: Keyring, vault: object | None = None) -> dict[str, object]:
    """What every session of an app's `Database` carries: the stored chain key (for the access
    log), the newest master key (for new data keys), the keyring (for unwrapping) and the key
    vault (`peernotes.crypto.vault.KeyVault`, for the keys that must be destroyable)."""
    sources: dict[str, object] = {
        AUDIT_KEY_SOURCE: StoredChainKey(keyring),
        MASTER_KEY_SOURCE: keyring.newest_key,
        KEYRING: keyring,
    }
    if vault is not None:
        sources[KEY_VAULT] = vault
    return sources


def keyring_of(info: Mapping[str, object]) -> Keyring | None:
    """The keyring a `Database`'s or session's `info` carries, if any."""
    keyring = info.get(KEYRING)
    return keyring if isinstance(keyring, Keyring) else None
