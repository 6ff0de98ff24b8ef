"""A real server in a background thread, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from peernotes import create_app
from peernotes.db import get_database
from tests.conftest import Templates, _config, _copy_database, _drop_database

CHROMIUM = os.environ.get("PEERNOTES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    if not (Path(CHROMIUM).is_file() and shutil.which(CHROMIUM)):
        # Never a skip: `make test` installs Chromium, so its absence is a broken setup.
        pytest.fail(f"Chromium not found at {CHROMIUM}; run `make test`, which installs it")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


#: The app behind each live server, by its base URL: the browser tests' sign-in helper reads a
#: person's authenticator secret through it to type a code, as the person's phone would.
LIVE_APPS: dict[str, Flask] = {}


@pytest.fixture(scope="session")
def live_server(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("live")
    url, token = _copy_database(templates.demo, tmp)
    # Generous sign-in limits: the browser journeys sign in many times from one address.
    app = create_app(_config(url, tmp, login_attempts_per_address=1000))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    LIVE_APPS[base] = app
    yield base
    del LIVE_APPS[base]
    server.shutdown()
    thread.join(timeout=10)
    get_database(app).engine.dispose()
    _drop_database(token)
