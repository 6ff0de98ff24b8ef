"""Shared fixtures: a real database built by the migrations, a real app, real sign-ins.

The engine is SQLite by default. Set PEERNOTES_TEST_DATABASE_URL to a PostgreSQL database
(`.ci/run` does) and the very same tests run against PostgreSQL instead: the schema is
migrated into that database once, and every test gets its own copy of it
(`CREATE DATABASE … TEMPLATE …`), so tests commit for real and never see each other's data.
"""

from __future__ import annotations

import gc
import os
import queue
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import Pool
from werkzeug.routing import Rule

from config import MASTER_KEY_FILE_NAME, SIGNING_KEY_FILE_NAME, Config, init_dev_secrets
from peernotes import create_app
from peernotes.db import get_database
from peernotes.demo.loader import load_demo
from peernotes.migrate import upgrade
from tests.helpers import demo_email, sign_in


def _compile_each_url_builder_once() -> None:
    """Every test that needs an app makes its own (`create_app`, its own config and database),
    and nine tenths of that (about 0.1 s, times thousands of tests) was Werkzeug compiling
    each route's URL builder to Python source and then to code: the very same function for
    the same route in every app. The function takes its rule as an argument (Werkzeug binds
    it to each rule afterwards), so here one compiled function per route serves every app of
    the test process. What it returns is what Werkzeug would have compiled; a route with a
    default folded into its path (none of ours) is compiled as before."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # a Werkzeug without it: nothing to save
        return
    compiled: dict[tuple[object, ...], Any] = {}

    def once(self: Rule, append_unknown: bool = True) -> Any:
        defaults = tuple(str(k) for k in (self.defaults or {}))
        if any(dynamic and name in defaults for dynamic, name in self._trace):
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), defaults, append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    Rule._compile_builder = once  # type: ignore[method-assign]


_compile_each_url_builder_once()


class _TemplateCodeOfThisProcess(BytecodeCache):
    """Compiled templates shared by every app of the test process.

    Each app has its own Jinja environment, which compiled every template it rendered afresh:
    a fifth of a typical test's time. Jinja's own bytecode cache keeps the compiled code by
    template and checks it against the template's source on every load, so a changed template
    is compiled again; every app here comes from the same `create_app`, so the code is the
    code each would have compiled."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def _share_template_code() -> None:
    shared = _TemplateCodeOfThisProcess()
    create_environment = Flask.create_jinja_environment

    def with_shared_code(self: Flask) -> Environment:
        environment = create_environment(self)
        environment.bytecode_cache = shared
        return environment

    Flask.create_jinja_environment = with_shared_code  # type: ignore[method-assign]


_share_template_code()

PG_URL = os.environ.get("PEERNOTES_TEST_DATABASE_URL", "").strip()
IN_CI = os.environ.get("CI", "").lower() == "true"


def engine_name() -> str:
    return "postgresql" if PG_URL else "sqlite"


# Database templates ------------------------------------------------------------------------


@dataclass
class Templates:
    """Where the migrated-empty and migrated-with-demo databases live."""

    empty: str
    demo: str


def _seed_demo(url: str, tmp: Path) -> None:
    app = create_app(_config(url, tmp))
    with app.app_context(), get_database(app).session() as session:
        load_demo(session)
        session.commit()
    get_database(app).engine.dispose()


def _pg_admin_engine():  # type: ignore[no-untyped-def]
    admin_url = make_url(PG_URL).set(database="postgres")
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    tmp = tmp_path_factory.mktemp("templates")
    if not PG_URL:
        empty = tmp / "empty.sqlite3"
        upgrade(f"sqlite:///{empty}")
        demo = tmp / "demo.sqlite3"
        upgrade(f"sqlite:///{demo}")
        _seed_demo(f"sqlite:///{demo}", tmp)
        yield Templates(str(empty), str(demo))
        return
    # PostgreSQL: the database named in the URL is fresh (the CI script creates it) and
    # becomes the empty template; a second one gets the demo.
    base = make_url(PG_URL)
    demo_name = f"{base.database}_demo"
    admin = _pg_admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{demo_name}"'))
        conn.execute(text(f'CREATE DATABASE "{demo_name}"'))
    upgrade(PG_URL)
    demo_url = base.set(database=demo_name).render_as_string(hide_password=False)
    upgrade(demo_url)
    _seed_demo(demo_url, tmp)
    yield Templates(str(base.database), demo_name)
    _close_pg_copies()  # before the templates go: no copy of them is still being made
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{demo_name}"'))
    admin.dispose()


