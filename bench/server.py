"""A real gunicorn server on loopback for `make bench`, a small HTTP client that signs in as a
person would, and wrk against it."""

from __future__ import annotations

import atexit
import http.client
import os
import re
import signal
import socket
import subprocess  # nosec B404 # reviewed: runs gunicorn and wrk, fixed arguments
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyotp

from bench.measure import WRK_STATUS_SCRIPT, WrkResult, parse_wrk
from config import MASTER_KEY_FILE_NAME, SECRET_KEY_FILE_NAME, SIGNING_KEY_FILE_NAME

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRK = os.environ.get("PEERNOTES_BENCH_WRK", "/usr/bin/wrk")
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One gunicorn master and its workers."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    workers: int
    label: str

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> list[int]:
        """The master's children: gunicorn's workers."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Field 4, after the parenthesised command name (which may hold spaces).
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid:
                found.append(int(entry.name))
        return sorted(found)

    def peak_rss_mb(self) -> list[float]:
        """Each worker's peak resident set (VmHWM) so far, in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return peaks


def server_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The environment of a production server, as the README's gunicorn section sets it up,
    with the sign-in limits raised so that the login benchmark measures logins, not the
    limiter (said in the table)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERNOTES_")}
    env.update(
        PEERNOTES_ENV="production",
        PEERNOTES_DATABASE_URL=database_url,
        PEERNOTES_SECRET_KEY=(instance / SECRET_KEY_FILE_NAME).read_text().strip(),
        PEERNOTES_MASTER_KEY_FILE=str(instance / MASTER_KEY_FILE_NAME),
        PEERNOTES_AUDIT_SIGNING_KEY_FILE=str(instance / SIGNING_KEY_FILE_NAME),
        PEERNOTES_INSTANCE_PATH=str(instance),
        PEERNOTES_LOGIN_ATTEMPTS_PER_ACCOUNT="1000000",
        PEERNOTES_LOGIN_ATTEMPTS_PER_ADDRESS="1000000",
        PEERNOTES_LOGIN_ATTEMPTS_PER_DEVICE="1000000",
        PEERNOTES_SERVER_TIMING="1",
    )
    env.update(extra)
    return env


@contextmanager
def gunicorn(env: Mapping[str, str], workers: int, label: str, log: Path) -> Iterator[Server]:
    """`gunicorn -c gunicorn.conf.py --workers N --bind 127.0.0.1:PORT wsgi:app`, ready."""
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(  # nosec B603 # reviewed: fixed arguments, our gunicorn
            [
                str(BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=out,
        )
    server = Server(process, "127.0.0.1", port, workers, label)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn ({label}) exited; see {log}")
            try:
                if Client(server).get("/health").status == 200 and (
                    len(server.worker_pids()) == workers
                ):
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn ({label}) not ready in 90 s; see {log}")
            time.sleep(0.2)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str


@dataclass
class Client:
    """A browser's worth of HTTP: one keep-alive connection and a cookie jar."""

    server: Server
    cookies: dict[str, str] = field(default_factory=dict)
    _conn: http.client.HTTPConnection | None = None

    def _send(self, method: str, path: str, body: str | None = None) -> Answer:
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # a keep-alive connection the server closed: one retry
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.server.host, self.server.port)
            try:
                self._conn.request(method, path, body=body, headers=headers)
                response = self._conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value:
                self.cookies[name.strip()] = value.strip()
            else:
                self.cookies.pop(name.strip(), None)
        return Answer(response.status, response.headers, text)

    def get(self, path: str) -> Answer:
        return self._send("GET", path)

    def post_form(self, path: str, page: str, data: Mapping[str, str]) -> Answer:
        """POST `data` to `path` with the CSRF token of the form on `page`."""
        token = _CSRF.search(self.get(page).body)
        if not token:
            raise RuntimeError(f"no CSRF token on {page}")
        return self._send("POST", path, urlencode({**data, "csrf_token": token.group(1)}))

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def sign_in(server: Server, email: str, password: str, totp_secret: str | None = None) -> Client:
    """Both steps, as a person would: the password, then (staff) the authenticator's code."""
    client = Client(server)
    answer = client.post_form("/login", "/login", {"email": email, "password": password})
    location = urlsplit(answer.headers.get("Location", "")).path
    if answer.status == 302 and location == "/login/code":
        if totp_secret is None:
            raise RuntimeError(f"{email} needs a code and no secret was given")
        answer = client.post_form(
            "/login/code", "/login/code", {"code": pyotp.TOTP(totp_secret).now()}
        )
    if answer.status != 302 or urlsplit(answer.headers.get("Location", "")).path.startswith(
        "/login"
    ):
        raise RuntimeError(f"sign-in as {email} failed ({answer.status})")
    return client


def must_be_ok(client: Client, path: str) -> None:
    """The page answers 200 to this client: wrk would not notice a page that failed."""
    answer = client.get(path)
    if answer.status != 200:
        raise RuntimeError(f"GET {path} answered {answer.status}, not 200")


_script: Path | None = None


def _status_script() -> Path:
    global _script
    if _script is None:
        handle, name = tempfile.mkstemp(prefix="peernotes-bench-", suffix=".lua")
        with os.fdopen(handle, "w") as f:
            f.write(WRK_STATUS_SCRIPT)
        _script = Path(name)
        atexit.register(_script.unlink, missing_ok=True)
    return _script


def run_wrk(
    server: Server,
    path: str,
    *,
    cookie: str = "",
    seconds: float,
    connections: int,
    latency: bool = False,
) -> WrkResult:
    """wrk against `path`; fails when any answer was not a 200 or a socket failed."""
    command = [
        WRK,
        f"--threads={min(2, connections)}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        "--timeout=10s",
        f"--script={_status_script()}",
    ]
    if latency:
        command.append("--latency")
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    command.append(server.base + path)
    done = subprocess.run(  # nosec B603 # reviewed: wrk with arguments built here
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    )
    result = parse_wrk(done.stdout)
    if result.not_ok is None:
        raise RuntimeError("wrk's status hook printed nothing: answers were not checked")
    if result.not_ok or result.socket_errors:
        raise RuntimeError(
            f"wrk on {path}: {result.not_ok} answers not 200, {result.socket_errors} socket errors"
        )
    return result


def wrk_version() -> str:
    done = subprocess.run([WRK, "--version"], capture_output=True, text=True)  # nosec B603
    first = (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else ""
    match = re.search(r"wrk (\S+)", first)
    return match.group(1) if match else "unknown"
