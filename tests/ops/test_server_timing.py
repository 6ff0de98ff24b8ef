"""`Server-Timing` (for `make bench`): off by default; when on, every response says how long
the app took and how long it held the lock that serializes writers."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.helpers import demo_email, sign_in


def _timings(header: str) -> dict[str, float]:
    return {name: float(ms) for name, ms in re.findall(r"(\w+);dur=([\d.]+)", header)}


def test_off_by_default(app: Flask) -> None:
    assert "Server-Timing" not in app.test_client().get("/health").headers


@pytest.mark.parametrize("config_overrides", [{"server_timing": True}])
def test_a_governed_read_holds_the_lock_only_for_part_of_the_request(app: Flask) -> None:
    client = app.test_client()
    sign_in(client, demo_email("alex"))
    health = _timings(client.get("/health").headers["Server-Timing"])
    assert set(health) == {"app", "serial"} and health["serial"] == 0.0
    page = client.get("/my/access-log")
    assert page.status_code == 200
    timed = _timings(page.headers["Server-Timing"])
    # The view's look at the log is itself logged, so the request appended (held the lock),
    # but for less than the whole request.
    assert 0.0 < timed["serial"] < timed["app"]
