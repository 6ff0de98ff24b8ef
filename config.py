"""Typed, frozen configuration read from the environment.

`Config.from_env()` is the only place that reads environment variables or secret files.
`create_app(config)` receives the finished value and does no I/O of its own.

In development the secrets live in the instance folder (`peernotes secrets init`, which
`make run` calls, creates them on first run). In production nothing is generated: a missing
secret stops the app before it serves a single request, and the message names the secret.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Environment = Literal["development", "production", "test"]
_ENVIRONMENTS: tuple[Environment, ...] = ("development", "production", "test")

#: The repository root; the default instance folder lives beside the package.
PROJECT_ROOT = Path(__file__).resolve().parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"

SECRET_KEY_FILE_NAME = "secret_key"
MASTER_KEY_FILE_NAME = "master.key"
SIGNING_KEY_FILE_NAME = "audit_signing_key.pem"
KEY_VAULT_DIR_NAME = "keyvault"


class ConfigError(RuntimeError):
    """The environment does not describe a configuration PeerNotes can run with."""


#: Emergency access lasts at most four hours; a service may choose a shorter window.
MAX_EMERGENCY_MINUTES = 240
#: A reset link is a password: it lasts at most a week, however the service sets it.
MAX_RESET_LINK_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class CrisisLine:
    """One line a person in crisis can call, as the service names it."""

    name: str
    #: As people read and dial it ("13 11 14").
    number: str
    #: When it answers ("24/7"); empty when the service does not say.
    when: str = ""

    @property
    def tel(self) -> str:
        """The number for a `tel:` link: its digits, and a leading + when it has one."""
        digits = "".join(c for c in self.number if c.isdigit())
        return ("+" if self.number.lstrip().startswith("+") else "") + digits


#: Australian lines, shown unless the service sets its own in PEERNOTES_CRISIS_LINES.
DEFAULT_CRISIS_LINES: tuple[CrisisLine, ...] = (
    CrisisLine("Emergency (police, ambulance, fire)", "000", "any time"),
    CrisisLine("Lifeline", "13 11 14", "24/7"),
    CrisisLine("Suicide Call Back Service", "1300 659 467", "24/7"),
    CrisisLine("13YARN, for Aboriginal and Torres Strait Islander people", "13 92 76", "24/7"),
    CrisisLine("Beyond Blue", "1300 22 4636", "24/7"),
)

#: What a number may hold besides its digits: spacing, brackets, a leading + for abroad.
_NUMBER_CHARACTERS = frozenset("0123456789 +-()")


def parse_crisis_lines(raw: str | None) -> tuple[CrisisLine, ...]:
    """Crisis lines from `Name|number|when;Name|number|when` (`when` may be left out).

    Lines are separated by `;` or new lines; spaces around each part and empty lines (a
    trailing `;`) are ignored. Unset, blank or only separators means the Australian defaults: a
    page for people in crisis is never empty.

    Raises:
        ConfigError: a line lacks a name or a number, has more than three parts, or its
            number holds anything but digits, spaces, brackets, dashes and a leading +.
    """
    if raw is None or not raw.strip():
        return DEFAULT_CRISIS_LINES
    lines: list[CrisisLine] = []
    entries = [e.strip() for e in raw.replace("\n", ";").split(";")]
    for position, entry in enumerate((e for e in entries if e), start=1):
        parts = [part.strip() for part in entry.split("|")]
        where = f"PEERNOTES_CRISIS_LINES, line {position} ({entry!r})"
        if len(parts) not in (2, 3):
            raise ConfigError(
                f"{where}: write each line as Name|number|when (when may be left out), "
                "lines separated by ;"
            )
        name, number, when = (*parts, "") if len(parts) == 2 else parts
        if not name:
            raise ConfigError(f"{where}: the name is missing")
        if not any(c.isdigit() for c in number):
            raise ConfigError(f"{where}: the number is missing")
        if not set(number) <= _NUMBER_CHARACTERS or "+" in number.lstrip()[1:]:
            raise ConfigError(
                f"{where}: a number holds only digits, spaces, brackets, dashes and a leading +"
            )
        lines.append(CrisisLine(name, " ".join(number.split()), when))
    return tuple(lines) or DEFAULT_CRISIS_LINES


def _int(
    env: Mapping[str, str], name: str, default: int, minimum: int = 1, maximum: int | None = None
) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


SmtpSecurity = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class SmtpSettings:
    """Where email goes: `PEERNOTES_SMTP_URL`, parsed once (`parse_smtp_url`)."""

    host: str
    port: int
    #: `tls`: TLS from the first byte (`smtps://`); `starttls`: upgraded after connecting.
    security: SmtpSecurity = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    #: Seconds a connection, or any one exchange on it, may take before it counts as failed.
    timeout_seconds: float = 10.0


_SMTP_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


def parse_smtp_url(url: str) -> SmtpSettings:
    """`smtp://[user:pass@]host[:port][?starttls=1][&timeout=seconds]`, or `smtps://…`.

    Raises:
        ConfigError: naming what is wrong (never echoing a password).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _SMTP_DEFAULT_PORTS:
        raise ConfigError("PEERNOTES_SMTP_URL must start with smtp:// or smtps://")
    try:
        port = parts.port or _SMTP_DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise ConfigError("PEERNOTES_SMTP_URL has a port that is not a number") from exc
    if not parts.hostname:
        raise ConfigError("PEERNOTES_SMTP_URL names no host")
    if parts.path not in ("", "/"):
        raise ConfigError("PEERNOTES_SMTP_URL takes no path")
    options = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(options) - {"starttls", "timeout"}
    if unknown:
        raise ConfigError(f"PEERNOTES_SMTP_URL: unknown option {sorted(unknown)[0]!r}")
    try:
        starttls = _bool(options, "starttls", False)
    except ConfigError as exc:
        raise ConfigError(f"PEERNOTES_SMTP_URL: {exc}") from exc
    if starttls and scheme == "smtps":
        raise ConfigError("PEERNOTES_SMTP_URL: smtps:// is TLS already; drop ?starttls")
    try:
        timeout = float(options.get("timeout") or 10)
    except ValueError as exc:
        raise ConfigError("PEERNOTES_SMTP_URL: timeout must be a number of seconds") from exc
    if not 0 < timeout <= 120:
        raise ConfigError("PEERNOTES_SMTP_URL: timeout must be between 0 and 120 seconds")
    if parts.password is not None and scheme == "smtp" and not starttls:
        # A password sent in the clear would be readable by anyone on the way.
        raise ConfigError("PEERNOTES_SMTP_URL: a password needs smtps:// or ?starttls=1")
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        security="tls" if scheme == "smtps" else "starttls" if starttls else "none",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        timeout_seconds=timeout,
    )


