"""Sealing what is written about a person under that person's data key.

Features hand in plain bytes and the row-bound associated data, and get ciphertext back (or
the reverse). They never hold a key: each subject's data key is created, unwrapped and used
only here, and it is wrapped by the newest master key of the session's keyring.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from peernotes.crypto.keyring import Keyring, lock_keys
from peernotes.crypto.keys import new_data_key, seal, unseal, unwrap_data_key, wrap_data_key
from peernotes.crypto.models import DataKey
from peernotes.db import KEYRING


class MissingDataKey(LookupError):
    """Nothing was ever sealed about this subject, so there is nothing to open."""


def seal_about(db: Session, subject_id: int, plain: bytes, aad: bytes) -> bytes:
    """`plain` sealed under the subject's data key (created on first use), bound to `aad`."""
    return seal(_data_key(db, subject_id, create=True), plain, aad)


def unseal_about(db: Session, subject_id: int, sealed: bytes, aad: bytes) -> bytes:
    """What `seal_about` sealed. Call only after a permit.

    Raises:
        MissingDataKey: the subject has no data key.
        DecryptionFailed: the ciphertext or its associated data do not match.
    """
    return unseal(_data_key(db, subject_id, create=False), sealed, aad)


def subject_key(db: Session, subject_id: int, *, create: bool) -> bytes:
    """The subject's data key itself: for rotation and the tests that inspect ciphertext.
    Features seal and open through the two functions above instead."""
    return _data_key(db, subject_id, create=create)


def _keyring(db: Session) -> Keyring:
    keyring: Keyring | None = db.info.get(KEYRING)
    if keyring is None:
        raise RuntimeError("this session has no master key")
    return keyring


def _data_key(db: Session, subject_id: int, *, create: bool) -> bytes:
    keyring = _keyring(db)
    row = db.scalar(select(DataKey).where(DataKey.subject_id == subject_id))
    if row is None:
        if not create:
            raise MissingDataKey(subject_id)
        return _new_data_key(db, keyring, subject_id)
    # Whichever master key wrapped it, by the fingerprint stored beside it (during a rotation,
    # some rows are under the old key and some under the new).
    return unwrap_data_key(keyring.key(row.master_key_id), subject_id, row.wrapped_key)


def _new_data_key(db: Session, keyring: Keyring, subject_id: int) -> bytes:
    # The key lock first, then the newest master key: a rotation that is finishing either
    # re-wraps this row or has already made its new key the newest (see `lock_keys`).
    lock_keys(db, exclusive=False)
    key_id, master = keyring.newest()
    key = new_data_key()
    db.add(
        DataKey(
            subject_id=subject_id,
            master_key_id=key_id,
            wrapped_key=wrap_data_key(master, subject_id, key),
        )
    )
    db.flush()
    return key