class _PgCopies:
    """PostgreSQL test databases made ahead and dropped behind, on a thread of their own.

    Each test that uses a database gets a fresh copy of a template (`CREATE DATABASE …
    TEMPLATE …`) and drops it after: together about 0.15 s of PostgreSQL's file work per test,
    which the test would otherwise wait for. Here one thread does all of it, in order: it keeps
    `AHEAD` copies of each template ready and drops used ones while the tests run. Every copy
    is still made from the untouched template and used by one test only; a test never waits
    for a drop. Nothing but this thread issues CREATE or DROP for the copies, so two never
    copy one template at once.
    """

    AHEAD = 2

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[str, str] | None] = queue.Queue()
        self._ready: dict[str, queue.Queue[str | BaseException]] = {}
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="pg-copies", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        admin = _pg_admin_engine()
        try:
            while (job := self._jobs.get()) is not None:
                verb, name = job
                try:
                    with admin.connect() as conn:
                        if verb == "drop":
                            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                            continue
                        copy = f"pn_t_{uuid.uuid4().hex[:12]}"
                        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'))
                        self._ready[name].put(copy)
                except Exception as exc:  # handed to the test that waits for the copy
                    if verb == "create":
                        self._ready[name].put(exc)
        finally:
            admin.dispose()

    def take(self, template: str) -> str:
        """A fresh copy of `template` (waits only when none is ready yet)."""
        with self._lock:
            if template not in self._ready:
                self._ready[template] = queue.Queue()
                for _ in range(self.AHEAD):
                    self._jobs.put(("create", template))
            self._jobs.put(("create", template))  # the one to replace what is taken now
        got = self._ready[template].get(timeout=120)
        if isinstance(got, BaseException):
            raise got
        return got

    def drop(self, name: str) -> None:
        self._jobs.put(("drop", name))

    def close(self) -> None:
        """Finish every job, then drop the copies made ahead that no test took."""
        self._jobs.put(None)
        self._thread.join()
        admin = _pg_admin_engine()
        with admin.connect() as conn:
            for ready in self._ready.values():
                while not ready.empty():
                    left = ready.get()
                    if isinstance(left, str):
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{left}" WITH (FORCE)'))
        admin.dispose()


_PG_COPIES: _PgCopies | None = None


def _pg_copies() -> _PgCopies:
    global _PG_COPIES
    if _PG_COPIES is None:
        _PG_COPIES = _PgCopies()
    return _PG_COPIES


def _close_pg_copies() -> None:
    global _PG_COPIES
    if _PG_COPIES is not None:
        _PG_COPIES.close()
        _PG_COPIES = None


def _copy_database(template: str, tmp: Path) -> tuple[str, object]:
    """A fresh database copied from `template`; returns its URL and a cleanup token."""
    if not PG_URL:
        target = tmp / f"db-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}", None
    name = _pg_copies().take(template)
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), name


def _drop_database(token: object) -> None:
    if token is None:
        return
    # Anything still checked out of this database is a leak (see `_dispose_checking_for_leaks`
    # for why it matters): collect it while the database still answers, then fail by name.
    leaked = _checked_out_of(str(token))
    if leaked:
        gc.collect()
    _pg_copies().drop(str(token))
    if leaked:
        pytest.fail(
            f"{leaked} connection(s) to the test's database were still checked out when it"
            " ended: close every session and connection"
        )


