"""Crash safety: a real server (gunicorn) is killed with SIGKILL ten times at random moments
while a client writes notes and record entries. After every kill the database is intact, the
access log's chain verifies, and every note revision and record entry written has its access-
log entry, and every such log entry its revision or entry: the two are written in one
transaction, so a crash keeps both or neither.

Revisions and log entries share no key; they are matched by the object the log entry names
(`target_id`): each new note has exactly one revision and one `note:create` entry, each new
record entry exactly one revision and one `record:write` entry.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.client import HTTPException
from http.cookiejar import CookieJar
from pathlib import Path

from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from peernotes.audit.verify import verify_database
from peernotes.crypto.keyring import Keyring, read_chain_key
from peernotes.db import make_engine
from peernotes.demo.loader import DEMO_PASSWORD
from tests.helpers import app_database_url, demo_email, totp_code, user_id

ROOT = Path(__file__).resolve().parents[2]
KILLS = 10
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # a 302 comes back as an HTTPError, whose Location we read


class Browser:
    """A signed-in person's cookie jar, against whichever server is up now."""

    def __init__(self, email: str, code: Callable[[], str]) -> None:
        self.email = email
        self.code = code  # a fresh authenticator code, for those who sign in in two steps
        self.base = ""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirects()
        )
        self.signed_in = False

    def _open(self, path: str, form: list[tuple[str, str]] | None = None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=10) as response:
                return response.status, response.read().decode(), ""
        except urllib.error.HTTPError as answer:
            return answer.code, "", answer.headers.get("Location", "")

    def post_form(self, path: str, fields: list[tuple[str, str]]) -> tuple[int, str]:
        status, page, _ = self._open(path)
        if status != 200:
            raise AssertionError(f"GET {path}: {status}")
        token = CSRF.search(page)
        assert token, path
        status, _, location = self._open(path, [*fields, ("csrf_token", token.group(1))])
        return status, location

    def ensure_signed_in(self) -> None:
        if not self.signed_in:
            status, location = self.post_form(
                "/login", [("email", self.email), ("password", DEMO_PASSWORD)]
            )
            assert status == 302, status
            if location.startswith("/login/code"):
                status, location = self.post_form("/login/code", [("code", self.code())])
                assert status == 302 and not location.startswith("/login"), location
            self.signed_in = True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(env: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
    """A gunicorn serving the app, in its own process group, so that a SIGKILL takes master
    and worker down together, as a crash would. Booting touches no database."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return f"http://127.0.0.1:{port}", process


def _wait_until_serving(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2):
                return
        except (OSError, HTTPException):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server did not start") from None
            time.sleep(0.05)


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _write_until_refused(
    browsers: dict[str, Browser],
    alex: int,
    jordan: int,
    one_done: threading.Event,
    errors: list[BaseException],
) -> None:
    """Write notes and record entries, alternately, until the server is gone."""
    number = 0
    try:
        while True:
            number += 1
            if number % 2:
                sam = browsers["sam"]
                sam.ensure_signed_in()
                status, _ = sam.post_form(
                    f"/people/{alex}/notes/new",
                    [("heading", "What we talked about"), ("body", f"Crash test {number}.")],
                )
            else:
                chen = browsers["dr.chen"]
                chen.ensure_signed_in()
                status, _ = chen.post_form(
                    f"/people/{jordan}/record/new",
                    [
                        ("category", "clinical_note"),
                        ("title", f"Crash {number}"),
                        ("body", "Written while the server may die."),
                    ],
                )
            assert status == 302, status
            one_done.set()
    except (OSError, HTTPException):
        return  # killed: connection refused, reset or cut mid-answer
    except BaseException as exc:
        errors.append(exc)
    finally:
        one_done.set()  # ended before a first write: nothing to wait for


def _scalar_rows(url: str, sql: str, params: dict[str, object]) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def _check_intact(url: str, keyring: Keyring, first_note: int, first_entry: int) -> int:
    """Everything a crash must not break; returns how many new notes and entries exist."""
    if make_url(url).get_backend_name() == "sqlite":
        with contextlib.closing(sqlite3.connect(str(make_url(url).database))) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    verdict = verify_database(url, read_chain_key(url, keyring)).verdict
    assert verdict.ok, verdict.problem

    def pairs(sql: str, params: dict[str, object]) -> list[tuple[str, int]]:
        return sorted((str(a), int(b)) for a, b in _scalar_rows(url, sql, params))  # type: ignore[call-overload]

    params = {"n": first_note, "e": first_entry}
    # (object id, how many revisions) against (object id, how many creating log entries).
    notes = pairs(
        "SELECT CAST(note_id AS VARCHAR(20)), count(*) FROM note_revisions WHERE note_id >= :n "
        "GROUP BY note_id",
        params,
    )
    note_logs = pairs(
        "SELECT target_id, count(*) FROM audit_log WHERE action = 'note:create' "
        "AND outcome = 'allowed' AND target_type = 'note' AND CAST(target_id AS INTEGER) >= :n "
        "GROUP BY target_id",
        params,
    )
    assert notes == note_logs
    entries = pairs(
        "SELECT CAST(e.id AS VARCHAR(20)), count(r.id) FROM record_entries e "
        "LEFT JOIN record_revisions r ON r.entry_id = e.id WHERE e.id >= :e GROUP BY e.id",
        params,
    )
    entry_logs = pairs(
        "SELECT target_id, count(*) FROM audit_log WHERE action = 'record:write' "
        "AND outcome = 'allowed' AND target_type = 'record_entry' "
        "AND CAST(target_id AS INTEGER) >= :e GROUP BY target_id",
        params,
    )
    assert entries == entry_logs
    assert all(count == 1 for _, count in notes + entries)
    return len(notes) + len(entries)


def _next_id(url: str, table: str) -> int:
    return int(_scalar_rows(url, f"SELECT coalesce(max(id), 0) + 1 FROM {table}", {})[0][0])  # type: ignore[call-overload]


def test_sigkill_at_random_moments_loses_no_log_entry_and_no_write(
    app: Flask, tmp_path: Path
) -> None:
    url = app_database_url(app)
    config = app.config["PEERNOTES"]
    keyring = Keyring(config.master_key_file)
    instance = tmp_path / "instance"
    shutil.copytree(config.master_key_file.parent, instance)
    env = {
        **os.environ,
        "PEERNOTES_ENV": "development",
        "PEERNOTES_INSTANCE_PATH": str(instance),
        "PEERNOTES_DATABASE_URL": url,
    }
    alex, jordan = user_id(app, "alex"), user_id(app, "jordan")
    first_note, first_entry = _next_id(url, "notes"), _next_id(url, "record_entries")
    target_type = _scalar_rows(
        url, "SELECT DISTINCT target_type FROM audit_log WHERE action = 'note:create'", {}
    )
    assert target_type in ([], [("note",)])  # what `_check_intact` matches on

    browsers = {
        key: Browser(demo_email(key), lambda key=key: totp_code(app, demo_email(key)))
        for key in ("sam", "dr.chen")
    }
    chance = random.Random()  # a different schedule of kills on every run, on purpose
    written = 0
    started = [_start(env)]
    try:
        for kill in range(KILLS):
            base, process = started[-1]
            _wait_until_serving(base, process)
            for browser in browsers.values():
                browser.base = base
            errors: list[BaseException] = []
            one_done = threading.Event()
            writer = threading.Thread(
                target=_write_until_refused, args=(browsers, alex, jordan, one_done, errors)
            )
            writer.start()
            # A random moment once writes flow (a cold worker's first answers are slow).
            one_done.wait(timeout=30)
            time.sleep(chance.uniform(0.0, 0.4))
            _kill(process)
            writer.join()
            assert not errors, errors
            if kill + 1 < KILLS:
                started.append(_start(env))  # boots while the checks run; it writes nothing
            written = _check_intact(url, keyring, first_note, first_entry)
    finally:
        for _base, process in started:
            _kill(process)
    assert written > 0, "no write got through: the test proved nothing"
