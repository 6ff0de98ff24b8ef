"""PEERNOTES_SMTP_URL, PEERNOTES_BASE_URL and PEERNOTES_MAIL_FROM, read like every setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import Config, ConfigError, SmtpSettings, parse_smtp_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.internal", SmtpSettings("mail.internal", 25)),
        ("smtp://mail.internal:2525", SmtpSettings("mail.internal", 2525)),
        ("smtps://mail.internal", SmtpSettings("mail.internal", 465, "tls")),
        (
            "smtp://peer%40notes:p%3Ass@mail.internal:587?starttls=1&timeout=3",
            SmtpSettings("mail.internal", 587, "starttls", "peer@notes", "p:ss", 3.0),
        ),
        (
            "smtps://user:secret@mail.internal:4650",
            SmtpSettings("mail.internal", 4650, "tls", "user", "secret"),
        ),
    ],
)
def test_smtp_urls(url: str, expected: SmtpSettings) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.internal", "smtp:// or smtps://"),
        ("smtp://", "names no host"),
        ("smtp://mail.internal:port", "not a number"),
        ("smtp://mail.internal/path", "no path"),
        ("smtp://mail.internal?tls=1", "unknown option 'tls'"),
        ("smtp://mail.internal?starttls=maybe", "true or false"),
        ("smtps://mail.internal?starttls=1", "TLS already"),
        ("smtp://mail.internal?timeout=0", "timeout"),
        ("smtp://mail.internal?timeout=soon", "timeout"),
        ("smtp://user:secret@mail.internal", "needs smtps:// or ?starttls=1"),
    ],
)
def test_bad_smtp_urls_are_refused_by_name(url: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match="PEERNOTES_SMTP_URL") as refused:
        parse_smtp_url(url)
    assert complaint in str(refused.value)
    assert "secret" not in str(refused.value)


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    from config import init_dev_secrets

    init_dev_secrets(tmp_path)
    return {"PEERNOTES_ENV": "development", "PEERNOTES_INSTANCE_PATH": str(tmp_path), **values}


def test_no_email_by_default(tmp_path: Path) -> None:
    config = Config.from_env(_env(tmp_path))
    assert config.smtp is None
    assert config.base_url == "http://127.0.0.1:5000"
    assert config.mail_from == "PeerNotes <peernotes@localhost>"


def test_email_settings_from_the_environment(tmp_path: Path) -> None:
    config = Config.from_env(
        _env(
            tmp_path,
            PEERNOTES_SMTP_URL="smtp://mail.internal:2525",
            PEERNOTES_BASE_URL="https://notes.service.org/",
            PEERNOTES_MAIL_FROM="PeerNotes <no-reply@service.org>",
        )
    )
    assert config.smtp == SmtpSettings("mail.internal", 2525)
    assert config.base_url == "https://notes.service.org"
    assert config.mail_from == "PeerNotes <no-reply@service.org>"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PEERNOTES_BASE_URL", "notes.service.org"),
        ("PEERNOTES_BASE_URL", "https://notes.service.org/?next=evil"),
        ("PEERNOTES_MAIL_FROM", "nobody"),
        ("PEERNOTES_MAIL_FROM", "a@b.org\r\nBcc: c@d.org"),
    ],
)
def test_bad_mail_settings_are_refused_by_name(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_env(_env(tmp_path, **{name: value}))


def test_production_email_needs_the_base_url(tmp_path: Path) -> None:
    env = {
        **_env(tmp_path),
        "PEERNOTES_ENV": "production",
        "PEERNOTES_DATABASE_URL": "sqlite:///x.sqlite3",
        "PEERNOTES_SECRET_KEY": "s" * 40,
        "PEERNOTES_MASTER_KEY_FILE": str(tmp_path / "master.key"),
        "PEERNOTES_AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit_signing_key.pem"),
        "PEERNOTES_SMTP_URL": "smtp://mail.internal",
    }
    with pytest.raises(ConfigError, match="PEERNOTES_BASE_URL is not set"):
        Config.from_env(env)
    assert Config.from_env({**env, "PEERNOTES_BASE_URL": "https://n.org"}).smtp is not None
