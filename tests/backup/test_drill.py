"""The restore drill: back up while the app is writing, restore into a fresh database, and
prove the copy is whole: schema head, row counts, access-log chain, and sealed content that
still opens with the keyring."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from peernotes import create_app
from peernotes.audit.verify import verify_database
from peernotes.backup.service import create_backup, restore_backup
from peernotes.crypto.keyring import Keyring, read_chain_key
from peernotes.db import get_database, make_engine
from peernotes.migrate import current_heads
from tests.helpers import app_database_url, client_as, post_form, user_id


@dataclass
class Written:
    """What the writer thread wrote, in order: (kind, path to read it back, a unique word)."""

    items: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[BaseException] = field(default_factory=list)

    def add(self, item: tuple[str, str, str]) -> None:
        with self.lock:
            self.items.append(item)

    def count(self) -> int:
        with self.lock:
            return len(self.items)


def write_note(app: Flask, sam: FlaskClient, word: str) -> tuple[str, str, str]:
    alex = user_id(app, "alex")
    response = post_form(
        sam,
        f"/people/{alex}/notes/new",
        {"heading": ["What we talked about"], "body": [f"Talked about {word}."]},  # type: ignore[dict-item]
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return ("note", response.headers["Location"], word)


def write_record_entry(app: Flask, chen: FlaskClient, word: str) -> tuple[str, str, str]:
    jordan = user_id(app, "jordan")
    response = post_form(
        chen,
        f"/people/{jordan}/record/new",
        {"category": "clinical_note", "title": f"Review {word}", "body": f"Seen today: {word}."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return ("record", response.headers["Location"], word)


def _writer(app: Flask, stop: threading.Event, written: Written) -> None:
    try:
        sam, chen = client_as(app, "sam"), client_as(app, "dr.chen")
        number = 0
        while not stop.is_set():
            number += 1
            word = f"drill-{number:04d}"
            write = write_note if number % 2 else write_record_entry
            written.add(write(app, sam if number % 2 else chen, word))
    except BaseException as exc:  # reported by the test, not lost in the thread
        written.errors.append(exc)


def _wait_for(written: Written, count: int) -> None:
    condition = threading.Event()
    while written.count() < count and not written.errors:
        condition.wait(0.02)
    assert not written.errors, written.errors


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def _counts(url: str) -> dict[str, int]:
    from peernotes.backup.service import _tables

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: int(connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in _tables(connection)
            }
    finally:
        engine.dispose()


def test_backup_under_writes_restores_whole_and_readable(
    app: Flask, tmp_path: Path, fresh_database: Callable[[], str], make_config
) -> None:  # type: ignore[no-untyped-def]
    config = app.config["PEERNOTES"]
    keyring = Keyring(config.master_key_file)
    source = app_database_url(app)
    backup = tmp_path / "drill.pnb"

    stop, written = threading.Event(), Written()
    writer = threading.Thread(target=_writer, args=(app, stop, written))
    writer.start()
    try:
        _wait_for(written, 4)
        before = written.count()
        created = create_backup(get_database(app), keyring, backup, "test-backup")
        after = written.count()
        _wait_for(written, after + 2)  # the writer kept going after the snapshot, too
    finally:
        stop.set()
        writer.join()
    assert not written.errors, written.errors

    target = fresh_database()
    restored = restore_backup(backup, target, keyring)
    manifest = restored.manifest
    assert manifest == created.manifest

    # Schema head, and the counts of the restored database are the manifest's.
    assert manifest["schema_head"] == current_heads(target)[0]
    assert _counts(target) == manifest["row_counts"]
    # A snapshot: later writes went to the source only.
    assert _counts(source)["audit_log"] > manifest["row_counts"]["audit_log"]

    # The chain verifies, up to exactly the head the manifest names.
    verdict = verify_database(target, read_chain_key(target, keyring)).verdict
    assert verdict.ok, verdict.problem
    assert (verdict.head_seq, verdict.head_mac.hex()) == (
        manifest["log_head"]["seq"],
        manifest["log_head"]["mac"],
    )

    # The backup holds the access-log entry of its own making.
    taken = _rows(target, "SELECT count(*) FROM audit_log WHERE action = 'backup:create'")
    assert taken == [(1,)]

    # Sealed notes and record entries written before the backup open in the restored copy;
    # those written after it are not there.
    restored_app = create_app(make_config(target))
    try:
        sam, chen = client_as(restored_app, "sam"), client_as(restored_app, "dr.chen")
        readers = {"note": sam, "record": chen}
        for kind, path, word in written.items[:before]:
            page = readers[kind].get(path)
            assert page.status_code == 200, (kind, path)
            assert word in page.get_data(as_text=True)
        for kind, path, _word in written.items[after + 1 :]:
            assert readers[kind].get(path).status_code == 404, (kind, path)
    finally:
        get_database(restored_app).engine.dispose()
