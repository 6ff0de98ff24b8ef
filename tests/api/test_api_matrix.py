"""The APIs' role matrix, generated from the web's, so the two cannot drift.

Every API and FHIR route is paired with the web page that shows or does the same thing. For a
GET, the status each role gets from the API is the status that role gets from the paired page
in `tests/web/test_deny_by_default.PAGES` (the web's matrix, written from the SPEC); routes with
no web twin say their statuses themselves (`API_OWN`). For a write, the API call and the web
form are made by every role in two copies of the same database, in the same order, and must be
refused alike and write the same access-log entries.

The pairs live beside each area's tests, in `tests/api/matrix_*.py` and `tests/fhir/matrix_*.py`:
  - `API_PAGES: dict[str, str]`: API rule -> web rule (a key of PAGES);
  - `API_OWN: dict[str, dict[Role, int]]`: API rule -> status per role;
  - `API_WRITE_PAIRS: list[tuple[api, web]]`: api = (method, rule, json body), web = (method,
    rule, form data[, rule of the page whose CSRF token the form uses]);
  - `NOT_IN_MATRIX: frozenset[str]`: GET rules with no twin to take statuses from, each named
    with the test that holds it instead (keep it short).
Rules use the web's placeholder names (`<int:subject_id>`, `<int:note_id>`, ...), filled the way
the web matrix fills them. In a body, a string `"<int:name>"` is that same value as a number.
A module may also give `write_values(app) -> dict[str, str]` for `{name}` placeholders of its
writes: it is called before each role's attempt, in each copy (say, a fresh share to revoke).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from peernotes import create_app
from peernotes.audit.events import Action
from peernotes.audit.models import AuditEntry
from peernotes.auth.roles import Role
from peernotes.db import get_database
from peernotes.web.routes import PUBLIC_ENDPOINTS
from tests.api.tokens import bearer, make_token
from tests.conftest import Templates, _config, _copy_database, _drop_database
from tests.helpers import csrf_token, demo_email, sign_in
from tests.web.test_deny_by_default import DEMO_BY_ROLE, PAGES, _path

API_PREFIXES = ("/api/", "/fhir")
_PLACEHOLDER = re.compile(r"^<int:(\w+)>$")


def _matrix_modules() -> Iterator[Any]:
    for package in ("tests.api", "tests.fhir"):
        try:
            found = importlib.import_module(package)
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(found.__path__):
            if info.name.startswith("matrix_"):
                yield importlib.import_module(f"{package}.{info.name}")


@dataclass(frozen=True)
class WritePair:
    api: tuple[str, str, Any]
    web: tuple[Any, ...]
    #: The module's `write_values`, when its writes need fresh objects.
    values_of: Callable[[Flask], dict[str, str]] | None


def _tables() -> tuple[dict[str, str], dict[str, dict[Role, int]], list[WritePair], frozenset[str]]:
    pages: dict[str, str] = {}
    own: dict[str, dict[Role, int]] = {}
    writes: list[WritePair] = []
    elsewhere: set[str] = set()
    for module in _matrix_modules():
        pages.update(getattr(module, "API_PAGES", {}))
        own.update(getattr(module, "API_OWN", {}))
        values_of = getattr(module, "write_values", None)
        writes.extend(
            WritePair(api, web, values_of) for api, web in getattr(module, "API_WRITE_PAIRS", [])
        )
        elsewhere.update(getattr(module, "NOT_IN_MATRIX", ()))
    return pages, own, writes, frozenset(elsewhere)


API_PAGES, API_OWN, API_WRITE_PAIRS, NOT_IN_MATRIX = _tables()


def _api_rules(app: Flask) -> Iterator[tuple[str, str]]:
    """(method, rule) of every API route that needs a token."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIXES) or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield method, rule.rule


