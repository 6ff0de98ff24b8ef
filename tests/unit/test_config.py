"""Configuration: typed, from the environment, and refusing to run production without secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Config, ConfigError, init_dev_secrets
from peernotes.crypto.keys import generate_signing_key_pem


def _prod_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    key = tmp_path / "master.key"
    key.write_text("ab" * 32)
    signing = tmp_path / "signing.pem"
    signing.write_bytes(generate_signing_key_pem())
    env = {
        "PEERNOTES_ENV": "production",
        "PEERNOTES_DATABASE_URL": "postgresql+psycopg://pn@db/pn",
        "PEERNOTES_SECRET_KEY": "s" * 40,
        "PEERNOTES_MASTER_KEY_FILE": str(key),
        "PEERNOTES_AUDIT_SIGNING_KEY_FILE": str(signing),
        "PEERNOTES_INSTANCE_PATH": str(tmp_path),
    }
    env.update(extra)
    return env


def test_production_with_every_secret_starts(tmp_path: Path) -> None:
    config = Config.from_env(_prod_env(tmp_path))
    assert config.is_production and config.secure_cookies
    assert config.database_url.startswith("postgresql+psycopg://")


@pytest.mark.parametrize(
    "missing",
    [
        "PEERNOTES_SECRET_KEY",
        "PEERNOTES_MASTER_KEY_FILE",
        "PEERNOTES_DATABASE_URL",
        "PEERNOTES_AUDIT_SIGNING_KEY_FILE",
    ],
)
def test_production_refuses_to_start_without_a_secret_and_names_it(
    tmp_path: Path, missing: str
) -> None:
    env = _prod_env(tmp_path)
    del env[missing]
    with pytest.raises(ConfigError, match=missing):
        Config.from_env(env)


def test_production_refuses_a_master_key_file_that_does_not_exist(tmp_path: Path) -> None:
    env = _prod_env(tmp_path, PEERNOTES_MASTER_KEY_FILE=str(tmp_path / "nope.key"))
    with pytest.raises(ConfigError, match="PEERNOTES_MASTER_KEY_FILE"):
        Config.from_env(env)


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 32"):
        Config.from_env(_prod_env(tmp_path, PEERNOTES_SECRET_KEY="short"))


def test_production_never_reads_or_generates_instance_secrets(tmp_path: Path) -> None:
    init_dev_secrets(tmp_path)  # present on disk, but production must not fall back to them
    env = _prod_env(tmp_path)
    del env["PEERNOTES_SECRET_KEY"]
    with pytest.raises(ConfigError, match="PEERNOTES_SECRET_KEY"):
        Config.from_env(env)


def test_development_reads_generated_secrets_from_the_instance_folder(tmp_path: Path) -> None:
    created = init_dev_secrets(tmp_path)
    assert {p.name for p in created} == {"secret_key", "master.key", "audit_signing_key.pem"}
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    config = Config.from_env({"PEERNOTES_INSTANCE_PATH": str(tmp_path)})
    assert config.env == "development"
    assert config.secret_key == (tmp_path / "secret_key").read_text().strip()
    assert config.database_url == f"sqlite:///{tmp_path / 'peernotes.sqlite3'}"
    assert not config.secure_cookies


def test_generating_secrets_never_overwrites_existing_ones(tmp_path: Path) -> None:
    init_dev_secrets(tmp_path)
    before = (tmp_path / "master.key").read_text()
    assert init_dev_secrets(tmp_path) == []
    assert (tmp_path / "master.key").read_text() == before


def test_development_without_generated_secrets_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="peernotes secrets init"):
        Config.from_env({"PEERNOTES_INSTANCE_PATH": str(tmp_path)})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PEERNOTES_ENV", "staging"),
        ("PEERNOTES_IDLE_TIMEOUT_MINUTES", "soon"),
        ("PEERNOTES_SESSION_LIFETIME_HOURS", "0"),
        ("PEERNOTES_LOGIN_ATTEMPTS_PER_ACCOUNT", "-1"),
        ("PEERNOTES_TIMEZONE", "Mars/Olympus_Mons"),
        # Emergency access lasts four hours at most, whatever a service configures.
        ("PEERNOTES_EMERGENCY_ACCESS_MINUTES", "241"),
        ("PEERNOTES_EMERGENCY_ACCESS_MINUTES", "0"),
    ],
)
def test_malformed_values_are_refused_by_name(tmp_path: Path, name: str, value: str) -> None:
    init_dev_secrets(tmp_path)
    with pytest.raises(ConfigError, match=name):
        Config.from_env({"PEERNOTES_INSTANCE_PATH": str(tmp_path), name: value})


def test_timeouts_are_configurable(tmp_path: Path) -> None:
    init_dev_secrets(tmp_path)
    config = Config.from_env(
        {
            "PEERNOTES_INSTANCE_PATH": str(tmp_path),
            "PEERNOTES_IDLE_TIMEOUT_MINUTES": "5",
            "PEERNOTES_SESSION_LIFETIME_HOURS": "2",
            "PEERNOTES_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "PEERNOTES_EMERGENCY_ACCESS_MINUTES": "60",
        }
    )
    assert (config.idle_timeout_minutes, config.session_lifetime_hours) == (5, 2)
    assert config.emergency_access_minutes == 60
    assert config.ratelimit_storage_uri == "redis://127.0.0.1:6379/0"


def test_config_is_frozen(tmp_path: Path) -> None:
    init_dev_secrets(tmp_path)
    config = Config.from_env({"PEERNOTES_INSTANCE_PATH": str(tmp_path)})
    with pytest.raises(AttributeError):
        config.secret_key = "changed"  # type: ignore[misc]


def test_creating_the_app_does_no_io(tmp_path: Path) -> None:
    """create_app() opens no database connection: a URL to nowhere still composes."""
    from peernotes import create_app

    master = tmp_path / "m.key"
    master.write_text("00" * 32)
    config = Config(
        env="test",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/nothing",
        secret_key="x" * 40,
        master_key_file=master,
        instance_path=tmp_path / "not-created",
    )
    app = create_app(config)
    assert app.config["PEERNOTES"] is config
    assert not (tmp_path / "not-created").exists()
