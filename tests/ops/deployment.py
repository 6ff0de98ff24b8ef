"""A small deployment of several hosts, on loopback: two PeerNotes servers (gunicorn with the
project's `gunicorn.conf.py` and `wsgi.py`, as README "Running on PostgreSQL under gunicorn"
runs it) on two free ports, over one fresh PostgreSQL database and one Redis, sharing the
secrets that hosts behind a load balancer share. For `tests/ops/test_two_processes.py`.

The database is made here whatever engine the rest of the suite runs on (the deployment is
about PostgreSQL): created with psycopg, migrated and given the demo with the `peernotes`
command as an operator would, and dropped at the end.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pyotp
import redis
import requests
from sqlalchemy.engine import make_url

from config import MASTER_KEY_FILE_NAME, SIGNING_KEY_FILE_NAME, init_dev_secrets
from peernotes.demo.loader import DEMO_PASSWORD, demo_totp_secret

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: The PostgreSQL the suite uses when it runs on PostgreSQL; otherwise the one `.ci/run` starts.
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: A Redis database of its own (tests/web/test_auth.py uses 15), emptied when a deployment
#: starts: its counters must be the two servers' only.
REDIS_URI = "redis://127.0.0.1:6379/14"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def admin_conninfo() -> str:
    """Where to create and drop databases: the suite's PostgreSQL server, database postgres."""
    url = make_url(os.environ.get("PEERNOTES_TEST_DATABASE_URL", "").strip() or DEFAULT_PG)
    if not url.drivername.startswith("postgresql"):
        url = make_url(DEFAULT_PG)
    return psycopg.conninfo.make_conninfo(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password or "",
        dbname="postgres",
    )


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database; its SQLAlchemy URL. Dropped afterwards, with any
    connection still open to it."""
    name = f"pn_two_{uuid.uuid4().hex[:12]}"
    admin = admin_conninfo()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        params = psycopg.conninfo.conninfo_to_dict(admin)
        url = make_url(DEFAULT_PG).set(
            username=str(params.get("user") or "postgres"),
            password=str(params["password"]) if params.get("password") else None,
            host=str(params.get("host")),
            port=int(str(params.get("port"))),
            database=name,
        )
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def shared_environment(database_url: str, folder: Path) -> dict[str, str]:
    """What every host of one deployment is given alike: the database, the session signing
    key, the master key file, the checkpoint signing key, the key vault and the limits' Redis.
    (The access log's chain key lives in the database, wrapped by the master key.) Nothing of
    the environment this test runs in that names PeerNotes settings is passed on."""
    keys = folder / "keys"
    init_dev_secrets(keys)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERNOTES_")}
    env.update(
        PEERNOTES_ENV="development",  # `peernotes demo load` is refused in production
        PEERNOTES_LOG_FORMAT="json",
        PEERNOTES_DATABASE_URL=database_url,
        PEERNOTES_SECRET_KEY=secrets.token_urlsafe(48),
        PEERNOTES_MASTER_KEY_FILE=str(keys / MASTER_KEY_FILE_NAME),
        PEERNOTES_AUDIT_SIGNING_KEY_FILE=str(keys / SIGNING_KEY_FILE_NAME),
        PEERNOTES_KEY_VAULT_DIR=str(keys / "keyvault"),
        PEERNOTES_INSTANCE_PATH=str(folder / "instance"),
        PEERNOTES_RATELIMIT_STORAGE_URI=REDIS_URI,
    )
    return env


def empty_redis() -> None:
    client = redis.Redis.from_url(REDIS_URI, socket_connect_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def peernotes(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The `peernotes` command, as an operator runs it."""
    return subprocess.run(
        [str(BIN / "peernotes"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class Server:
    """One gunicorn (its master and workers, a process group of their own) on a port."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            # Only this gunicorn's own group: its master and the workers it forked.
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


def _launch(name: str, env: dict[str, str], folder: Path, workers: int, attempt: int) -> Server:
    port = free_port()
    log = folder / f"{name}-{attempt}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return Server(name, port, process, log)


@contextmanager
def running_servers(
    names: tuple[str, ...], env: dict[str, str], folder: Path, workers: int = 2
) -> Iterator[list[Server]]:
    """gunicorn servers on free loopback ports, started together, each ready (`/ready`
    answers 200), and stopped afterwards whatever happened. A server whose port was taken
    between choosing it and binding it is started again on another."""
    servers: list[Server] = []
    try:
        for name in names:
            servers.append(_launch(name, env, folder, workers, 0))
        for i, name in enumerate(names):
            for attempt in range(1, 4):
                if _wait_ready(servers[i]):
                    break
                servers[i].stop()
                if "Address already in use" not in servers[i].log_tail() or attempt == 3:
                    raise AssertionError(f"server {name} did not start:\n{servers[i].log_tail()}")
                servers[i] = _launch(name, env, folder, workers, attempt)
        yield servers
    finally:
        for server in servers:
            server.stop()


def _wait_ready(server: Server, seconds: float = 90.0) -> bool:
    """True once `/ready` answers 200; False if gunicorn exited first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        with suppress(requests.RequestException):
            if requests.get(server.url + "/ready", timeout=5).status_code == 200:
                return True
        time.sleep(0.1)
    raise AssertionError(f"server {server.name} was not ready in {seconds} s:\n{server.log_tail()}")


class Browser:
    """One person's browser: a cookie jar, real forms with their CSRF tokens, no redirects
    followed. Cookies are kept per host name, not per port, so one browser's session goes to
    both servers, as it would through a load balancer."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def copy(self) -> Browser:
        """Another browser holding the same cookies (the same session), for another thread."""
        twin = Browser()
        twin.http.cookies.update(self.http.cookies)
        return twin

    def get(self, server: Server, path: str) -> requests.Response:
        return self.http.get(server.url + path, allow_redirects=False, timeout=60)

    def post(self, server: Server, path: str, data: dict[str, object]) -> requests.Response:
        return self.http.post(server.url + path, data=data, allow_redirects=False, timeout=60)

    def token(self, server: Server, page: str) -> str:
        found = CSRF.search(self.get(server, page).text)
        assert found, f"no CSRF token on {page}"
        return found.group(1)

    def submit(
        self, server: Server, path: str, data: dict[str, object], form_page: str | None = None
    ) -> requests.Response:
        """Post a form with the token from the page that holds it."""
        return self.post(
            server, path, {**data, "csrf_token": self.token(server, form_page or path)}
        )

    def sign_in(self, server: Server, email: str, password: str = DEMO_PASSWORD) -> None:
        """Both steps; the code from the demo's public authenticator key (staff only)."""
        answer = self.submit(server, "/login", {"email": email, "password": password})
        assert answer.status_code == 302, answer.text
        if answer.headers["Location"].endswith("/login/code"):
            code = pyotp.TOTP(demo_totp_secret(email)).now()
            answer = self.submit(server, "/login/code", {"code": code})
            assert answer.status_code == 302, answer.text
        assert "/login" not in answer.headers["Location"], answer.headers["Location"]
