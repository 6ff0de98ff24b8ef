"""Sealing what is written about a person under that person's data key.

Features hand in plain bytes and the row-bound associated data, and get ciphertext back (or
the reverse). They never hold a key: each subject's data key is created, unwrapped and used
only here, and it is wrapped by the newest master key of the session's keyring.

Peer-space content (notes that never left the peer space) is sealed instead under a peer-space
key kept in the key vault outside the database (`peernotes.crypto.vault`), so that it can be
crypto-shredded at the person's request, backups included. See `seal_in_space`.
"""

from __future__ import annotations

import weakref
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from peernotes.crypto.keyring import Keyring, lock_keys
from peernotes.crypto.keys import new_data_key, seal, unseal, unwrap_data_key, wrap_data_key
from peernotes.crypto.models import DataKey, SpaceKey
from peernotes.crypto.vault import KeyShredded, KeyVault, new_ref
from peernotes.db import KEY_VAULT, KEYRING


class MissingDataKey(LookupError):
    """Nothing was ever sealed about this subject, so there is nothing to open."""


class KeyDestroyed(MissingDataKey):
    """The subject's data key was destroyed at the end of retention after their erasure
    request: nothing about them opens, and nothing new may be sealed about them."""


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


#: Where a session keeps the keys it unwrapped in its current transaction (`_unwrapped`).
UNWRAPPED = "peernotes.unwrapped_keys"


def _unwrapped(db: Session) -> dict[tuple[str, int, int], bytes]:
    """The keys unwrapped in this session's current transaction, by ("data", subject id,
    subject id) or ("space", space key id, subject id). A page that opens a note, its
    statements and its history reads the same key three times; once is enough. Kept for one
    transaction only (emptied when it ends, `_forget_unwrapped`), so a key destroyed by
    another transaction is never used from here, and this transaction's own destruction
    removes it at once."""
    cache: dict[tuple[str, int, int], bytes] | None = db.info.get(UNWRAPPED)
    if cache is None:
        cache = db.info[UNWRAPPED] = {}
    return cache