def test_every_api_route_is_in_the_matrix(app: Flask) -> None:
    """A new API route must be paired with its web twin (or say its statuses), so its access
    rule is tested for every role, and its writes are held to the web's."""
    written = {
        (pair.api[0], re.sub(r"\{(\w+)\}", r"<int:\1>", pair.api[1])) for pair in API_WRITE_PAIRS
    }
    missing = []
    for method, rule in _api_rules(app):
        covered = (
            (rule in API_PAGES or rule in API_OWN or rule in NOT_IN_MATRIX)
            if method == "GET"
            else (method, rule) in written
        )
        if not covered:
            missing.append(f"{method} {rule}")
    assert missing == [], f"API routes not in the matrix: {missing}"


def test_every_pair_names_a_web_page_of_the_matrix() -> None:
    for api_rule, web_rule in API_PAGES.items():
        assert web_rule in PAGES, f"{api_rule} is paired with {web_rule}, which PAGES lacks"
        for role, status in PAGES[web_rule].items():
            assert status in (200, 403, 404), (
                f"{api_rule}: its web twin answers {role.value} with {status}; pair it with a"
                " page that answers, or list it in API_OWN"
            )


def _values(app: Flask) -> dict[str, int]:
    """The web matrix's placeholder values, read back from `_path` one name at a time."""
    names = {
        name
        for rule in [*API_PAGES, *API_OWN, *(p.api[1] for p in API_WRITE_PAIRS)]
        + [p.web[1] for p in API_WRITE_PAIRS]
        for name in re.findall(r"<int:(\w+)>", rule)
    }
    return {name: int(_path(app, f"<int:{name}>")) for name in names}


def _fill(body: Any, values: dict[str, Any]) -> Any:
    if isinstance(body, str):
        match = _PLACEHOLDER.match(body)
        return values[match.group(1)] if match else body.format(**values)
    if isinstance(body, dict):
        return {key: _fill(value, values) for key, value in body.items()}
    if isinstance(body, list):
        return [_fill(item, values) for item in body]
    return body


def _entries(app: Flask, request_id: str) -> list[tuple[object, ...]]:
    """What one request wrote to the log, without the `api:call` entry that names its token."""
    with app.app_context(), get_database(app).session() as db:
        rows = db.scalars(
            select(AuditEntry).where(AuditEntry.request_id == request_id).order_by(AuditEntry.seq)
        ).all()
        return [
            (e.action, e.actor_id, e.subject_id, e.target_type, _target(e), e.outcome, e.basis)
            for e in rows
            if e.action != Action.API_CALL.value
        ]


def _target(entry: AuditEntry) -> str | None:
    # A route refused for lack of permission is named by its endpoint, which differs between
    # twins by nature (`notes.show_note`, `api.get_note`): that it was a route is what counts.
    return "<route>" if entry.target_type == "route" else entry.target_id