#: PostgreSQL connections out of any pool in this process, by database name.
_CHECKED_OUT: dict[int, str] = {}


@event.listens_for(Pool, "checkout")
def _note_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    name = getattr(getattr(dbapi_connection, "info", None), "dbname", None)
    if isinstance(name, str):  # psycopg's; SQLite's connections carry no name
        _CHECKED_OUT[id(record)] = name


@event.listens_for(Pool, "checkin")
def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    _CHECKED_OUT.pop(id(record), None)


@event.listens_for(Pool, "detach")
def _note_detach(_dbapi_connection: Any, record: Any) -> None:
    _CHECKED_OUT.pop(id(record), None)


def _checked_out_of(database: str) -> int:
    return sum(1 for name in list(_CHECKED_OUT.values()) if name == database)


# One master key and one checkpoint signing key for the whole run: the demo template's log
# is chained under the same key that every test's app then verifies and appends with.
TEST_KEYS = Path(tempfile.mkdtemp(prefix="peernotes-test-keys-"))
init_dev_secrets(TEST_KEYS)


@pytest.fixture(scope="session", autouse=True)
def _remove_test_keys() -> Iterator[None]:
    yield
    shutil.rmtree(TEST_KEYS, ignore_errors=True)


def _config(url: str, tmp: Path, **overrides: object) -> Config:
    base = Config(
        env="test",
        database_url=url,
        secret_key="test-secret-" + uuid.uuid4().hex,
        master_key_file=TEST_KEYS / MASTER_KEY_FILE_NAME,
        instance_path=tmp,
        audit_signing_key_file=TEST_KEYS / SIGNING_KEY_FILE_NAME,
    )
    return base.with_overrides(**overrides)


@pytest.fixture
def empty_database_url(templates: Templates, tmp_path: Path) -> Iterator[str]:
    url, token = _copy_database(templates.empty, tmp_path)
    yield url
    _drop_database(token)


@pytest.fixture
def database_url(templates: Templates, tmp_path: Path) -> Iterator[str]:
    """A fresh database holding the demo service."""
    url, token = _copy_database(templates.demo, tmp_path)
    yield url
    _drop_database(token)


# App and clients ---------------------------------------------------------------------------


@pytest.fixture
def config_overrides() -> dict[str, object]:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, config_overrides: dict[str, object]) -> Iterator[Flask]:
    application = create_app(_config(database_url, tmp_path, **config_overrides))
    yield application
    _dispose_checking_for_leaks(get_database(application).engine)


def _dispose_checking_for_leaks(engine: Engine) -> None:
    """Dispose of the app's engine, failing the test if it left a connection checked out.

    A session that is never closed keeps its connection until the garbage collector finds it,
    at a moment nobody chose. On PostgreSQL that is after `_drop_database` has ended the
    connection, so the pool's reset fails and it logs the error, mid-way through some later
    test. If the collection ran inside `ast.parse` (Werkzeug compiles every route with it),
    formatting that traceback parses again (CPython 3.11's carets), and the interrupted parse
    fails with "SystemError: AST constructor recursion depth mismatch" in a test that did
    nothing wrong (python/cpython#106905). Collecting here returns such a connection while its
    database still answers, and the test that leaked it fails by name.
    """
    leaked = engine.pool.checkedout()  # type: ignore[attr-defined]
    if leaked:
        gc.collect()
    engine.dispose()
    if leaked:
        pytest.fail(
            f"the test left {leaked} database connection(s) checked out: close every session"
            " (`with get_database(app).session() as db:`)"
        )


@pytest.fixture
def make_config(tmp_path: Path):  # type: ignore[no-untyped-def]
    def build(url: str, **overrides: object) -> Config:
        return _config(url, tmp_path, **overrides)

    return build


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def signed_in(client: FlaskClient):  # type: ignore[no-untyped-def]
    """`signed_in("alex")` signs the client in as that demo person and returns the client."""

    def _sign_in(key: str) -> FlaskClient:
        response = sign_in(client, demo_email(key))
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _sign_in
