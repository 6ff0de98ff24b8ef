"""Graceful shutdown under gunicorn, with the project's `gunicorn.conf.py`: on SIGTERM new
connections are refused at once, the request in flight finishes (200) and commits its access
log entries, and gunicorn exits 0. Every line it wrote on the way is one JSON object."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask

from config import MASTER_KEY_FILE_NAME, SIGNING_KEY_FILE_NAME
from peernotes.ops.logs import REQUEST_COMPLETED
from tests.audit.helpers import rows
from tests.conftest import TEST_KEYS
from tests.helpers import DEMO_PASSWORD, demo_email, totp_code, user_id

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _until(condition, what: str, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


class Client:
    """Just enough HTTP: keeps the session cookie (which is `Secure` in production, so a
    cookie jar would not send it over plain HTTP)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            conn.close()

    def refused(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except ConnectionRefusedError:
            return True
        return False

    def _csrf(self, path: str) -> str:
        _, _, page = self.request("GET", path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def sign_in(self, email: str, code: Callable[[], str]) -> None:
        """The password step, then the code step (`code` gives a fresh one: a clinician
        must use two-step sign-in)."""
        status, headers, _ = self.request(
            "POST",
            "/login",
            {"email": email, "password": DEMO_PASSWORD, "csrf_token": self._csrf("/login")},
        )
        assert status == 302 and headers["location"].startswith("/login/code")
        status, headers, _ = self.request(
            "POST", "/login/code", {"code": code(), "csrf_token": self._csrf("/login/code")}
        )
        assert status == 302 and not headers["location"].startswith("/login")


@pytest.fixture
def gunicorn(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "PEERNOTES_ENV": "production",
        "PEERNOTES_DATABASE_URL": database_url,
        "PEERNOTES_SECRET_KEY": "graceful-shutdown-test-" + "x" * 32,
        "PEERNOTES_MASTER_KEY_FILE": str(TEST_KEYS / MASTER_KEY_FILE_NAME),
        "PEERNOTES_AUDIT_SIGNING_KEY_FILE": str(TEST_KEYS / SIGNING_KEY_FILE_NAME),
        "PEERNOTES_TEST_HELD": str(tmp_path / "held"),
        "PEERNOTES_TEST_RELEASE": str(tmp_path / "release"),
    }
    env.pop("PEERNOTES_LOG_FORMAT", None)  # production's default: JSON
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "tests.ops.held_wsgi:application"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process, port, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sigterm_refuses_new_connections_and_lets_the_request_in_flight_finish(
    app: Flask,
    database_url: str,
    gunicorn: tuple[subprocess.Popen[bytes], int, Path],
    tmp_path: Path,
) -> None:
    process, port, log = gunicorn
    client = Client(port)

    def ready() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return client.request("GET", "/ready")[0] == 200
        except OSError:
            return False

    _until(ready, "gunicorn to be ready")
    client.sign_in(demo_email("dr.chen"), lambda: totp_code(app, demo_email("dr.chen")))
    record = f"/people/{user_id(app, 'jordan')}/record"
    answer: list[tuple[int, dict[str, str], str]] = []
    in_flight = threading.Thread(
        target=lambda: answer.append(client.request("GET", record, headers={"X-Test-Hold": "1"}))
    )
    in_flight.start()
    _until((tmp_path / "held").exists, "the request to reach a worker")

    process.send_signal(signal.SIGTERM)
    _until(client.refused, "gunicorn to refuse new connections")
    assert in_flight.is_alive() and process.poll() is None  # still serving the held request
    (tmp_path / "release").touch()
    in_flight.join(timeout=60)

    (status, headers, page) = answer[0]
    assert status == 200, page
    assert process.wait(timeout=60) == 0
    # Its access-log entries were committed before the worker exited.
    request_id = headers["x-request-id"]
    logged = rows(
        database_url, "SELECT action FROM audit_log WHERE request_id = :r", {"r": request_id}
    )
    assert logged, "the finished request's access-log entries are missing"
    # Every line gunicorn and the app wrote is one JSON object; the held request's is there.
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    done = [
        line
        for line in lines
        if line["message"] == REQUEST_COMPLETED and line["request_id"] == request_id
    ]
    assert [(d["endpoint"], d["status"]) for d in done] == [("records.list_entries", 200)]
    assert any(
        line["logger"] == "gunicorn.error" and "term" in str(line["message"]).lower()
        for line in lines
    )
    # gunicorn's access lines (address, path, query) are off; the app's line replaces them.
    assert not [line for line in lines if line["logger"] == "gunicorn.access"]
    assert "/people/" not in log.read_text()
    # The only address is where gunicorn listens ("Listening at: http://127.0.0.1:…").
    assert all(
        "127.0.0.1" not in json.dumps(line) for line in lines if line["logger"] != "gunicorn.error"
    )
