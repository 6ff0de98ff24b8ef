"""The log in a real database: the one writer, append-only triggers, tamper detection by the
`peernotes audit verify` command, signed checkpoints, and concurrent appends."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from peernotes.audit.chain import compute_mac
from peernotes.audit.events import Action, Outcome
from peernotes.audit.verify import verify_connection
from peernotes.audit.writer import AuditWriteError, By, Target, record_event
from peernotes.auth.roles import Role
from peernotes.crypto.keys import audit_chain_key, generate_signing_key_pem
from peernotes.db import AUDIT_KEY_SOURCE, Database, make_engine
from tests.audit.helpers import cli_env, peernotes, rows, tamper
from tests.conftest import TEST_KEYS, engine_name

KEY = audit_chain_key(TEST_KEYS / "master.key")


def _database(url: str) -> Database:
    return Database(url, audit_key=lambda: KEY)


def _append(url: str, count: int, request_id: str = "test") -> None:
    database = _database(url)
    with database.session() as session:
        for i in range(count):
            record_event(
                session,
                By(1, Role.ADMIN, request_id),
                Action.ACCOUNT_CREATE,
                None,
                Target("user", i),
                Outcome.ALLOWED,
                "role:admin",
            )
        session.commit()
    database.engine.dispose()


def _count(url: str) -> int:
    return int(rows(url, "SELECT count(*) FROM audit_log")[0][0])  # type: ignore[arg-type]


@pytest.fixture
def log_url(database_url: str) -> str:
    """The demo database (whose loading wrote its own entries) plus a few more."""
    _append(database_url, 12)
    return database_url


@pytest.fixture
def env(log_url: str, tmp_path: Path) -> dict[str, str]:
    return cli_env(log_url, str(tmp_path))


def test_entries_are_gapless_and_the_chain_verifies(log_url: str) -> None:
    seqs = [r[0] for r in rows(log_url, "SELECT seq FROM audit_log ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > 12
    engine = make_engine(log_url)
    with engine.connect() as conn:
        assert verify_connection(conn, KEY).verdict.ok
    engine.dispose()


def test_the_writer_refuses_anything_outside_the_vocabulary(database_url: str) -> None:
    database = _database(database_url)
    by = By(None, None, "req")
    with database.session() as session:
        with pytest.raises(ValueError):
            record_event(session, by, "record:read", None, None, Outcome.ALLOWED, "self")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            record_event(session, by, Action.AUTH_LOGIN, None, None, "maybe", "self")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            record_event(session, by, Action.AUTH_LOGIN, None, None, Outcome.ALLOWED, "has space")
        with pytest.raises(ValueError):
            record_event(
                session, By(None, None, "a\x1fb"), Action.AUTH_LOGIN, None, None,
                Outcome.ALLOWED, "self",
            )
    database.engine.dispose()


def test_a_session_without_the_key_cannot_write(database_url: str) -> None:
    database = _database(database_url)
    with database.session() as session:
        session.info.pop(AUDIT_KEY_SOURCE)
        with pytest.raises(AuditWriteError):
            record_event(
                session, By(None, None, "r"), Action.AUTH_LOGIN, None, None, Outcome.ALLOWED,
                "self",
            )
    database.engine.dispose()


REWRITES = [
    "UPDATE audit_log SET basis = 'consent:1' WHERE seq = 1",
    "DELETE FROM audit_log WHERE seq = 1",
    "DELETE FROM audit_log",
    # SQLite has no TRUNCATE statement; its DELETE trigger covers "DELETE FROM audit_log".
    *(["TRUNCATE audit_log"] if engine_name() == "postgresql" else []),
]


@pytest.mark.parametrize("statement", REWRITES)
def test_the_database_itself_refuses_update_and_delete(log_url: str, statement: str) -> None:
    engine = make_engine(log_url)
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()
    assert rows(log_url, "SELECT basis FROM audit_log WHERE seq = 1")[0][0] != "consent:1"


# The verify command ----------------------------------------------------------------------


def test_verify_succeeds_with_count_and_rate(env: dict[str, str], log_url: str) -> None:
    result = peernotes(["audit", "verify"], env)
    assert result.returncode == 0, result.stderr
    assert f"OK: {_count(log_url)} entries verified" in result.stdout
    assert "entries/s" in result.stdout


def _expect_failure_at(env: dict[str, str], seq: int, words: str, *args: str) -> None:
    result = peernotes(["audit", "verify", *args], env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"FAILED at entry {seq}:" in result.stderr
    assert words in result.stderr


def test_verify_catches_an_edited_field(env: dict[str, str], log_url: str) -> None:
    tamper(log_url, [("UPDATE audit_log SET outcome = 'allowed', basis = 'consent:7' WHERE seq = 6", {})])
    _expect_failure_at(env, 6, "does not match its MAC")


def test_verify_catches_a_deleted_entry(env: dict[str, str], log_url: str) -> None:
    tamper(log_url, [("DELETE FROM audit_log WHERE seq = 9", {})])
    _expect_failure_at(env, 9, "missing")


def test_verify_catches_an_inserted_entry(env: dict[str, str], log_url: str) -> None:
    # Make room at 5 (in two steps, so no intermediate key collides), then forge an entry.
    tamper(
        log_url,
        [
            ("UPDATE audit_log SET seq = -seq - 1 WHERE seq >= 5", {}),
            ("UPDATE audit_log SET seq = -seq WHERE seq < 0", {}),
            (
                "INSERT INTO audit_log (seq, occurred_at_us, actor_id, actor_role, action, "
                "subject_id, target_type, target_id, outcome, basis, request_id, mac) "
                "VALUES (5, 1, 3, 'clinician', 'audit:list', NULL, NULL, NULL, 'allowed', "
                "'role:auditor', 'forged', :mac)",
                {"mac": b"\x00" * 32},
            ),
        ],
    )
    _expect_failure_at(env, 5, "does not match its MAC")


def test_verify_catches_two_swapped_entries(env: dict[str, str], log_url: str) -> None:
    tamper(
        log_url,
        [
            ("UPDATE audit_log SET seq = -3 WHERE seq = 3", {}),
            ("UPDATE audit_log SET seq = 3 WHERE seq = 4", {}),
            ("UPDATE audit_log SET seq = 4 WHERE seq = -3", {}),
        ],
    )
    _expect_failure_at(env, 3, "does not match its MAC")


def test_verify_catches_a_truncated_tail_against_a_checkpoint(
    env: dict[str, str], log_url: str, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "head.json"
    assert peernotes(["audit", "checkpoint", "--out", str(checkpoint)], env).returncode == 0
    total = _count(log_url)
    assert json.loads(checkpoint.read_text())["seq"] == total
    ok = peernotes(["audit", "verify", "--checkpoint", str(checkpoint)], env)
    assert ok.returncode == 0 and "1 checkpoint(s) match" in ok.stdout
    tamper(log_url, [("DELETE FROM audit_log WHERE seq > :keep", {"keep": total - 4})])
    _expect_failure_at(env, total - 3, "were removed", "--checkpoint", str(checkpoint))


def test_verify_catches_a_chain_recomputed_without_the_key(
    env: dict[str, str], log_url: str
) -> None:
    guessed = b"not the real key".ljust(32, b"\0")
    current = rows(
        log_url,
        "SELECT seq, occurred_at_us, actor_id, actor_role, action, subject_id, target_type, "
        "target_id, outcome, basis, request_id, mac FROM audit_log ORDER BY seq",
    )
    previous = b"\0" * 32
    updates = []
    for row in current:
        mac = compute_mac(guessed, previous, row)
        updates.append(("UPDATE audit_log SET mac = :mac WHERE seq = :seq", {"mac": mac, "seq": row[0]}))
        previous = mac
    tamper(log_url, updates)
    _expect_failure_at(env, 1, "written without the key")


def test_a_checkpoint_signed_by_another_key_is_refused(
    env: dict[str, str], tmp_path: Path
) -> None:
    checkpoint = tmp_path / "cp.json"
    other_key = tmp_path / "other.pem"
    other_key.write_bytes(generate_signing_key_pem())
    assert (
        peernotes(
            ["audit", "checkpoint", "--out", str(checkpoint)],
            {**env, "PEERNOTES_AUDIT_SIGNING_KEY_FILE": str(other_key)},
        ).returncode
        == 0
    )
    result = peernotes(["audit", "verify", "--checkpoint", str(checkpoint)], env)
    assert result.returncode == 1
    assert "checkpoint signature invalid" in result.stderr


def test_an_altered_checkpoint_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    checkpoint = tmp_path / "cp.json"
    peernotes(["audit", "checkpoint", "--out", str(checkpoint)], env)
    data = json.loads(checkpoint.read_text())
    data["seq"] -= 1
    checkpoint.write_text(json.dumps(data))
    result = peernotes(["audit", "verify", "--checkpoint", str(checkpoint)], env)
    assert result.returncode == 1 and "checkpoint signature invalid" in result.stderr


@pytest.mark.parametrize(
    "content",
    ["not json at all", "{}", '{"format": "peernotes-audit-checkpoint", "version": 1, "seq": "x"}'],
)
def test_a_malformed_checkpoint_is_a_one_line_error_with_status_2(
    env: dict[str, str], tmp_path: Path, content: str
) -> None:
    checkpoint = tmp_path / "bad.json"
    checkpoint.write_text(content)
    result = peernotes(["audit", "verify", "--checkpoint", str(checkpoint)], env)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_checkpoint_file_is_a_one_line_error(env: dict[str, str], tmp_path: Path) -> None:
    result = peernotes(["audit", "verify", "--checkpoint", str(tmp_path / "nope.json")], env)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


# Concurrency -------------------------------------------------------------------------------


def test_concurrent_writers_never_lose_duplicate_or_fork_entries(database_url: str) -> None:
    before = _count(database_url)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        database = _database(database_url)
        try:
            for i in range(40):
                with database.session() as session:
                    record_event(
                        session, By(2, Role.AUDITOR, f"{name}-{i}"), Action.AUDIT_LIST, None,
                        None, Outcome.ALLOWED, "role:auditor",
                    )
                    session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            database.engine.dispose()

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = [r[0] for r in rows(database_url, "SELECT seq FROM audit_log ORDER BY seq")]
    assert seqs == list(range(1, before + 121))
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert verify_connection(conn, KEY).verdict.ok
    engine.dispose()


# Parallel verification (what the command line runs on large logs) ----------------------------


@pytest.fixture
def sliced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make even a small log verify in several slices, in parallel processes."""
    import peernotes.audit.verify as verify_module

    monkeypatch.setattr(verify_module, "_PARALLEL_FROM", 5)