def _base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            "PEERNOTES_BASE_URL must be the address people open, like https://peernotes.example.org"
        )
    return raw.rstrip("/")


def _mail_from(raw: str) -> str:
    _, address = parseaddr(raw)
    if "@" not in address or any(c in raw for c in "\r\n"):
        raise ConfigError(f"PEERNOTES_MAIL_FROM must be an email address, not {raw!r}")
    return raw


@dataclass(frozen=True)
class Config:
    """Everything the app needs to know about where it runs. Immutable once built."""

    env: Environment
    database_url: str
    secret_key: str
    master_key_file: Path
    instance_path: Path
    #: Ed25519 private key (PEM) that signs access-log checkpoints; outside the database.
    audit_signing_key_file: Path | None = None
    #: The service's time zone, for the times people read ("on 3 May at 10:14").
    timezone: str = "UTC"
    #: Minutes without a request after which a session ends.
    idle_timeout_minutes: int = 30
    #: Hours after sign-in after which a session ends, however active.
    session_lifetime_hours: int = 12
    #: Where Flask-Limiter keeps its counters: `memory://` for one process, `redis://…` for many.
    ratelimit_storage_uri: str = "memory://"
    #: Failed sign-ins allowed per account, and per client address, in the window below.
    login_attempts_per_account: int = 5
    login_attempts_per_address: int = 30
    login_window_minutes: int = 15
    #: How many reverse proxies in front of the app set X-Forwarded-For (0: none, trust nothing).
    trusted_proxies: int = 0
    #: SQLite only: how long a writer waits for the lock before giving up.
    sqlite_busy_timeout_ms: int = 10_000
    #: How long a clinician's emergency access lasts (the issue caps it at 4 hours).
    emergency_access_minutes: int = 240
    #: How long a clinician may delay telling a person about a risk concern before renewing.
    risk_delay_hours: int = 72
    #: The crisis lines every page points to ("Need help now?"), in the order shown.
    crisis_lines: tuple[CrisisLine, ...] = DEFAULT_CRISIS_LINES
    #: Where notices by email are sent through; None: no email at all (in-app notices only).
    smtp: SmtpSettings | None = None
    #: The address people open PeerNotes at: the start of every link in an email.
    base_url: str = "http://127.0.0.1:5000"
    #: The sender of every email.
    mail_from: str = "PeerNotes <peernotes@localhost>"
    #: How long a reset link lasts: one a coordinator hands over in person (a day, so that it
    #: survives until the person is next at a computer), and one sent by email (an hour: email
    #: sits in mailboxes and forwards). Either link works once.
    reset_link_minutes: int = 24 * 60
    reset_email_link_minutes: int = 60
    #: Reset throttling, in the sign-in window: links a coordinator may issue, emailed links
    #: asked for one address and from one client address, and unusable reset links tried from
    #: one client address.
    reset_issues_per_coordinator: int = 10
    reset_requests_per_account: int = 3
    reset_requests_per_address: int = 10
    reset_attempts_per_address: int = 10
    # Operations (issue 14): the server's log lines, JSON unless development chooses text.
    log_format: LogFormat = "json"
    # Device cookies (issue 14, sessions): a browser that has signed in to an account before
    # is trusted for that account for `device_cookie_days`, and is spared the per-address and
    # per-account sign-in limits; instead it has its own budget of failures in the window.
    device_cookie_days: int = 180
    login_attempts_per_device: int = 5
    # Retention and erasure (`peernotes.erasure`): how many years after a person's last contact
    # their record and shared notes are kept; where the destroyable peer-space keys live
    # (None: `keyvault` beside the master key file). Database backups must not contain it.
    retention_years: int = 7
    key_vault_dir: Path | None = None
    # Performance (issue 15): a `Server-Timing` header on every response, with the request's
    # time in the app and the time it held the lock that serializes writers (for `make
    # bench`). Off by default: timings are nobody's business in production.
    server_timing: bool = False
    # Scale-out (issue 15). A read replica of the database (streaming replication), or "" for
    # none. It serves only reads that decide nothing: the log verifier and the auditor's log
    # export. Consent, care, sessions and every other read that decides access use the primary
    # (`database_url`), always: a replica lags, and a revoked consent must stop the next read.
    replica_database_url: str = ""
    # The database pool of each process (SQLAlchemy's QueuePool): connections kept open, and
    # how many more a burst may open. A sync gunicorn worker serves one request at a time (one
    # connection) and may run the mail sender's thread (one more). The sum over every process
    # of every host must stay under the server's `max_connections` (README, deployment).
    db_pool_size: int = 2
    db_max_overflow: int = 2
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def key_vault(self) -> Path:
        return self.key_vault_dir or self.master_key_file.parent / KEY_VAULT_DIR_NAME

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production"

    def with_overrides(self, **changes: object) -> Config:
        """A copy with some fields changed (used by tests and the CLI)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Config:
        """Build the configuration from environment variables.

        Raises:
            ConfigError: a value is malformed, or (in production) a secret is missing.
        """
        env = os.environ if env is None else env
        environment = env.get("PEERNOTES_ENV", "development").strip() or "development"
        if environment not in _ENVIRONMENTS:
            raise ConfigError(
                f"PEERNOTES_ENV must be one of {', '.join(_ENVIRONMENTS)}, not {environment!r}"
            )
        instance = Path(env.get("PEERNOTES_INSTANCE_PATH") or DEFAULT_INSTANCE).resolve()
        production = environment == "production"

        database_url = env.get("PEERNOTES_DATABASE_URL", "").strip()
        if not database_url:
            if production:
                raise ConfigError(
                    "PEERNOTES_DATABASE_URL is not set; production needs an explicit database"
                )
            database_url = f"sqlite:///{instance / 'peernotes.sqlite3'}"

        secret_key = env.get("PEERNOTES_SECRET_KEY", "").strip()
        if not secret_key:
            if production:
                raise ConfigError("PEERNOTES_SECRET_KEY is not set; refusing to start without it")
            secret_key = _read_secret(instance / SECRET_KEY_FILE_NAME, "PEERNOTES_SECRET_KEY")
        if production and len(secret_key) < 32:
            raise ConfigError("PEERNOTES_SECRET_KEY must be at least 32 characters in production")

        master_key_file = _key_file(
            env,
            "PEERNOTES_MASTER_KEY_FILE",
            instance / MASTER_KEY_FILE_NAME,
            production,
            "production keeps the master key in a file outside the database and the "
            "instance folder",
        )
        signing_key_file = _key_file(
            env,
            "PEERNOTES_AUDIT_SIGNING_KEY_FILE",
            instance / SIGNING_KEY_FILE_NAME,
            production,
            "production signs access-log checkpoints with a key kept outside the database",
        )
        timezone = env.get("PEERNOTES_TIMEZONE", "").strip() or "UTC"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"PEERNOTES_TIMEZONE: unknown time zone {timezone!r}") from exc

        replica_url = _replica_url(env.get("PEERNOTES_REPLICA_DATABASE_URL", ""), database_url)

        smtp_url = env.get("PEERNOTES_SMTP_URL", "").strip()
        smtp = parse_smtp_url(smtp_url) if smtp_url else None
        base_url = env.get("PEERNOTES_BASE_URL", "").strip()
        if smtp is not None and production and not base_url:
            raise ConfigError(
                "PEERNOTES_BASE_URL is not set; emails link to PeerNotes and need its address"
            )

        return cls(
            env=environment,
            database_url=database_url,
            secret_key=secret_key,
            master_key_file=master_key_file,
            instance_path=instance,
            audit_signing_key_file=signing_key_file,
            timezone=timezone,
            idle_timeout_minutes=_int(env, "PEERNOTES_IDLE_TIMEOUT_MINUTES", 30),
            session_lifetime_hours=_int(env, "PEERNOTES_SESSION_LIFETIME_HOURS", 12),
            ratelimit_storage_uri=env.get("PEERNOTES_RATELIMIT_STORAGE_URI", "").strip()
            or "memory://",
            login_attempts_per_account=_int(env, "PEERNOTES_LOGIN_ATTEMPTS_PER_ACCOUNT", 5),
            login_attempts_per_address=_int(env, "PEERNOTES_LOGIN_ATTEMPTS_PER_ADDRESS", 30),
            login_window_minutes=_int(env, "PEERNOTES_LOGIN_WINDOW_MINUTES", 15),
            trusted_proxies=_int(env, "PEERNOTES_TRUSTED_PROXIES", 0, minimum=0),
            sqlite_busy_timeout_ms=_int(env, "PEERNOTES_SQLITE_BUSY_TIMEOUT_MS", 10_000),
            emergency_access_minutes=_int(
                env, "PEERNOTES_EMERGENCY_ACCESS_MINUTES", 240, maximum=MAX_EMERGENCY_MINUTES
            ),
            risk_delay_hours=_int(env, "PEERNOTES_RISK_DELAY_HOURS", 72),
            crisis_lines=parse_crisis_lines(env.get("PEERNOTES_CRISIS_LINES")),
            smtp=smtp,
            base_url=_base_url(base_url) if base_url else "http://127.0.0.1:5000",
            mail_from=_mail_from(env.get("PEERNOTES_MAIL_FROM", "").strip())
            if env.get("PEERNOTES_MAIL_FROM", "").strip()
            else "PeerNotes <peernotes@localhost>",
            reset_link_minutes=_int(
                env, "PEERNOTES_RESET_LINK_MINUTES", 24 * 60, maximum=MAX_RESET_LINK_MINUTES
            ),
            reset_email_link_minutes=_int(
                env, "PEERNOTES_RESET_EMAIL_LINK_MINUTES", 60, maximum=MAX_RESET_LINK_MINUTES
            ),
            reset_issues_per_coordinator=_int(env, "PEERNOTES_RESET_ISSUES_PER_COORDINATOR", 10),
            reset_requests_per_account=_int(env, "PEERNOTES_RESET_REQUESTS_PER_ACCOUNT", 3),
            reset_requests_per_address=_int(env, "PEERNOTES_RESET_REQUESTS_PER_ADDRESS", 10),
            reset_attempts_per_address=_int(env, "PEERNOTES_RESET_ATTEMPTS_PER_ADDRESS", 10),
            log_format=log_format_from_env(env),
            device_cookie_days=_int(env, "PEERNOTES_DEVICE_COOKIE_DAYS", 180),
            login_attempts_per_device=_int(env, "PEERNOTES_LOGIN_ATTEMPTS_PER_DEVICE", 5),
            # Retention and erasure.
            retention_years=_int(env, "PEERNOTES_RETENTION_YEARS", 7, maximum=100),
            key_vault_dir=Path(env["PEERNOTES_KEY_VAULT_DIR"])
            if env.get("PEERNOTES_KEY_VAULT_DIR", "").strip()
            else None,
            server_timing=_bool(env, "PEERNOTES_SERVER_TIMING", False),
            replica_database_url=replica_url,
            db_pool_size=_int(env, "PEERNOTES_DB_POOL_SIZE", 2),
            db_max_overflow=_int(env, "PEERNOTES_DB_MAX_OVERFLOW", 2, minimum=0),
        )


def _engine_of(url: str) -> str:
    """The database engine a SQLAlchemy URL names (`postgresql` of `postgresql+psycopg://`)."""
    return urlsplit(url).scheme.split("+", 1)[0].lower()


def _replica_url(raw: str, database_url: str) -> str:
    """`PEERNOTES_REPLICA_DATABASE_URL`: empty (no replica), or a URL of the primary's engine.

    Raises:
        ConfigError: not a database URL, or another engine than the primary's (a replica is a
            copy of the primary, kept by the database's own replication).
    """
    url = raw.strip()
    if not url:
        return ""
    engine = _engine_of(url)
    if not engine or "://" not in url:
        raise ConfigError(
            "PEERNOTES_REPLICA_DATABASE_URL must be a database URL, like "
            "postgresql+psycopg://user:password@replica:5432/peernotes"
        )
    if engine != _engine_of(database_url):
        raise ConfigError(
            f"PEERNOTES_REPLICA_DATABASE_URL names {engine}, but the database is "
            f"{_engine_of(database_url)}: a read replica is a copy of the same database"
        )
    return url


# Operations (issue 14): the log format. A function of its own, because gunicorn's settings
# (`gunicorn.conf.py`) read it too, before any app exists.
LogFormat = Literal["json", "text"]


def log_format_from_env(env: Mapping[str, str]) -> LogFormat:
    """`PEERNOTES_LOG_FORMAT`: `json` (one object a line; the default, except in development)
    or `text` (readable lines, for a person at a terminal; not in production, because its
    tracebacks keep exceptions' messages, which can repeat what people typed).

    Raises:
        ConfigError: any other value, or `text` in production.
    """
    environment = env.get("PEERNOTES_ENV", "").strip() or "development"
    raw = env.get("PEERNOTES_LOG_FORMAT", "").strip().lower()
    if not raw:
        return "text" if environment == "development" else "json"
    if raw == "json":
        return "json"
    if raw == "text" and environment != "production":
        return "text"
    if raw == "text":
        raise ConfigError(
            "PEERNOTES_LOG_FORMAT: production logs JSON (text lines keep exception messages,"
            " which can repeat what people typed)"
        )
    raise ConfigError(f"PEERNOTES_LOG_FORMAT must be json or text, not {raw!r}")


def _key_file(
    env: Mapping[str, str], variable: str, default: Path, production: bool, why: str
) -> Path:
    """A key file that must exist; in production its location must be given explicitly."""
    if production and not env.get(variable):
        raise ConfigError(f"{variable} is not set; {why}")
    path = Path(env.get(variable) or default)
    if not path.is_file():
        hint = "" if production else " (run `peernotes secrets init`)"
        raise ConfigError(f"{variable}: no key file at {path}{hint}")
    return path


def _read_secret(path: Path, variable: str) -> str:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{variable} is not set and {path} does not exist (run `peernotes secrets init`)"
        ) from exc
    if not value:
        raise ConfigError(f"{variable}: {path} is empty")
    return value


def init_dev_secrets(instance: Path) -> list[Path]:
    """Create the development secrets in the instance folder when missing.

    Returns the files it created. Existing files are never overwritten: a new master key
    would make every encrypted body unreadable.
    """
    instance.mkdir(parents=True, exist_ok=True)
    created: list[Path] = []
    secret_file = instance / SECRET_KEY_FILE_NAME
    if not secret_file.exists():
        _write_private(secret_file, secrets.token_urlsafe(48) + "\n")
        created.append(secret_file)
    master_file = instance / MASTER_KEY_FILE_NAME
    if not master_file.exists():
        # 256-bit key, hex encoded; data keys are wrapped under it (peernotes/crypto).
        _write_private(master_file, secrets.token_hex(32) + "\n")
        created.append(master_file)
    signing_file = instance / SIGNING_KEY_FILE_NAME
    if not signing_file.exists():
        from peernotes.crypto.keys import generate_signing_key_pem

        _write_private(signing_file, generate_signing_key_pem().decode("ascii"))
        created.append(signing_file)
    return created


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
