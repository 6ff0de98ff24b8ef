"""`/ready`: 200 only when the database answers, the schema is at head and the keys work;
otherwise 503 naming the failed check, and nothing more. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from config import KEY_VAULT_DIR_NAME, MASTER_KEY_FILE_NAME
from peernotes import create_app
from peernotes.crypto.keys import format_master_key, generate_master_key
from peernotes.db import get_database, make_engine
from peernotes.ops.readiness import script_heads
from tests.conftest import PG_URL, TEST_KEYS

READY = {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "keys": "ok"}}


def _ready(app: Flask) -> tuple[int, dict[str, object]]:
    response = app.test_client().get("/ready")
    assert response.headers["Content-Type"] == "application/json"
    return response.status_code, response.get_json()


def _not_ready(**checks: str) -> dict[str, object]:
    return {"status": "not ready", "checks": {**READY["checks"], **checks}}  # type: ignore[dict-item]


def _execute(url: str, statement: str, **params: object) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement), params)
    finally:
        engine.dispose()


@pytest.fixture
def own_key(tmp_path: Path) -> Path:
    """A copy of the test master key that a test may break."""
    path = tmp_path / "keys" / MASTER_KEY_FILE_NAME
    path.parent.mkdir()
    shutil.copyfile(TEST_KEYS / MASTER_KEY_FILE_NAME, path)
    # The key vault beside it (the demo's peer-space keys), which a test may break too.
    shutil.copytree(TEST_KEYS / KEY_VAULT_DIR_NAME, path.parent / KEY_VAULT_DIR_NAME)
    return path


@pytest.fixture
def keyed_app(database_url: str, make_config, own_key: Path) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    app = create_app(make_config(database_url, master_key_file=own_key))
    yield app
    get_database(app).engine.dispose()


def test_ready_when_the_database_answers_at_head_with_its_keys(client) -> None:  # type: ignore[no-untyped-def]
    assert _ready(client.application) == (200, READY)


def test_ready_is_public_and_health_still_answers(client) -> None:  # type: ignore[no-untyped-def]
    # Nobody is signed in: a load balancer never is.
    assert client.get("/ready").status_code == 200
    assert client.get("/health").get_json() == {"status": "ok"}


def test_not_ready_when_the_database_does_not_answer(make_config, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if PG_URL:
        url = make_url(PG_URL).set(database=f"pn_missing_{uuid.uuid4().hex[:8]}")
        unreachable = url.render_as_string(hide_password=False)
    else:
        unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'peernotes.sqlite3'}"
    app = create_app(make_config(unreachable))
    try:
        status, body = _ready(app)
    finally:
        get_database(app).engine.dispose()
    assert status == 503
    assert body == {
        "status": "not ready",
        "checks": {"database": "failed", "migrations": "not checked", "keys": "not checked"},
    }


def test_not_ready_when_the_schema_is_behind_the_code(app: Flask, database_url: str) -> None:
    from alembic.script import ScriptDirectory

    from peernotes.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    (head,) = script_heads()
    previous = scripts.get_revision(head).down_revision
    _execute(database_url, "UPDATE alembic_version SET version_num = :v", v=previous)
    assert _ready(app) == (503, _not_ready(migrations="failed"))


def test_not_ready_when_the_schema_names_an_unknown_revision(app: Flask, database_url: str) -> None:
    # A database migrated by newer code than this process runs.
    _execute(database_url, "UPDATE alembic_version SET version_num = 'ffffffffffff'")
    assert _ready(app) == (503, _not_ready(migrations="failed"))


def test_not_ready_when_the_database_was_never_migrated(app: Flask, database_url: str) -> None:
    _execute(database_url, "DROP TABLE alembic_version")
    assert _ready(app) == (503, _not_ready(migrations="failed"))


def test_not_ready_when_the_master_key_file_is_gone(keyed_app: Flask, own_key: Path) -> None:
    assert _ready(keyed_app) == (200, READY)
    own_key.unlink()
    assert _ready(keyed_app) == (503, _not_ready(keys="failed"))


def test_not_ready_when_the_key_vault_is_gone(keyed_app: Flask, own_key: Path) -> None:
    assert _ready(keyed_app) == (200, READY)
    shutil.rmtree(own_key.parent / KEY_VAULT_DIR_NAME)
    assert _ready(keyed_app) == (503, _not_ready(keys="failed"))


def test_not_ready_when_the_key_vault_is_not_this_databases(keyed_app: Flask, own_key: Path) -> None:
    # A folder is there, but none of the peer-space keys the database names is in it (a vault
    # path deployed wrong): every private peer note would read as unreadable.
    vault = own_key.parent / KEY_VAULT_DIR_NAME
    for entry in vault.iterdir():
        entry.unlink()
    assert _ready(keyed_app) == (503, _not_ready(keys="failed"))


def test_not_ready_when_the_master_key_file_is_malformed(keyed_app: Flask, own_key: Path) -> None:
    own_key.write_text("not a key\n", encoding="ascii")
    status, body = _ready(keyed_app)
    assert (status, body) == (503, _not_ready(keys="failed"))


def test_not_ready_when_the_master_key_is_not_this_databases(
    keyed_app: Flask, own_key: Path
) -> None:
    # Well formed, so it wraps and unwraps; but the database's secrets will not open under it.
    own_key.write_text(format_master_key(generate_master_key()) + "\n", encoding="ascii")
    body = keyed_app.test_client().get("/ready").get_data(as_text=True)
    assert _ready(keyed_app) == (503, _not_ready(keys="failed"))
    # Nothing about the key or where it lives is in the answer.
    assert str(own_key.parent) not in body and "master" not in body
