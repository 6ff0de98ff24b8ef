"""A refused step leaves nothing behind but its refusal on the access log.

Two halves:

- the views: every service function that a view calls inside a `try` that catches a refusal,
  and that takes the session first (so it can write), is a step (`peernotes.audit.steps`);
- the mechanism, on the real database: a step that raises rolls back to its savepoint and
  writes its denied entries again; one that returns keeps everything; steps nest.

The pages themselves, refused for real, are in `test_refused_routes.py`.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
import typing
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import peernotes
from peernotes import create_app
from peernotes.audit.events import Action, Basis, Outcome
from peernotes.audit.models import AuditEntry, micros_since_epoch
from peernotes.audit.steps import is_step, refusable, step
from peernotes.audit.verify import verify_connection
from peernotes.audit.writer import OPEN_STEPS, By, Target, record_event
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care.models import Team
from peernotes.crypto.keyring import chain_key
from peernotes.db import KEYRING, Database, get_database
from peernotes.errors import Refused
from tests.conftest import (
    Templates,
    _config,
    _copy_database,
    _dispose_checking_for_leaks,
    _drop_database,
)
from tests.helpers import demo_email

# The views ---------------------------------------------------------------------------------------


def _views_modules() -> list[ModuleType]:
    names = sorted(
        info.name
        for info in pkgutil.walk_packages(peernotes.__path__, "peernotes.")
        if info.name.rsplit(".", 1)[-1] == "views"
    )
    return [importlib.import_module(name) for name in names]


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """`node` and what is inside it, but not the bodies of functions or classes defined there
    (they run when called, not here). Lambdas are walked: one made here may well run here."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _SCOPES):
            yield child  # its name is bound here; its body is its own
        else:
            yield from _own_nodes(child)


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[str]:
    a = function.args
    named = [*a.posonlyargs, *a.args, *a.kwonlyargs]
    extra = [x for x in (a.vararg, a.kwarg) if x is not None]
    return [p.arg for p in named + extra]


@dataclass
class _Function:
    """A function of a views module, with what its names mean inside it."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str
    #: Names bound inside it or in a function around it (they hide the module's globals).
    local: set[str]
    #: Its parameters and those of the functions around it.
    parameters: set[str]
    #: Functions defined inside it or around it, by name.
    nested: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]


def _functions(tree: ast.Module) -> Iterator[_Function]:
    def visit(node: ast.AST, outer: _Function | None, prefix: str) -> Iterator[_Function]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                own = list(_own_nodes(child))
                nested = {
                    n.name: n
                    for n in own[1:]
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                }
                bound = {
                    n.id for n in own if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
                }
                here = _Function(
                    child,
                    f"{prefix}{child.name}",
                    local=(outer.local if outer else set()) | bound | set(_parameters(child)),
                    parameters=(outer.parameters if outer else set()) | set(_parameters(child)),
                    nested={**(outer.nested if outer else {}), **nested},
                )
                here.local |= set(nested)
                yield here
                yield from visit(child, here, f"{here.qualname}.")
            elif isinstance(child, ast.ClassDef):
                yield from visit(child, outer, f"{prefix}{child.name}.")
            else:
                yield from visit(child, outer, prefix)

    yield from visit(tree, None, "")


def _resolve(expr: ast.expr, module: ModuleType, local: set[str]) -> object | None:
    """What a (dotted) name in the module's source means, or None when it is a local or
    cannot be known without running the view."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name) or expr.id in local:
        return None
    if expr.id in vars(module):
        found: object = vars(module)[expr.id]
    elif hasattr(builtins, expr.id):
        found = getattr(builtins, expr.id)
    else:
        return None
    for part in reversed(parts):
        try:  # `request.form` and the like need a request: not a function of ours anyway
            found = getattr(found, part)
        except Exception:
            return None
    return found


def _catches_refusals(handler: ast.ExceptHandler, module: ModuleType, local: set[str]) -> bool:
    """Whether the handler catches a `Refused` (a subclass, or a class above it: `except
    ValueError` catches refusals too, and so does a bare `except`)."""
    if handler.type is None:
        return True
    exprs = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for expr in exprs:
        caught = _resolve(expr, module, local)
        assert isinstance(caught, type), (
            f"{module.__name__}, line {handler.lineno}: cannot tell what {ast.unparse(expr)} is"
        )
        if issubclass(caught, Refused) or issubclass(Refused, caught):
            return True
    return False


