"""The `peernotes` command line, run the way an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from config import init_dev_secrets
from peernotes.auth.models import User
from peernotes.db import make_engine
from peernotes.demo.loader import DEMO_PASSWORD, PEOPLE


def _peernotes(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peernotes", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


@pytest.fixture
def cli_env(empty_database_url: str, tmp_path: Path) -> dict[str, str]:
    init_dev_secrets(tmp_path)
    return {
        "PEERNOTES_ENV": "development",
        "PEERNOTES_INSTANCE_PATH": str(tmp_path),
        "PEERNOTES_DATABASE_URL": empty_database_url,
    }


def _emails(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = set(conn.scalars(select(User.email)))
    engine.dispose()
    return found


def test_users_create_reads_the_password_from_stdin(cli_env: dict[str, str]) -> None:
    result = _peernotes(
        ["users", "create", "--email", "Kai@Service.org", "--role", "clinician", "--name", "Kai"],
        cli_env,
        stdin="a good long password\n",
    )
    assert result.returncode == 0, result.stderr
    assert "kai@service.org" in result.stdout
    assert "a good long password" not in result.stdout + result.stderr
    assert _emails(cli_env["PEERNOTES_DATABASE_URL"]) == {"kai@service.org"}


def test_users_create_unknown_role_is_a_one_line_error_with_status_2(
    cli_env: dict[str, str],
) -> None:
    result = _peernotes(
        ["users", "create", "--email", "x@service.org", "--role", "wizard"],
        cli_env,
        stdin="a good long password\n",
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Unknown role 'wizard'" in result.stderr
    assert _emails(cli_env["PEERNOTES_DATABASE_URL"]) == set()


def test_users_create_duplicate_email_is_a_one_line_error_with_status_2(
    cli_env: dict[str, str],
) -> None:
    args = ["users", "create", "--email", "dup@service.org", "--role", "auditor"]
    assert _peernotes(args, cli_env, stdin="a good long password\n").returncode == 0
    again = _peernotes([*args[:3], "DUP@service.org", *args[4:]], cli_env, stdin="another long password\n")
    assert again.returncode == 2
    assert again.stderr.strip().count("\n") == 0 and "already exists" in again.stderr


def test_users_create_weak_password_is_refused(cli_env: dict[str, str]) -> None:
    result = _peernotes(
        ["users", "create", "--email", "w@service.org", "--role", "carer"], cli_env, stdin="short\n"
    )
    assert result.returncode == 2 and "at least 12" in result.stderr


def test_demo_load_prints_logins_and_refuses_a_second_time(cli_env: dict[str, str]) -> None:
    result = _peernotes(["demo", "load"], cli_env)
    assert result.returncode == 0, result.stderr
    assert DEMO_PASSWORD in result.stdout
    for person in PEOPLE:
        assert person.email in result.stdout
    assert len(_emails(cli_env["PEERNOTES_DATABASE_URL"])) == len(PEOPLE)
    assert _peernotes(["demo", "load"], cli_env).returncode == 1
    quiet = _peernotes(["demo", "load", "--if-empty"], cli_env)
    assert quiet.returncode == 0 and "not loaded" in quiet.stdout


def test_demo_has_the_service_the_issue_describes() -> None:
    from collections import Counter

    from peernotes.auth.roles import Role

    roles = Counter(p.role for p in PEOPLE)
    assert roles == {
        Role.CLINICIAN: 2,
        Role.CONSUMER_PEER_WORKER: 2,
        Role.CARER_PEER_WORKER: 1,
        Role.CONSUMER: 3,
        Role.CARER: 2,
        Role.AUDITOR: 1,
        Role.ADMIN: 1,
    }


def test_demo_load_refuses_in_production(cli_env: dict[str, str], tmp_path: Path) -> None:
    env = {
        **cli_env,
        "PEERNOTES_ENV": "production",
        "PEERNOTES_SECRET_KEY": "p" * 40,
        "PEERNOTES_MASTER_KEY_FILE": str(tmp_path / "master.key"),
        "PEERNOTES_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit_signing_key.pem"),
    }
    result = _peernotes(["demo", "load"], env)
    assert result.returncode == 2
    assert "production" in result.stderr
    assert _emails(cli_env["PEERNOTES_DATABASE_URL"]) == set()


def test_production_without_a_secret_refuses_to_start_and_names_it(
    cli_env: dict[str, str],
) -> None:
    env = {**cli_env, "PEERNOTES_ENV": "production", "PEERNOTES_SECRET_KEY": ""}
    result = _peernotes(["db", "upgrade"], env)
    assert result.returncode == 2
    assert "PEERNOTES_SECRET_KEY" in result.stderr


def test_secrets_init_creates_then_keeps_dev_secrets(tmp_path: Path) -> None:
    env = {"PEERNOTES_INSTANCE_PATH": str(tmp_path / "inst"), "PEERNOTES_ENV": "development"}
    first = _peernotes(["secrets", "init"], env)
    assert first.returncode == 0 and "master.key" in first.stdout
    key = (tmp_path / "inst" / "master.key").read_text()
    assert _peernotes(["secrets", "init"], env).returncode == 0
    assert (tmp_path / "inst" / "master.key").read_text() == key


def test_db_upgrade_migrates_an_empty_database(tmp_path: Path) -> None:
    init_dev_secrets(tmp_path)
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    env = {"PEERNOTES_INSTANCE_PATH": str(tmp_path), "PEERNOTES_DATABASE_URL": url}
    result = _peernotes(["db", "upgrade"], env)
    assert result.returncode == 0, result.stderr
    assert _emails(url) == set()


def test_keys_rotate_on_an_empty_database_then_the_log_verifies(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    old = (tmp_path / "master.key").read_text()
    result = _peernotes(["keys", "rotate"], cli_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "0 data keys re-wrapped" in result.stdout
    assert (tmp_path / "master.key").read_text() != old
    (retired,) = tmp_path.glob("master.key.retired-*")
    assert retired.read_text() == old and str(retired) in result.stdout
    retired.unlink()
    verify = _peernotes(["audit", "verify"], cli_env)
    assert verify.returncode == 0 and verify.stdout.startswith("OK: 1 entries"), verify.stderr
