"""`peernotes keys rotate` re-wraps the key vault too: after a rotation, with the old master key
destroyed, peer-space notes still open."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from config import KEY_VAULT_DIR_NAME, MASTER_KEY_FILE_NAME
from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.crypto.keys import master_key_id, read_master_key
from peernotes.crypto.rotation import rotate
from peernotes.db import get_database
from peernotes.notes import service as notes
from peernotes.notes.service.sections import Section
from tests.conftest import TEST_KEYS
from tests.helpers import client_as, user_id

WORDS = "VAULT-ROTATION-CANARY-5e1d"


@pytest.fixture
def master_file(tmp_path: Path) -> Path:
    """Own copies of the master key and, beside it (the default place), of the vault."""
    keys = tmp_path / "keys"
    keys.mkdir()
    target = keys / MASTER_KEY_FILE_NAME
    shutil.copyfile(TEST_KEYS / MASTER_KEY_FILE_NAME, target)
    target.chmod(0o600)
    shutil.copytree(TEST_KEYS / KEY_VAULT_DIR_NAME, keys / KEY_VAULT_DIR_NAME)
    return target


@pytest.fixture
def config_overrides(master_file: Path) -> dict[str, object]:
    return {"master_key_file": master_file}


def test_rotation_rewraps_the_vault_and_the_old_key_is_no_longer_needed(
    app: Flask, master_file: Path
) -> None:
    sam = By(user_id(app, "sam"), Role.CONSUMER_PEER_WORKER, "t-sam")
    with get_database(app).session() as db:
        note = notes.create(db, sam, user_id(app, "alex"), [Section("Today", WORDS)])
        notes.propose(db, sam, note.id)
        db.commit()
    vault = master_file.parent / KEY_VAULT_DIR_NAME
    old_id = master_key_id(read_master_key(master_file))
    assert all(old_id.encode() in entry.read_bytes()[:20] for entry in vault.glob("*.key"))

    done = rotate(get_database(app), request_id="t-rotate")
    done.retired_file.unlink()  # the operator destroys the old key

    new_id = done.new_id.encode()
    ours = _named_by_the_database(app)
    assert ours and all((vault / f"{ref}.key").read_bytes()[4:20] == new_id for ref in ours)
    page = client_as(app, "alex").get(f"/notes/{note.id}").get_data(as_text=True)
    assert WORDS in page


def test_rotation_never_rewrites_a_key_an_erasure_has_marked_destroyed(
    app: Flask, master_file: Path
) -> None:
    """An erasure marks its keys destroyed, commits, and only then removes their vault entries.
    A rotation in between must not re-write such an entry (that would bring a shredded key
    back under the new master key): it re-wraps live keys only."""
    from sqlalchemy import select, update

    from peernotes.crypto.models import SpaceKey
    from peernotes.db import utcnow

    sam = By(user_id(app, "sam"), Role.CONSUMER_PEER_WORKER, "t-sam")
    alex = user_id(app, "alex")  # before any write session (SQLite: one writer)
    with get_database(app).session() as db:
        notes.create(db, sam, alex, [Section("Today", WORDS)])
        db.commit()
    vault = master_file.parent / KEY_VAULT_DIR_NAME
    with get_database(app).session() as db:
        alex_refs = set(db.scalars(select(SpaceKey.ref).where(SpaceKey.subject_id == alex)))
        # Committed as erased; the entries are still in the vault (not removed yet).
        db.execute(
            update(SpaceKey).where(SpaceKey.subject_id == alex).values(destroyed_at=utcnow())
        )
        db.commit()
    assert alex_refs and all((vault / f"{ref}.key").exists() for ref in alex_refs)
    old_id = master_key_id(read_master_key(master_file)).encode()

    done = rotate(get_database(app), request_id="t-rotate")

    new_id = done.new_id.encode()
    ours = _named_by_the_database(app)
    assert ours - alex_refs, "no live key to re-wrap"
    for ref in ours:
        expected = old_id if ref in alex_refs else new_id
        assert (vault / f"{ref}.key").read_bytes()[4:20] == expected, ref


def _named_by_the_database(app: Flask) -> set[str]:
    """The vault entries this test's database names. The test vault is copied from the one
    every test's database shares, so it also holds other databases' entries, which a rotation
    of this database leaves alone."""
    from sqlalchemy import select

    from peernotes.crypto.models import SpaceKey

    with get_database(app).session() as db:
        return set(db.scalars(select(SpaceKey.ref)))
