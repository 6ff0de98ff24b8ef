"""`peernotes keys rotate`: a new master key, every data key re-wrapped, crash-safe and resumable.

Each test gets its own copy of the test master key (rotating the shared one would break every
other test's database). The app under test is "the running server"; rotations run through a
second app on the same database and key files (another process, as far as keys go), or as a
real `peernotes` subprocess.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text, update

from config import MASTER_KEY_FILE_NAME, PROJECT_ROOT
from peernotes import create_app
from peernotes.audit.writer import By
from peernotes.auth.accounts import create_user
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.crypto import rotation
from peernotes.crypto.keyring import CHAIN_SECRET, Keyring, UnknownMasterKey, next_key_file
from peernotes.crypto.keys import (
    audit_chain_key,
    master_key_id,
    read_master_key,
    unwrap_data_key,
    wrap_data_key,
    wrap_secret,
)
from peernotes.crypto.models import DataKey
from peernotes.crypto.rotation import Rotation, RotationError, rotate
from peernotes.db import get_database, utcnow
from peernotes.records import service as records
from tests.audit.helpers import chain_key, cli_env, peernotes, rows
from tests.conftest import TEST_KEYS
from tests.helpers import demo_email, sign_in, user_id


class Crash(Exception):
    """Stands in for the process dying at a chosen point."""


# Fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
def master_file(tmp_path: Path) -> Path:
    keys = tmp_path / "keys"
    keys.mkdir()
    target = keys / MASTER_KEY_FILE_NAME
    shutil.copyfile(TEST_KEYS / MASTER_KEY_FILE_NAME, target)
    target.chmod(0o600)
    return target


@pytest.fixture
def config_overrides(master_file: Path) -> dict[str, object]:
    return {"master_key_file": master_file}


def _url(app: Flask) -> str:
    return get_database(app).engine.url.render_as_string(hide_password=False)


@pytest.fixture
def entries(app: Flask) -> dict[int, str]:
    """Several subjects' entries, all readable by Dr Chen: entry id -> body as written."""
    _add_subjects(app, 4)
    return _read_all(app)


@pytest.fixture
def other_process(app: Flask, make_config) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    """A second app on the same database and key files: where rotations run."""
    master = app.config["PEERNOTES"].master_key_file
    second = create_app(make_config(_url(app), master_key_file=master))
    yield second
    get_database(second).engine.dispose()


def _chen(app: Flask) -> By:
    return By(user_id(app, "dr.chen"), Role.CLINICIAN, "rotation-test")


def _add_subjects(app: Flask, count: int, prefix: str = "rotation") -> list[int]:
    """New consumers in Dr Chen's care, each with one entry (so each with a data key)."""
    admin = By(user_id(app, "admin"), Role.ADMIN, "rotation-test")
    chen = _chen(app)
    created = []
    with app.app_context(), get_database(app).session() as session:
        worker = session.get_one(User, chen.id)
        for i in range(count):
            subject = create_user(
                session,
                email=f"{prefix}-{i}@service.org",
                display_name=f"Person {prefix} {i}",
                role=Role.CONSUMER,
                password="a long enough password",
                by=admin,
            )
            care.create_assignment(
                session,
                worker=worker,
                subject=subject,
                starts_on=(utcnow() - timedelta(days=1)).date(),
                ends_on=None,
                team=None,
                by=admin,
            )
            records.write_entry(
                session, chen, subject, "clinical_note", f"Note {i}", f"{prefix} body {i}"
            )
            created.append(subject.id)
        session.commit()
    return created


def _read_all(app: Flask) -> dict[int, str]:
    """Every entry in the database, decrypted by `app` as its author (a clinician) reads it."""
    found = rows(_url(app), "SELECT id, subject_id, author_id FROM record_entries ORDER BY id")
    with app.app_context(), get_database(app).session() as session:
        bodies = {
            int(entry): records.read_entry(  # type: ignore[call-overload]
                session, By(int(author), Role.CLINICIAN, "rotation-test"), int(subject), int(entry)  # type: ignore[call-overload]
            ).body
            for entry, subject, author in found
        }
        session.commit()
    return bodies


def _wrapped_by(app: Flask) -> Counter[str]:
    return Counter(str(r[0]) for r in rows(_url(app), "SELECT master_key_id FROM data_keys"))


def _secret_key_ids(app: Flask) -> list[str]:
    return [str(r[0]) for r in rows(_url(app), "SELECT master_key_id FROM wrapped_secrets")]