def _writer(found: object) -> str | None:
    """The qualified name of a function of ours whose first parameter is a `Session` (so it
    can write), or None for anything else."""
    if not callable(found):
        return None
    function = inspect.unwrap(found)
    if not inspect.isfunction(function) or not function.__module__.startswith("peernotes."):
        return None
    parameters = list(inspect.signature(function).parameters.values())
    if not parameters:
        return None
    hints = typing.get_type_hints(function)
    if hints.get(parameters[0].name) is not Session:
        return None
    return f"{function.__module__}.{function.__qualname__}"


@dataclass(frozen=True)
class Guarded:
    """A function that can write, called where a view catches its refusals."""

    view: str
    callee: str
    step: bool
    line: int


@dataclass
class Scan:
    guarded_tries: int = 0
    calls: list[Guarded] = field(default_factory=list)
    #: Calls inside such a `try` that the scan could not follow (it fails on any).
    unresolved: list[str] = field(default_factory=list)


def _calls_in(
    nodes: list[ast.stmt] | list[ast.expr],
    module: ModuleType,
    where: _Function,
    view: str,
    functions: dict[str, _Function],
    scan: Scan,
    seen: set[int],
) -> list[Guarded]:
    """Every writer called by `nodes`, following the views module's own functions (defined
    around the view or beside it) and the callables a view hands in: they run here too."""
    found: list[Guarded] = []

    def follow(function: _Function) -> None:
        nonlocal found
        if id(function.node) not in seen:
            seen.add(id(function.node))
            found += _calls_in(function.node.body, module, function, view, functions, scan, seen)

    for statement in nodes:
        for node in _own_nodes(statement):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name is not None and name in where.nested:
                follow(next(f for f in functions.values() if f.node is where.nested[name]))
                continue
            if name is not None and name in where.parameters:
                # A callable handed in (`_step(note_id, lambda: notes.propose(...), ...)`).
                found += _handed_in(where, name, module, functions, scan, seen)
                continue
            callee = _resolve(node.func, module, where.local)
            written = _writer(callee)
            if written is not None:
                found.append(Guarded(view, written, is_step(callee), node.lineno))
                continue
            helper = inspect.unwrap(callee) if inspect.isfunction(callee) else None
            if helper is not None and helper.__module__ == module.__name__:
                if helper.__qualname__ in functions:
                    follow(functions[helper.__qualname__])
                else:
                    scan.unresolved.append(f"{view}, line {node.lineno}: {helper.__qualname__}")
    return found


def _handed_in(
    where: _Function,
    parameter: str,
    module: ModuleType,
    functions: dict[str, _Function],
    scan: Scan,
    seen: set[int],
) -> list[Guarded]:
    found: list[Guarded] = []
    own = _parameters(where.node)
    position = own.index(parameter) if parameter in own else None
    callers = 0
    for caller in functions.values():
        for node in _own_nodes(caller.node):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == where.node.name
                and node.func.id not in caller.local
            ):
                continue
            callers += 1
            given: ast.expr | None = None
            if position is not None and position < len(node.args):
                given = node.args[position]
            else:
                given = next((k.value for k in node.keywords if k.arg == parameter), None)
            view = f"{module.__name__}.{caller.qualname}"
            if isinstance(given, ast.Lambda):
                in_lambda = _Function(
                    caller.node,
                    caller.qualname,
                    local=caller.local | set(_parameters(given)),
                    parameters=caller.parameters | set(_parameters(given)),
                    nested=caller.nested,
                )
                found += _calls_in([given.body], module, in_lambda, view, functions, scan, seen)
            elif isinstance(given, ast.Name) and given.id in caller.nested:
                inner = next(f for f in functions.values() if f.node is caller.nested[given.id])
                found += _calls_in(inner.node.body, module, inner, view, functions, scan, seen)
            else:
                scan.unresolved.append(
                    f"{view}, line {node.lineno}: what it hands to {where.qualname}({parameter})"
                )
    if not callers:
        scan.unresolved.append(
            f"{module.__name__}.{where.qualname}: {parameter}() comes from outside the module"
        )
    return found


def scan_views() -> Scan:
    scan = Scan()
    for module in _views_modules():
        tree = ast.parse(inspect.getsource(module))
        functions = {f.qualname: f for f in _functions(tree)}
        for function in functions.values():
            for node in _own_nodes(function.node):
                if not isinstance(node, ast.Try | ast.TryStar):
                    continue
                if not any(_catches_refusals(h, module, function.local) for h in node.handlers):
                    continue
                view = f"{module.__name__}.{function.qualname}"
                found = _calls_in(node.body, module, function, view, functions, scan, seen=set())
                if found:
                    scan.guarded_tries += 1
                    scan.calls += found
    return scan


