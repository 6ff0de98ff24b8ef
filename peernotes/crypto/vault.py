"""The key vault: keys that must be destroyable, kept outside the database.

A database backup holds every wrapped key that is in the database, and the master key does not
change when someone asks to be erased. So a key that is destroyed only in the database can
still be recovered from any earlier backup. Keys that must be destroyable (the peer-space keys,
`peernotes.crypto.models.SpaceKey`) therefore live here instead: one small file per key in a
directory beside the master key file, each wrapped (AES-GCM) by the master key and bound to its
name and subject. Database backups do not contain this directory. Destroying an entry
overwrites and unlinks its file, so a backup of the database taken earlier holds only
ciphertext whose key is gone.

Files are written whole (temporary file, fsync, rename, fsync of the directory): after a crash
an entry is either absent or complete.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from peernotes.crypto.files import sync_directory, write_whole
from peernotes.crypto.keyring import Keyring
from peernotes.crypto.keys import DecryptionFailed, KeyFileError, derive_key, seal, unseal

VAULT_WRAP_PURPOSE = b"peernotes/vault-wrap/v1"
#: The format marker at the start of every entry.
_MAGIC = b"PNV1"
_KEY_ID_LENGTH = 16
_SUFFIX = ".key"
#: An entry's name: random, so that a database restored from a backup can never reuse one.
_REF = re.compile(r"^[0-9a-f]{32}$")


class KeyShredded(DecryptionFailed):
    """The key is not in the vault: destroyed at the person's request (or never stored)."""


def new_ref() -> str:
    return secrets.token_hex(16)


def _aad(ref: str, subject_id: int) -> bytes:
    return f"vault:{ref}:{subject_id}".encode()


class KeyVault:
    """A directory of wrapped keys, one file per key, named by a random reference."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, ref: str) -> Path:
        if not _REF.match(ref):
            raise ValueError("malformed key reference")
        return self.directory / f"{ref}{_SUFFIX}"

    def put(self, keyring: Keyring, ref: str, subject_id: int, key: bytes) -> None:
        """Store `key` under `ref`, wrapped by the newest master key, durably."""
        key_id, master = keyring.newest()
        wrapped = seal(derive_key(master, VAULT_WRAP_PURPOSE), key, _aad(ref, subject_id))
        self._write(ref, key_id, subject_id, wrapped)

    def get(self, keyring: Keyring, ref: str, subject_id: int) -> bytes:
        """The key under `ref`.

        Raises:
            KeyShredded: there is no such entry (destroyed).
            DecryptionFailed: the entry does not open (altered, or not this subject's).
        """
        try:
            data = self.path(ref).read_bytes()
        except FileNotFoundError:
            raise KeyShredded() from None
        except OSError as exc:
            raise KeyFileError(f"cannot read the key vault entry {ref}") from exc
        key_id, _subject, wrapped = _parse(data)
        master = keyring.key(key_id)
        return unseal(derive_key(master, VAULT_WRAP_PURPOSE), wrapped, _aad(ref, subject_id))

    def has(self, ref: str) -> bool:
        return self.path(ref).is_file()

    def destroy(self, ref: str) -> bool:
        """Overwrite and remove the entry; whether there was one. Safe to repeat.

        Overwriting first means the bytes are gone from the file system's point of view; on
        copy-on-write file systems and SSDs old blocks may linger until reused, which is why
        the entry is also wrapped by the master key (see README, "Retention and erasure").
        """
        path = self.path(ref)
        try:
            fd = os.open(path, os.O_WRONLY)
        except FileNotFoundError:
            return False
        try:
            size = os.fstat(fd).st_size
            os.write(fd, b"\0" * size)
            os.fsync(fd)
        finally:
            os.close(fd)
        path.unlink(missing_ok=True)
        sync_directory(self.directory)
        return True

    def rewrap(self, keyring: Keyring, new_id: str, new: bytes, live: set[str]) -> int:
        """Re-wrap every entry in `live` not yet under the master key `new_id` (a key
        rotation's step, `peernotes.crypto.rotation`); how many it re-wrapped. Each file is
        replaced whole.

        Only `live` ones (the keys the database does not mark destroyed): an erasure removes
        its entries after its commit, and re-writing one it has just removed would bring a
        shredded key back."""
        if not self.directory.is_dir():
            return 0
        count = 0
        for path in sorted(self.directory.glob(f"*{_SUFFIX}")):
            ref = path.name[: -len(_SUFFIX)]
            if not _REF.match(ref) or ref not in live:
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # removed by an erasure meanwhile
                continue
            key_id, subject_id, wrapped = _parse(data)
            if key_id == new_id:
                continue
            old = derive_key(keyring.key(key_id), VAULT_WRAP_PURPOSE)
            key = unseal(old, wrapped, _aad(ref, subject_id))
            fresh = derive_key(new, VAULT_WRAP_PURPOSE)
            self._write(ref, new_id, subject_id, seal(fresh, key, _aad(ref, subject_id)))
            count += 1
        return count

    def _write(self, ref: str, key_id: str, subject_id: int, wrapped: bytes) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.path(ref)
        try:
            write_whole(
                path, _MAGIC + key_id.encode("ascii") + subject_id.to_bytes(8, "big") + wrapped
            )
        except OSError as exc:
            raise KeyFileError(f"cannot write the key vault entry {ref}: {exc.strerror}") from exc


def _parse(data: bytes) -> tuple[str, int, bytes]:
    """(master key fingerprint, subject, wrapped key) of an entry's bytes."""
    start = len(_MAGIC)
    header = start + _KEY_ID_LENGTH + 8
    if not data.startswith(_MAGIC) or len(data) < header + 28:
        raise DecryptionFailed()
    key_id = data[start : start + _KEY_ID_LENGTH].decode("ascii", errors="replace")
    subject_id = int.from_bytes(data[start + _KEY_ID_LENGTH : header], "big")
    return key_id, subject_id, data[header:]