def _rotate(app: Flask, batch_size: int = 1) -> Rotation:
    return rotate(get_database(app), request_id="cli-test", batch_size=batch_size)


def _crash_after(monkeypatch: pytest.MonkeyPatch, name: str, calls: int = 0) -> None:
    """Make `rotation.<name>` die once it has been called `calls` times."""
    original: Callable[..., object] = getattr(rotation, name)
    seen = [0]

    def dying(*args: object, **kwargs: object) -> object:
        if seen[0] == calls:
            raise Crash(name)
        seen[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(rotation, name, dying)


def _verify(app: Flask, master: Path) -> subprocess.CompletedProcess[str]:
    instance = str(app.config["PEERNOTES"].instance_path)
    return peernotes(["audit", "verify"], cli_env(_url(app), instance, master))


def _rotations_logged(app: Flask) -> list[tuple[object, ...]]:
    return rows(
        _url(app),
        "SELECT actor_id, subject_id, target_type, target_id, outcome, basis FROM audit_log "
        "WHERE action = 'keys:rotate' ORDER BY seq",
    )


def _assert_finished(app: Flask, master: Path, result: Rotation, old_key: bytes) -> None:
    """Everything is under the new key, which is now the master key file's, alone."""
    new_key = read_master_key(master)
    assert master_key_id(new_key) == result.new_id != master_key_id(old_key)
    assert not next_key_file(master).exists()
    assert read_master_key(result.retired_file) == old_key
    assert result.retired_file.parent == master.parent
    assert (result.retired_file.stat().st_mode & 0o777) == 0o600
    assert (master.stat().st_mode & 0o777) == 0o600
    assert set(_wrapped_by(app)) == {result.new_id}
    assert set(_secret_key_ids(app)) == {result.new_id}


# The whole rotation -------------------------------------------------------------------------


def test_rotation_rewraps_every_data_key_and_the_old_key_is_no_longer_needed(
    app: Flask, other_process: Flask, entries: dict[int, str], master_file: Path
) -> None:
    old_key = read_master_key(master_file)
    chain_before = chain_key(_url(app), master_file)
    assert chain_before == audit_chain_key(master_file)  # stored at the first entry, unchanged
    assert len(entries) >= 6 and len(_wrapped_by(app)) == 1
    data_keys = sum(_wrapped_by(app).values())

    result = _rotate(other_process, batch_size=2)

    _assert_finished(app, master_file, result, old_key)
    assert result.rewrapped == data_keys and not result.resumed
    assert _read_all(app) == entries  # the running server, across the swap
    assert chain_key(_url(app), master_file) == chain_before
    verify = _verify(app, master_file)
    assert verify.returncode == 0, verify.stderr
    assert _rotations_logged(app) == [
        (None, None, "master_key", result.new_id, "allowed", f"cli:rewrapped_{data_keys}")
    ]

    result.retired_file.unlink()  # the operator destroys the old key
    fresh = create_app(app.config["PEERNOTES"])
    assert _read_all(fresh) == entries
    assert _read_all(app) == entries
    _add_subjects(fresh, 1, prefix="after")  # and writes under the new key
    get_database(fresh).engine.dispose()
    assert set(_wrapped_by(app)) == {result.new_id}
    assert _verify(app, master_file).returncode == 0


def test_a_rotation_that_crashes_midway_leaves_everything_readable_and_resumes(
    app: Flask,
    other_process: Flask,
    entries: dict[int, str],
    master_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_key, old_id = read_master_key(master_file), master_key_id(read_master_key(master_file))
    data_keys = sum(_wrapped_by(app).values())
    _crash_after(monkeypatch, "_rewrap_batch", calls=3)

    with pytest.raises(Crash):
        _rotate(other_process, batch_size=1)

    # Halfway: three keys under the next key, the rest still under the old one.
    new_key = read_master_key(next_key_file(master_file))
    new_id = master_key_id(new_key)
    assert read_master_key(master_file) == old_key
    assert _wrapped_by(app) == {new_id: 3, old_id: data_keys - 3}
    assert _read_all(app) == entries  # the running server reads both halves
    # …and wraps a new subject's key under the next key straight away.
    (late,) = _add_subjects(app, 1, prefix="late")
    late_key = rows(_url(app), "SELECT master_key_id FROM data_keys WHERE subject_id = :s", {"s": late})
    assert late_key == [(new_id,)]
    everything = _read_all(app)
    assert _verify(app, master_file).returncode == 0

    monkeypatch.undo()
    result = _rotate(other_process, batch_size=1)

    assert result.resumed and result.new_id == new_id
    assert result.rewrapped == data_keys - 3
    _assert_finished(app, master_file, result, old_key)
    assert read_master_key(master_file) == new_key
    assert _read_all(app) == everything
    result.retired_file.unlink()
    fresh = create_app(app.config["PEERNOTES"])
    assert _read_all(fresh) == everything
    get_database(fresh).engine.dispose()
    verify = _verify(app, master_file)
    assert verify.returncode == 0, verify.stderr
    assert [r[5] for r in _rotations_logged(app)] == [f"cli:rewrapped_{data_keys - 3}"]


@pytest.mark.parametrize("step", ["_store_chain_key", "_last_pass", "_record", "_swap"])
def test_a_crash_at_any_step_is_finished_by_running_it_again(
    app: Flask,
    other_process: Flask,
    entries: dict[int, str],
    master_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
) -> None:
    old_key = read_master_key(master_file)
    _crash_after(monkeypatch, step)
    with pytest.raises(Crash):
        _rotate(other_process)
    assert read_master_key(master_file) == old_key  # nothing is swapped before the end
    assert _read_all(app) == entries
    monkeypatch.undo()

    result = _rotate(other_process)

    assert result.resumed
    _assert_finished(app, master_file, result, old_key)
    result.retired_file.unlink()
    assert _read_all(app) == entries
    assert _verify(app, master_file).returncode == 0


def test_a_crash_inside_the_swap_after_the_old_key_is_kept(
    app: Flask,
    other_process: Flask,
    entries: dict[int, str],
    master_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The old key is already in its retired file, the master key file not yet replaced."""
    old_key = read_master_key(master_file)
    real_replace = os.replace

    def dying_replace(source: object, target: object) -> None:
        if Path(str(target)) == master_file:
            raise Crash("swap")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(rotation.os, "replace", dying_replace)
    with pytest.raises(Crash):
        _rotate(other_process)
    retired = list(master_file.parent.glob(f"{MASTER_KEY_FILE_NAME}.retired-*"))
    assert [read_master_key(p) for p in retired] == [old_key]
    assert read_master_key(master_file) == old_key
    assert _read_all(app) == entries
    monkeypatch.undo()

    result = _rotate(other_process)

    _assert_finished(app, master_file, result, old_key)
    assert result.retired_file == retired[0]
    result.retired_file.unlink()
    assert _read_all(app) == entries
    assert _verify(app, master_file).returncode == 0


def test_a_key_wrapped_under_the_old_key_at_the_last_moment_is_caught_by_the_last_pass(
    app: Flask,
    other_process: Flask,
    entries: dict[int, str],
    master_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A server that chose its wrapping key just before the next key appeared, and committed
    just before the last pass: that row is under the old key, and must not stay there."""
    old_key = read_master_key(master_file)
    subject = int(rows(_url(app), "SELECT min(subject_id) FROM data_keys")[0][0])  # type: ignore[call-overload]
    engine = get_database(app).engine
    last_pass = rotation._last_pass

    def stale_writer_then_last_pass(*args: object) -> int:
        new_key = read_master_key(next_key_file(master_file))
        with engine.begin() as conn:
            (wrapped,) = conn.execute(
                text("SELECT wrapped_key FROM data_keys WHERE subject_id = :s"), {"s": subject}
            ).one()
            data_key = unwrap_data_key(new_key, subject, bytes(wrapped))
            conn.execute(
                update(DataKey)
                .where(DataKey.subject_id == subject)
                .values(
                    master_key_id=master_key_id(old_key),
                    wrapped_key=wrap_data_key(old_key, subject, data_key),
                )
            )
        return last_pass(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(rotation, "_last_pass", stale_writer_then_last_pass)
    result = _rotate(other_process)

    _assert_finished(app, master_file, result, old_key)
    result.retired_file.unlink()
    assert _read_all(app) == entries


def test_a_server_writing_throughout_a_rotation_leaves_nothing_under_the_old_key(
    app: Flask, other_process: Flask, entries: dict[int, str], master_file: Path
) -> None:
    """New subjects' data keys are created while the rotation runs, in whatever order the
    engine's locks allow; none may be left under the old key."""
    old_key = read_master_key(master_file)
    errors: list[BaseException] = []
    written: list[int] = []
    stop = threading.Event()

    def keep_writing() -> None:
        try:
            while not stop.is_set() or len(written) < 3:
                written.extend(_add_subjects(app, 1, prefix=f"live-{len(written)}"))
                # A pause between requests: SQLite's busy wait is not fair, and a writer that
                # never lets go would starve the rotation (which would then stop, resumable).
                time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        result = _rotate(other_process, batch_size=1)
    finally:
        stop.set()
        writer.join(timeout=120)
    assert errors == [] and written

    _assert_finished(app, master_file, result, old_key)
    result.retired_file.unlink()
    everything = _read_all(app)
    assert len(everything) == len(entries) + len(written)
    assert _verify(app, master_file).returncode == 0


def test_rotating_twice_in_a_row(
    app: Flask, other_process: Flask, entries: dict[int, str], master_file: Path
) -> None:
    first_key = read_master_key(master_file)
    chain = chain_key(_url(app), master_file)
    first = _rotate(other_process, batch_size=3)
    second_key = read_master_key(master_file)
    second = _rotate(other_process, batch_size=3)

    assert len({first.old_id, first.new_id, second.new_id}) == 3
    assert second.old_id == first.new_id and not second.resumed
    _assert_finished(app, master_file, second, second_key)
    assert read_master_key(first.retired_file) == first_key
    assert _read_all(app) == entries
    first.retired_file.unlink()
    second.retired_file.unlink()
    assert _read_all(app) == entries
    assert chain_key(_url(app), master_file) == chain
    assert _verify(app, master_file).returncode == 0
    assert [r[3] for r in _rotations_logged(app)] == [first.new_id, second.new_id]


def test_a_log_written_before_the_chain_key_was_stored_still_verifies_after_rotation(
    app: Flask, other_process: Flask, entries: dict[int, str], master_file: Path
) -> None:
    """A database from before `wrapped_secrets`: its log was chained under the key derived
    from the master key, and nothing was stored. Rotation must keep that key, not derive one
    from the new master key."""
    with get_database(app).engine.begin() as conn:
        conn.execute(text("DELETE FROM wrapped_secrets"))
    assert _verify(app, master_file).returncode == 0  # the initial key, derived

    result = _rotate(other_process)

    assert _secret_key_ids(app) == [result.new_id]
    result.retired_file.unlink()
    assert chain_key(_url(app), master_file) == audit_chain_key(TEST_KEYS / MASTER_KEY_FILE_NAME)
    assert chain_key(_url(app), master_file) != audit_chain_key(master_file)
    verify = _verify(app, master_file)
    assert verify.returncode == 0, verify.stderr
    # A server started after the rotation appends under the same chain.
    fresh = create_app(app.config["PEERNOTES"])
    _add_subjects(fresh, 1, prefix="after")
    get_database(fresh).engine.dispose()
    assert _verify(app, master_file).returncode == 0


# The command line ---------------------------------------------------------------------------

_DIE_AFTER_BATCHES = """
import os, signal, sys

from peernotes.crypto import rotation

original, done, batches = rotation._rewrap_batch, [0], int(sys.argv[1])


def die_after(*args, **kwargs):
    if done[0] == batches:
        os.kill(os.getpid(), signal.SIGKILL)
    done[0] += 1
    return original(*args, **kwargs)


rotation._rewrap_batch = die_after
sys.argv = ["peernotes", "keys", "rotate", "--batch-size", "1"]
from peernotes.cli import main

main()
"""


def test_the_command_killed_midway_finishes_when_run_again(
    app: Flask, entries: dict[int, str], master_file: Path
) -> None:
    old_key, old_id = read_master_key(master_file), master_key_id(read_master_key(master_file))
    data_keys = sum(_wrapped_by(app).values())
    env = cli_env(_url(app), str(app.config["PEERNOTES"].instance_path), master_file)

    killed = subprocess.run(
        [sys.executable, "-c", _DIE_AFTER_BATCHES, "2"],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=120,
    )

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    new_id = master_key_id(read_master_key(next_key_file(master_file)))
    assert _wrapped_by(app) == {new_id: 2, old_id: data_keys - 2}
    assert _read_all(app) == entries

    again = peernotes(["keys", "rotate"], env)

    assert again.returncode == 0, again.stderr
    assert len(again.stdout.strip().splitlines()) == 1
    assert "(resumed)" in again.stdout and f"{data_keys - 2} data keys re-wrapped" in again.stdout
    assert "destroy it once no backup needs it" in again.stdout
    retired = master_file.with_name(f"{MASTER_KEY_FILE_NAME}.retired-{old_id}")
    assert str(retired) in again.stdout
    assert set(_wrapped_by(app)) == {new_id} and read_master_key(retired) == old_key
    retired.unlink()
    assert _read_all(app) == entries
    verify = peernotes(["audit", "verify"], env)
    assert verify.returncode == 0 and verify.stdout.startswith("OK:"), verify.stderr


def test_the_command_refuses_a_malformed_next_key_in_one_line(
    app: Flask, entries: dict[int, str], master_file: Path
) -> None:
    next_key_file(master_file).write_text("not a key\n")
    env = cli_env(_url(app), str(app.config["PEERNOTES"].instance_path), master_file)
    result = peernotes(["keys", "rotate"], env)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "64 hexadecimal" in result.stderr
    assert set(_wrapped_by(app)) == {master_key_id(read_master_key(master_file))}


def test_only_one_rotation_runs_at_a_time(
    app: Flask, other_process: Flask, master_file: Path
) -> None:
    fd = os.open(master_file.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(RotationError, match="another key rotation is running"):
            _rotate(other_process)
    finally:
        os.close(fd)
    assert not next_key_file(master_file).exists()


def test_half_written_key_files_of_a_dead_run_are_removed(
    app: Flask, other_process: Flask, master_file: Path
) -> None:
    leftover = master_file.with_name(f".{MASTER_KEY_FILE_NAME}.next.0badc0de.tmp")
    leftover.write_text("0123")
    _rotate(other_process)
    assert not leftover.exists()
    assert sorted(p.name for p in master_file.parent.iterdir()) == sorted(
        [MASTER_KEY_FILE_NAME, f"{MASTER_KEY_FILE_NAME}.retired-{master_key_id(read_master_key(TEST_KEYS / MASTER_KEY_FILE_NAME))}"]
    )


# The keyring --------------------------------------------------------------------------------


def test_the_keyring_follows_the_files_and_names_keys_by_fingerprint(master_file: Path) -> None:
    keyring = Keyring(master_file)
    old = read_master_key(master_file)
    assert keyring.primary() == keyring.newest() == (master_key_id(old), old)

    new = os.urandom(32)
    next_key_file(master_file).write_text(new.hex() + "\n")
    assert keyring.primary() == (master_key_id(old), old)
    assert keyring.newest() == (master_key_id(new), new)
    assert keyring.key(master_key_id(old)) == old and keyring.key(master_key_id(new)) == new

    retired = master_file.with_name(f"{master_file.name}.retired-{master_key_id(old)}")
    retired.write_text(old.hex() + "\n")
    os.replace(next_key_file(master_file), master_file)
    assert keyring.primary() == keyring.newest() == (master_key_id(new), new)
    assert keyring.key(master_key_id(old)) == old  # only from its retired file now
    retired.unlink()
    with pytest.raises(UnknownMasterKey):
        keyring.key(master_key_id(old))
    with pytest.raises(UnknownMasterKey):
        keyring.key("../../etc/passwd")


def test_the_chain_key_is_stored_once_under_the_name_it_is_bound_to(
    app: Flask, entries: dict[int, str], master_file: Path
) -> None:
    stored = rows(_url(app), "SELECT name, master_key_id FROM wrapped_secrets")
    assert stored == [(CHAIN_SECRET, master_key_id(read_master_key(master_file)))]
    # The right key, wrapped for another name, does not open in this one's place.
    master = read_master_key(master_file)
    elsewhere = wrap_secret(master, "other", chain_key(_url(app), master_file))
    with get_database(app).engine.begin() as conn:
        conn.execute(text("UPDATE wrapped_secrets SET wrapped = :w"), {"w": elsewhere})
    result = _verify(app, master_file)
    assert result.returncode == 2 and "will not open" in result.stderr


def test_signing_in_works_before_and_after_a_rotation(
    app: Flask, other_process: Flask, master_file: Path
) -> None:
    """Sign-in writes to the log: the running server goes on chaining under the same key."""
    assert sign_in(app.test_client(), demo_email("alex")).status_code == 302
    _rotate(other_process)
    assert sign_in(app.test_client(), demo_email("alex")).status_code == 302
    assert _verify(app, master_file).returncode == 0


def test_the_auditors_verify_now_still_finds_the_log_intact_after_a_rotation(
    app: Flask, other_process: Flask, master_file: Path
) -> None:
    """The page verifies with the stored chain key, not one derived from today's key file."""
    from tests.helpers import post_form

    auditor = app.test_client()
    assert sign_in(auditor, demo_email("auditor")).status_code == 302
    _rotate(other_process)
    response = post_form(auditor, "/audit/verify", {}, form_page="/audit")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "intact" in page.lower(), page
