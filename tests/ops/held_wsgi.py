"""Test-only: the real app (`wsgi:app`), behind a wrapper that can hold one request.

A request carrying `X-Test-Hold` touches the file named by `PEERNOTES_TEST_HELD` and then
waits, before the app sees it, until the file named by `PEERNOTES_TEST_RELEASE` exists. So a
test can have a request in flight for exactly as long as it needs, without guessing at times.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from wsgi import app as peernotes_app

#: The longest a request is held if the test never releases it.
MAX_HOLD_SECONDS = 30


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("HTTP_X_TEST_HOLD"):
        Path(os.environ["PEERNOTES_TEST_HELD"]).touch()
        release = Path(os.environ["PEERNOTES_TEST_RELEASE"])
        deadline = time.monotonic() + MAX_HOLD_SECONDS
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    return peernotes_app(environ, start_response)