def test_every_writer_a_view_may_see_refused_is_a_step() -> None:
    scan = scan_views()
    assert scan.unresolved == [], "the scan cannot follow these calls:\n" + "\n".join(
        scan.unresolved
    )
    # Enough to be sure the scan sees the views at all: when this was written there were 38
    # such blocks, calling 46 different functions that can write.
    assert scan.guarded_tries >= 30, scan.guarded_tries
    callees = {c.callee for c in scan.calls}
    assert len(callees) >= 35, sorted(callees)
    # The notes pages hand their service calls to a helper as lambdas: they are seen too.
    assert (
        "peernotes.notes.views.propose",
        "peernotes.notes.service.writing.propose",
    ) in {(c.view, c.callee) for c in scan.calls}
    not_steps = sorted({(c.view, c.callee) for c in scan.calls if not c.step})
    assert not_steps == [], (
        "these functions can write and a view catches their refusals, but they are not steps"
        " (decorate them with @step from peernotes.audit.steps):\n"
        + "\n".join(f"  {view} calls {callee}" for view, callee in not_steps)
    )


# The mechanism -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def database(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One copy of the demo for these tests: each writes under its own names and request id."""
    tmp = tmp_path_factory.mktemp("refused-steps")
    url, token = _copy_database(templates.demo, tmp)
    app = create_app(_config(url, Path(tmp)))
    found = get_database(app)
    yield found
    _dispose_checking_for_leaks(found.engine)
    _drop_database(token)


@dataclass(frozen=True)
class Attempt:
    """One test's actor, request id and a prefix for the names of the teams it adds."""

    by: By
    prefix: str

    @property
    def request_id(self) -> str:
        return self.by.request_id


@pytest.fixture
def attempt(database: Database) -> Attempt:
    with database.session() as db:
        admin = db.scalar(select(User.id).where(User.email == demo_email("admin")))
    assert admin is not None
    tag = uuid.uuid4().hex[:10]
    return Attempt(By(admin, Role.ADMIN, f"steps-{tag}"), f"steps-{tag}-")


#: When the denied entries of these tests say they happened (kept through a rollback).
DENIED_AT = datetime(2026, 1, 2, 3, 4, 5, 600_000, tzinfo=UTC)


class Stop(Refused):
    """The refusal these tests raise."""


def _add_team(db: Session, attempt: Attempt, name: str) -> Team:
    team = Team(name=attempt.prefix + name, description="")
    db.add(team)
    db.flush()
    record_event(
        db,
        attempt.by,
        Action.TEAM_CREATE,
        None,
        Target("team", team.id),
        Outcome.ALLOWED,
        "role:admin",
    )
    return team


def _deny(db: Session, attempt: Attempt, what: str) -> None:
    record_event(
        db,
        attempt.by,
        Action.ACCESS_DENIED,
        None,
        Target("route", what),
        Outcome.DENIED,
        Basis.NO_PERMISSION,
        now=DENIED_AT,
    )


@step
def _team_step(db: Session, attempt: Attempt, name: str, fail: BaseException | None = None) -> Team:
    """Adds a team, writes an allowed and a denied entry, then raises `fail` if given."""
    team = _add_team(db, attempt, name)
    _deny(db, attempt, name)
    if fail is not None:
        raise fail
    return team


def _head(db: Session) -> int:
    return db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0


@dataclass(frozen=True)
class Left:
    """What an attempt left in the database after its commit."""

    teams: list[str]
    #: (action, outcome, target id) of its entries, in order.
    entries: list[tuple[str, str, str | None]]
    seqs: list[int]
    denied_at: set[int]


def _left(database: Database, attempt: Attempt) -> Left:
    with database.session() as db:
        teams = sorted(
            name.removeprefix(attempt.prefix)
            for name in db.scalars(select(Team.name).where(Team.name.startswith(attempt.prefix)))
        )
        rows = db.execute(
            select(
                AuditEntry.seq,
                AuditEntry.action,
                AuditEntry.outcome,
                AuditEntry.target_id,
                AuditEntry.occurred_at_us,
            )
            .where(AuditEntry.request_id == attempt.request_id)
            .order_by(AuditEntry.seq)
        ).all()
        db.rollback()
    return Left(
        teams,
        [(action, outcome, target) for _, action, outcome, target, _ in rows],
        [seq for seq, *_ in rows],
        {at for _, _, outcome, _, at in rows if outcome == "denied"},
    )


