"""Schemathesis against the API's own OpenAPI document, on a live server, once per role.

Property-based requests, valid and invalid, to every operation the document lists, with a
token of each demo role. The run fails on any 5xx, any answer that breaks its declared schema
or content type, and any operation that answers without its token (`ignored_auth`). The
database is a fresh copy of the demo, so whatever valid writes the fuzzing makes are thrown
away with it.

A few seconds per role: the examples, the coverage phase (boundaries of each schema) and a
short fuzzing phase, with a fixed seed so a failure reproduces. Warnings do not fail the run
(a role's 403s, and ids the fuzzer cannot guess, are the point); an untested part of the
document does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from peernotes import create_app
from peernotes.auth.roles import Role
from peernotes.db import get_database
from tests.api.tokens import make_token
from tests.conftest import Templates, _config, _copy_database, _drop_database
from tests.web.test_deny_by_default import DEMO_BY_ROLE

CHECKS = ",".join(
    (
        "not_a_server_error",
        "response_schema_conformance",
        "content_type_conformance",
        "ignored_auth",
    )
)
#: Cases per operation and phase: enough to reach every field's edges, quick enough for CI.
MAX_EXAMPLES = 12


@pytest.fixture(scope="module")
def api_server(
    templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Flask]]:
    tmp = tmp_path_factory.mktemp("schemathesis")
    url, token = _copy_database(templates.demo, tmp)
    app = create_app(_config(url, tmp, login_attempts_per_address=100_000))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=10)
    get_database(app).engine.dispose()
    _drop_database(token)


def _schemathesis() -> str:
    found = Path(sys.executable).with_name("schemathesis")
    return str(found) if found.exists() else (shutil.which("schemathesis") or "schemathesis")


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_api_keeps_its_document_for_every_role(
    api_server: tuple[str, Flask], role: Role, tmp_path: Path
) -> None:
    base, app = api_server
    token = make_token(app, DEMO_BY_ROLE[role])
    command = [
        _schemathesis(),
        "run",
        f"{base}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "16",
        "--workers",
        "1",
        "--no-shrink",
        "--generation-database",
        "none",
        "--request-timeout",
        "20",
        "--no-color",
        "--report-dir",
        str(tmp_path),
    ]
    run = subprocess.run(  # noqa: S603 (our own test command, no shell)
        command,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        # Its cache of crashes goes beside its report, never into the checkout.
        cwd=tmp_path,
        check=False,
    )
    output = (run.stdout + run.stderr).replace(token, "pn_<token>")
    assert run.returncode == 0, output[-6000:]
    # Warnings may stay (a role's 403s, ids the fuzzer cannot guess); these may not:
    assert "Unresolvable reference" not in output, output[-3000:]  # parts left untested
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    assert selected and tested, output[-3000:]
    assert selected.group(1) == selected.group(2) == tested.group(1), output[-3000:]