@pytest.fixture(scope="module")
def matrix_app(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One demo database for every read of the module: reads change nothing a later read
    would see but the log, and each request's entries are found by its own request id."""
    tmp = tmp_path_factory.mktemp("api-matrix")
    url, token = _copy_database(templates.demo, tmp)
    app = create_app(_config(url, tmp, login_attempts_per_address=1000))
    yield app
    get_database(app).engine.dispose()
    _drop_database(token)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_api_reads_answer_as_the_web_pages_do(matrix_app: Flask, role: Role) -> None:
    """Per role: each API GET gets its web twin's status, and writes the same log entries."""
    app = matrix_app
    key = DEMO_BY_ROLE[role]
    token = make_token(app, key)
    web = app.test_client()
    assert sign_in(web, demo_email(key)).status_code == 302
    api = app.test_client()
    values = _values(app)
    failures = []
    for api_rule, web_rule in sorted(API_PAGES.items()):
        api_path = _fill_rule(api_rule, values)
        expected = PAGES[web_rule][role]
        answer = api.get(api_path, headers=bearer(token))
        if answer.status_code != expected:
            failures.append(f"GET {api_path}: {answer.status_code}, expected {expected}")
            continue
        page = web.get(_fill_rule(web_rule, values))
        assert page.status_code == expected, f"{web_rule} changed under the test"
        api_entries = _entries(app, answer.headers["X-Request-ID"])
        web_entries = _entries(app, page.headers["X-Request-ID"])
        if api_entries != web_entries:
            failures.append(f"GET {api_path} logged {api_entries}; the page logged {web_entries}")
    for api_rule, statuses in sorted(API_OWN.items()):
        api_path = _fill_rule(api_rule, values)
        answer = api.get(api_path, headers=bearer(token))
        if answer.status_code != statuses[role]:
            failures.append(f"GET {api_path}: {answer.status_code}, expected {statuses[role]}")
    assert failures == [], "\n".join(failures)


def _fill_rule(rule: str, values: dict[str, Any]) -> str:
    return re.sub(r"<int:(\w+)>", lambda m: str(values[m.group(1)]), rule).format(**values)


def test_no_api_route_answers_without_a_token(matrix_app: Flask) -> None:
    """No authentication bypass: every route but the public documents is a 401 without a
    token, and with a browser session's cookie instead of one."""
    app = matrix_app
    values = _values(app) if API_PAGES or API_WRITE_PAIRS else {}
    browser = app.test_client()
    assert sign_in(browser, demo_email("alex")).status_code == 302
    for method, rule in _api_rules(app):
        path = re.sub(r"<int:(\w+)>", lambda m: str(values.get(m.group(1), 1)), rule)
        for client in (app.test_client(), browser):
            answer = client.open(path, method=method, json={})
            assert answer.status_code == 401, f"{method} {path}: {answer.status_code}"


def _web_write(client: FlaskClient, web: tuple[Any, ...], values: dict[str, Any]) -> Any:
    method, rule, data = web[0], web[1], web[2]
    form_page = _fill_rule(web[3], values) if len(web) > 3 else "/account/sessions"
    token = csrf_token(client.get(form_page).get_data(as_text=True))
    return client.open(
        _fill_rule(rule, values),
        method=method,
        data={**{k: _form_value(v) for k, v in _fill(data, values).items()}, "csrf_token": token},
    )


def _form_value(value: Any) -> str | list[str]:
    return [str(item) for item in value] if isinstance(value, list) else str(value)


@pytest.fixture
def two_copies(templates: Templates, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    made = []
    for side in ("web", "api"):
        (tmp_path / side).mkdir()
        url, token = _copy_database(templates.demo, tmp_path / side)
        made.append(
            (create_app(_config(url, tmp_path / side, login_attempts_per_address=1000)), token)
        )
    yield made[0][0], made[1][0]
    for app, token in made:
        get_database(app).engine.dispose()
        _drop_database(token)


@pytest.mark.parametrize("pair", API_WRITE_PAIRS, ids=lambda p: f"{p.api[0]} {p.api[1]}")
def test_api_writes_are_refused_and_logged_as_the_web_forms_are(
    two_copies: tuple[Flask, Flask], pair: WritePair
) -> None:
    web_app, api_app = two_copies
    api_method, api_rule, api_body = pair.api
    base = _values(web_app)
    assert base == _values(api_app)
    failures = []
    for role in Role:
        key = DEMO_BY_ROLE[role]
        web_values: dict[str, Any] = {**base, **(pair.values_of(web_app) if pair.values_of else {})}
        api_values: dict[str, Any] = {**base, **(pair.values_of(api_app) if pair.values_of else {})}
        assert web_values == api_values, "the two copies drifted apart"
        web_client = web_app.test_client()
        assert sign_in(web_client, demo_email(key)).status_code == 302
        page = _web_write(web_client, pair.web, web_values)
        answer = api_app.test_client().open(
            _fill_rule(api_rule, api_values),
            method=api_method,
            json=_fill(api_body, api_values),
            headers=bearer(make_token(api_app, key)),
        )
        web_denied = page.status_code in (403, 404)
        api_denied = answer.status_code in (403, 404)
        if web_denied != api_denied or (web_denied and page.status_code != answer.status_code):
            failures.append(f"{role.value}: web {page.status_code}, API {answer.status_code}")
            continue
        web_entries = _entries(web_app, page.headers["X-Request-ID"])
        api_entries = _entries(api_app, answer.headers["X-Request-ID"])
        if web_entries != api_entries:
            failures.append(f"{role.value}: web logged {web_entries}, API logged {api_entries}")
    assert failures == [], "\n".join(failures)