def _verify_parallel(url: str, checkpoints=()):  # type: ignore[no-untyped-def]
    from peernotes.audit.verify import verify_database

    return verify_database(url, KEY, checkpoints, workers=3)


def test_parallel_slices_verify_an_intact_log(sliced: None, log_url: str) -> None:
    timed = _verify_parallel(log_url)
    assert timed.workers == 3
    assert timed.verdict.ok and timed.verdict.count == _count(log_url)


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.9])
def test_parallel_slices_name_the_first_edited_entry_wherever_it_is(
    sliced: None, log_url: str, fraction: float
) -> None:
    total = _count(log_url)
    first, later = max(2, int(total * fraction)), total - 1
    tamper(
        log_url,
        [
            ("UPDATE audit_log SET basis = 'consent:5' WHERE seq = :s", {"s": later}),
            ("UPDATE audit_log SET basis = 'consent:5' WHERE seq = :s", {"s": first}),
        ],
    )
    verdict = _verify_parallel(log_url).verdict
    assert not verdict.ok and verdict.first_bad_seq == first


def test_parallel_slices_catch_a_deletion_at_a_slice_boundary(sliced: None, log_url: str) -> None:
    total = _count(log_url)
    boundary = total // 3  # the last entry of the first slice
    tamper(log_url, [("DELETE FROM audit_log WHERE seq = :s", {"s": boundary})])
    verdict = _verify_parallel(log_url).verdict
    assert verdict.first_bad_seq == boundary and "missing" in (verdict.problem or "")


def test_parallel_slices_catch_truncation_against_a_checkpoint(sliced: None, log_url: str) -> None:
    from peernotes.audit.chain import Checkpoint

    total = _count(log_url)
    mac = rows(log_url, "SELECT mac FROM audit_log WHERE seq = :s", {"s": total})[0][0]
    checkpoint = Checkpoint(total, bytes(mac))  # type: ignore[arg-type]
    assert _verify_parallel(log_url, [checkpoint]).verdict.ok
    tamper(log_url, [("DELETE FROM audit_log WHERE seq > :s", {"s": total - 2})])
    verdict = _verify_parallel(log_url, [checkpoint]).verdict
    assert verdict.first_bad_seq == total - 1 and "removed" in (verdict.problem or "")
