"""The read replica (`PEERNOTES_REPLICA_DATABASE_URL`, `peernotes.replica`) serves the reads that
decide nothing, and no other.

The "replica" here is a second copy of the demo database that has gone its own way: in it, Alex
shares his care plan with Sam. An app whose replica it is must ignore that share (consent,
sessions and care are read on the primary), while the auditor's export and `peernotes audit
verify` read the replica's log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from config import Config, ConfigError
from peernotes import create_app
from peernotes.cli import audit_group
from peernotes.db import get_database
from peernotes.replica import EXTENSION_KEY
from tests.conftest import Templates, _copy_database, _drop_database
from tests.helpers import client_as, grant_by_form, query, user_id


@pytest.fixture
def replica_url(templates: Templates, tmp_path: Path) -> Iterator[str]:
    url, token = _copy_database(templates.demo, tmp_path)
    yield url
    _drop_database(token)


def _close(app: Flask) -> None:
    replica = app.extensions.get(EXTENSION_KEY)
    if replica is not None:
        replica.dispose()
    get_database(app).engine.dispose()


@pytest.fixture
def apps(
    database_url: str, replica_url: str, make_config: Callable[..., Config]
) -> Iterator[tuple[Flask, Flask]]:
    """(the app, on the primary with its replica; an app of the replica's own)."""
    with_replica = create_app(make_config(database_url, replica_database_url=replica_url))
    replica_own = create_app(make_config(replica_url))
    yield with_replica, replica_own
    _close(with_replica)
    _close(replica_own)


def _care_plan(app: Flask) -> str:
    (entry,) = query(
        app,
        "SELECT id FROM record_entries WHERE subject_id = :s AND category = 'care_plan'",
        {"s": user_id(app, "alex")},
    )[0]
    return f"/people/{user_id(app, 'alex')}/record/{entry}"


def _replica_shares_more(replica_own: Flask) -> None:
    """On the replica's database only, Alex shares his care plan with Sam: the two logs (and
    consent) differ, so a test can tell which one was read."""
    alex = client_as(replica_own, "alex")
    assert (
        grant_by_form(alex, f"person:{user_id(replica_own, 'sam')}", ["care_plan"]).status_code
        == 302
    )


def test_consent_and_sessions_are_read_on_the_primary_never_on_the_replica(
    apps: tuple[Flask, Flask],
) -> None:
    app, replica_own = apps
    _replica_shares_more(replica_own)
    assert client_as(replica_own, "sam").get(_care_plan(replica_own)).status_code == 200

    # Sam's session exists on the primary only, and it works: sessions are read there. Care
    # and consent are too: the share the replica holds counts for nothing.
    reader = client_as(app, "sam")
    assert reader.get("/").status_code == 200
    refused = reader.get(_care_plan(app))
    assert refused.status_code == 404
    assert query(
        app,
        "SELECT outcome, basis FROM audit_log WHERE action = 'record:read' AND actor_id = :a"
        " ORDER BY seq DESC LIMIT 1",
        {"a": user_id(app, "sam")},
    ) == [("denied", "no_consent")]


def test_the_auditors_export_reads_the_replicas_log_and_is_recorded_on_the_primary(
    apps: tuple[Flask, Flask],
) -> None:
    app, replica_own = apps
    _replica_shares_more(replica_own)
    replica_log = query(replica_own, "SELECT seq, action, request_id FROM audit_log ORDER BY seq")
    primary_before = query(app, "SELECT seq, action, request_id FROM audit_log ORDER BY seq")
    assert replica_log != primary_before  # the two logs differ, so the export shows which

    response = client_as(app, "auditor").get("/audit/export.csv")
    assert response.status_code == 200
    table = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert sorted((int(r["seq"]), r["action"], r["request_id"]) for r in table) == replica_log
    # The export itself, and the auditor's sign-in, are the primary's: the permit and the entry.
    assert query(app, "SELECT count(*) FROM audit_log WHERE action = 'audit:export'") == [(1,)]
    assert query(replica_own, "SELECT count(*) FROM audit_log WHERE action = 'audit:export'") == [
        (0,)
    ]


def test_audit_verify_reads_the_replica_unless_told_the_primary(
    apps: tuple[Flask, Flask],
) -> None:
    app, replica_own = apps
    _replica_shares_more(replica_own)
    (on_replica,) = query(replica_own, "SELECT count(*) FROM audit_log")[0]
    (on_primary,) = query(app, "SELECT count(*) FROM audit_log")[0]
    assert on_replica != on_primary

    runner = app.test_cli_runner()
    result = runner.invoke(audit_group, ["verify"])
    assert result.exit_code == 0, result.output
    assert f"OK: {on_replica} entries verified" in result.output
    assert "on the read replica" in result.output
    result = runner.invoke(audit_group, ["verify", "--primary"])
    assert result.exit_code == 0, result.output
    assert f"OK: {on_primary} entries verified" in result.output
    assert "replica" not in result.output


def test_without_a_replica_the_export_and_verify_read_the_primary(app: Flask) -> None:
    assert app.extensions[EXTENSION_KEY] is None
    result = app.test_cli_runner().invoke(audit_group, ["verify"])
    assert result.exit_code == 0, result.output
    assert "replica" not in result.output


@pytest.mark.parametrize(
    ("replica", "problem"),
    [
        ("not a url", "must be a database URL"),
        ("sqlite:///elsewhere.sqlite3", "a read replica is a copy of the same database"),
    ],
)
def test_the_replica_url_is_checked(replica: str, problem: str, tmp_path: Path) -> None:
    from config import init_dev_secrets

    init_dev_secrets(tmp_path)
    env = {
        "PEERNOTES_INSTANCE_PATH": str(tmp_path),
        "PEERNOTES_DATABASE_URL": "postgresql+psycopg://peernotes@db.internal/peernotes",
        "PEERNOTES_REPLICA_DATABASE_URL": replica,
    }
    with pytest.raises(ConfigError, match=problem):
        Config.from_env(env)
    env["PEERNOTES_REPLICA_DATABASE_URL"] = "postgresql+psycopg://reader@replica.internal/peernotes"
    assert Config.from_env(env).replica_database_url == env["PEERNOTES_REPLICA_DATABASE_URL"]
    del env["PEERNOTES_REPLICA_DATABASE_URL"]
    assert Config.from_env(env).replica_database_url == ""


def test_the_pool_sizes_are_read_and_checked(tmp_path: Path) -> None:
    from config import init_dev_secrets

    init_dev_secrets(tmp_path)
    env = {"PEERNOTES_INSTANCE_PATH": str(tmp_path)}
    default = Config.from_env(env)
    assert (default.db_pool_size, default.db_max_overflow) == (2, 2)
    sized = Config.from_env(
        {**env, "PEERNOTES_DB_POOL_SIZE": "3", "PEERNOTES_DB_MAX_OVERFLOW": "0"}
    )
    assert (sized.db_pool_size, sized.db_max_overflow) == (3, 0)
    with pytest.raises(ConfigError, match="PEERNOTES_DB_POOL_SIZE must be at least 1"):
        Config.from_env({**env, "PEERNOTES_DB_POOL_SIZE": "0"})
    with pytest.raises(ConfigError, match="PEERNOTES_DB_MAX_OVERFLOW must be a whole number"):
        Config.from_env({**env, "PEERNOTES_DB_MAX_OVERFLOW": "many"})