@event.listens_for(Session, "after_transaction_end")
def _forget_unwrapped(db: Session, transaction: SessionTransaction) -> None:
    # The session's own transaction, not each step's savepoint (released into it)...
    if transaction.parent is None:
        db.info.pop(UNWRAPPED, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_unwrapped_on_rollback(db: Session, _previous: SessionTransaction) -> None:
    # ...but any rollback, a savepoint's included: a key it created is gone with it.
    db.info.pop(UNWRAPPED, None)


def _data_key(db: Session, subject_id: int, *, create: bool) -> bytes:
    cache = _unwrapped(db)
    found = cache.get(("data", subject_id, subject_id))
    if found is not None:
        return found
    keyring = _keyring(db)
    row = db.scalar(select(DataKey).where(DataKey.subject_id == subject_id))
    if row is None:
        if not create:
            raise MissingDataKey(subject_id)
        key = _new_data_key(db, keyring, subject_id)
    elif row.destroyed_at is not None:
        raise KeyDestroyed(subject_id)
    else:
        # Whichever master key wrapped it, by the fingerprint stored beside it (during a
        # rotation, some rows are under the old key and some under the new).
        key = unwrap_data_key(keyring.key(row.master_key_id), subject_id, row.wrapped_key)
    cache["data", subject_id, subject_id] = key
    return key


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


def destroy_data_key(db: Session, subject_id: int, when: datetime) -> bool:
    """Destroy the subject's data key in this transaction (the end of retention after an
    erasure request): the wrapped key is emptied and the time kept. Whether it did anything.

    The row stays, so that no new key can be created for them by accident. Database backups
    taken earlier still hold the wrapped key (see README, "Retention and erasure")."""
    row = db.scalar(select(DataKey).where(DataKey.subject_id == subject_id))
    if row is None:
        # Nothing was ever sealed about them; a destroyed row keeps it that way.
        lock_keys(db, exclusive=False)
        db.add(
            DataKey(
                subject_id=subject_id,
                master_key_id=_keyring(db).newest()[0],
                wrapped_key=b"",
                destroyed_at=when,
            )
        )
        db.flush()
        return True
    if row.destroyed_at is not None:
        return False
    row.wrapped_key = b""
    row.destroyed_at = when
    db.flush()
    _unwrapped(db).pop(("data", subject_id, subject_id), None)
    return True


# Peer-space keys ----------------------------------------------------------------------------


def vault_of(db: Session) -> KeyVault:
    vault = db.info.get(KEY_VAULT)
    if not isinstance(vault, KeyVault):
        raise RuntimeError("this session has no key vault")
    return vault


def peer_space_key(db: Session, subject_id: int) -> int:
    """The id of the subject's current peer-space key, created (in the vault) on first use and
    after each erasure. The vault entry is written before the row commits; if the transaction
    rolls back, the entry is an orphan that opens nothing."""
    found = db.scalar(
        select(SpaceKey.id)
        .where(SpaceKey.subject_id == subject_id, SpaceKey.destroyed_at.is_(None))
        .order_by(SpaceKey.id.desc())
        .limit(1)
    )
    if found is not None:
        return found
    # The key lock, as for data keys: a rotation's last pass re-wraps the vault after it.
    lock_keys(db, exclusive=False)
    ref = new_ref()
    vault_of(db).put(_keyring(db), ref, subject_id, new_data_key())
    row = SpaceKey(subject_id=subject_id, ref=ref)
    db.add(row)
    db.flush()
    return row.id


def _space_key(db: Session, space_key_id: int, subject_id: int) -> bytes:
    cache = _unwrapped(db)
    found = cache.get(("space", space_key_id, subject_id))
    if found is not None:
        return found
    row = db.get(SpaceKey, space_key_id)
    if row is None or row.subject_id != subject_id or row.destroyed_at is not None:
        raise KeyShredded()
    key = cache["space", space_key_id, subject_id] = vault_of(db).get(
        _keyring(db), row.ref, subject_id
    )
    return key


def seal_in_space(
    db: Session, space_key_id: int, subject_id: int, plain: bytes, aad: bytes
) -> bytes:
    """`plain` sealed under a peer-space key (from `peer_space_key`), bound to `aad`."""
    return seal(_space_key(db, space_key_id, subject_id), plain, aad)


def unseal_in_space(
    db: Session, space_key_id: int, subject_id: int, sealed: bytes, aad: bytes
) -> bytes:
    """What `seal_in_space` sealed. Call only after a permit.

    Raises:
        KeyShredded: the key was destroyed (a `DecryptionFailed`).
        DecryptionFailed: the ciphertext or its associated data do not match.
    """
    return unseal(_space_key(db, space_key_id, subject_id), sealed, aad)


#: Vault entries to destroy once the session's transaction commits, by session.
_AFTER_COMMIT: weakref.WeakKeyDictionary[Session, list[str]] = weakref.WeakKeyDictionary()


def destroy_space_keys(db: Session, subject_id: int, when: datetime) -> list[str]:
    """Mark every live peer-space key of the subject destroyed, in this transaction, and
    destroy their vault entries right after it commits (never before: a rollback must not
    leave notes whose key is gone without the record saying so). Returns their references.

    If the process stops between the commit and the removal, `peernotes retention run`
    finishes it (`destroyed_refs_still_in_vault`).

    Under the key lock (shared), so that a rotation's last pass, which re-writes the vault's
    live entries under the exclusive lock, never re-writes one this erasure removes."""
    lock_keys(db, exclusive=False)
    rows = db.scalars(
        select(SpaceKey).where(SpaceKey.subject_id == subject_id, SpaceKey.destroyed_at.is_(None))
    ).all()
    cache = _unwrapped(db)
    for row in rows:
        row.destroyed_at = when
        cache.pop(("space", row.id, row.subject_id), None)
    db.flush()
    refs = [row.ref for row in rows]
    if refs:
        if not event.contains(db, "after_commit", _shred_after_commit):
            event.listen(db, "after_commit", _shred_after_commit)
            event.listen(db, "after_rollback", _forget_after_rollback)
        _AFTER_COMMIT.setdefault(db, []).extend(refs)
    return refs


def _shred_after_commit(db: Session) -> None:
    shred_in_vault(db, _AFTER_COMMIT.pop(db, []))


def _forget_after_rollback(db: Session) -> None:
    _AFTER_COMMIT.pop(db, None)


def shred_in_vault(db: Session, refs: list[str]) -> int:
    """Remove these entries from the vault (after the commit that recorded it). Repeatable."""
    vault = vault_of(db)
    return sum(1 for ref in refs if vault.destroy(ref))


def destroyed_refs_still_in_vault(db: Session) -> list[str]:
    """Keys the database says are destroyed but whose vault entry is still there: a process
    stopped between the commit and the removal. `peernotes retention run` finishes them."""
    vault = vault_of(db)
    refs = db.scalars(select(SpaceKey.ref).where(SpaceKey.destroyed_at.is_not(None))).all()
    return [ref for ref in refs if vault.has(ref)]