def _chain_verifies(database: Database) -> None:
    with database.session() as db:
        key = chain_key(db, db.info[KEYRING], create=False)
        verdict = verify_connection(db.connection(), key).verdict
        db.rollback()
    assert verdict.ok, verdict


ALLOWED, DENIED = "admin:team_create", "access:denied"


@pytest.mark.parametrize(
    "failure",
    [Stop("refused"), RuntimeError("a bug"), LookupError("not found")],
    ids=["refused", "runtime-error", "lookup-error"],
)
def test_a_failed_step_keeps_only_its_denied_entry(
    database: Database, attempt: Attempt, failure: Exception
) -> None:
    with database.session() as db:
        head = _head(db)
        with pytest.raises(type(failure)):
            _team_step(db, attempt, "a", failure)
        assert db.info[OPEN_STEPS] == []
        db.commit()
    left = _left(database, attempt)
    assert left.teams == []
    assert [(a, o) for a, o, _ in left.entries] == [(DENIED, "denied")]
    assert left.entries[0][2] == "a"
    # Written again after the rollback: the next seq (no gap), at the time it first happened.
    assert left.seqs == [head + 1]
    assert left.denied_at == {micros_since_epoch(DENIED_AT)}
    _chain_verifies(database)


def test_a_step_that_returns_keeps_everything(database: Database, attempt: Attempt) -> None:
    with database.session() as db:
        head = _head(db)
        team = _team_step(db, attempt, "a")
        assert db.info[OPEN_STEPS] == []
        db.commit()
    left = _left(database, attempt)
    assert left.teams == ["a"]
    assert left.entries == [(ALLOWED, "allowed", str(team.id)), (DENIED, "denied", "a")]
    assert left.seqs == [head + 1, head + 2]
    _chain_verifies(database)


def test_a_failed_inner_step_in_a_step_that_returns_keeps_only_the_inner_refusal(
    database: Database, attempt: Attempt
) -> None:
    with database.session() as db:
        with refusable(db):
            before = _add_team(db, attempt, "before")
            with pytest.raises(Stop):
                _team_step(db, attempt, "inner", Stop("refused"))
            after = _add_team(db, attempt, "after")
        assert db.info[OPEN_STEPS] == []
        db.commit()
    left = _left(database, attempt)
    assert left.teams == ["after", "before"]
    assert left.entries == [
        (ALLOWED, "allowed", str(before.id)),
        (DENIED, "denied", "inner"),
        (ALLOWED, "allowed", str(after.id)),
    ]
    _chain_verifies(database)


def test_a_failed_outer_step_drops_a_returned_inner_step_but_keeps_every_refusal(
    database: Database, attempt: Attempt
) -> None:
    with database.session() as db:
        head = _head(db)
        with pytest.raises(RuntimeError):
            with refusable(db):
                _team_step(db, attempt, "returned")  # an allowed and a denied entry
                with pytest.raises(Stop):
                    _team_step(db, attempt, "refused", Stop("refused"))
                _deny(db, attempt, "outer")
                raise RuntimeError("the outer step fails")
        assert db.info[OPEN_STEPS] == []
        db.commit()
    left = _left(database, attempt)
    assert left.teams == []
    # Each refusal once, in the order they happened; nothing of what was allowed.
    assert left.entries == [
        (DENIED, "denied", "returned"),
        (DENIED, "denied", "refused"),
        (DENIED, "denied", "outer"),
    ]
    assert left.seqs == [head + 1, head + 2, head + 3]
    _chain_verifies(database)


def test_work_before_and_after_a_failed_step_commits_with_its_refusal(
    database: Database, attempt: Attempt
) -> None:
    """The transaction goes on after a refusal, as a view that re-renders its form does."""
    with database.session() as db:
        before = _add_team(db, attempt, "before")
        with pytest.raises(Stop):
            _team_step(db, attempt, "refused", Stop("refused"))
        after = _add_team(db, attempt, "after")
        db.commit()
    left = _left(database, attempt)
    assert left.teams == ["after", "before"]
    assert left.entries == [
        (ALLOWED, "allowed", str(before.id)),
        (DENIED, "denied", "refused"),
        (ALLOWED, "allowed", str(after.id)),
    ]
    _chain_verifies(database)


def test_a_step_is_marked_and_keeps_its_name() -> None:
    assert is_step(_team_step)
    assert _team_step.__name__ == "_team_step"
    assert not is_step(_add_team)
