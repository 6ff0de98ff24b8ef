"""The only way to write to the access log: `record_event`.

An entry belongs to the caller's transaction. `record_event` checks it and holds it; the
transaction appends everything it holds at its very end, just before it commits
(`append_pending`, run by the session's `before_commit`): so the entries are durable in the
same transaction as the action, and if they cannot be written the commit fails and the action
does not happen either (fail closed). A view's result is only sent after that commit, so
content whose entry could not be written is never shown.

Why at the end: appends are serialized so that the chain never forks (on PostgreSQL by a
transaction-scoped advisory lock, on SQLite by the write lock), and a lock taken at the first
entry would be held through everything the request does after it, rendering included, until
its commit: every governed request of the whole deployment would queue behind it. Taken at
the end, it is held only for the append itself and the commit (README, "Performance and
scale"). Code that reads the log in the same transaction still sees its own entries: a query
of the log appends what is held first (`_append_before_reading_the_log`), except in a SQLite
reader's snapshot, which may not write (`peernotes.db`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from time import perf_counter
from typing import Generic, Protocol, TypeVar, cast

from sqlalchemy import Table, event, insert, select, text
from sqlalchemy.orm import ORMExecuteState, Session, make_transient_to_detached
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.expression import TableClause
from sqlalchemy.sql.visitors import iterate

from peernotes.audit.chain import GENESIS_MAC, ChainRow, compute_mac
from peernotes.audit.events import (
    BASIS_PATTERN,
    REQUEST_ID_PATTERN,
    TARGET_ID_PATTERN,
    TARGET_TYPE_PATTERN,
    Action,
    Outcome,
)
from peernotes.audit.models import AuditEntry, micros_since_epoch
from peernotes.db import AUDIT_KEY_SOURCE, is_reading, note_locked, take_write_lock, utcnow

#: An arbitrary, fixed advisory-lock id for "appending to the audit log".
APPEND_LOCK_ID = 0x5045_4E4F  # "PENO"


class AuditWriteError(RuntimeError):
    """The entry could not be written; the action it describes must not happen either."""


class ActingRole(Protocol):
    """What the log needs of a role: the code it stores (`peernotes.auth.roles.Role` fits)."""

    @property
    def value(self) -> str: ...


class AuditActor(Protocol):
    """Whoever an entry says acted: the log keeps their id, their role's code and the request."""

    @property
    def id(self) -> int | None: ...

    @property
    def role(self) -> ActingRole | None: ...

    @property
    def request_id(self) -> str: ...


#: The role type a `By` carries, so that callers keep theirs (the auth `Role`), not just its code.
_RoleT = TypeVar("_RoleT", bound=ActingRole)


@dataclass(frozen=True)
class By(Generic[_RoleT]):
    """Someone acting without a signed-in session: a visitor, the command line, a sign-in."""

    id: int | None
    role: _RoleT | None
    request_id: str


@dataclass(frozen=True)
class Target:
    type: str
    id: int | str


#: Where a session keeps the entries it was given and has not appended yet, in order.
PENDING = "peernotes.audit_pending"

#: Where a session keeps the entries of its open steps (`peernotes.audit.steps`), innermost
#: last, so that a step that fails can write its refusals again after rolling back.
OPEN_STEPS = "peernotes.open_steps"


@dataclass(frozen=True)
class Recorded:
    """One entry as the writer was asked for it, to be appended again after a rollback."""

    actor: AuditActor
    action: Action
    subject: int | None
    target: Target | None
    outcome: Outcome
    basis: str
    at: datetime
    #: The entry itself: a step that fails drops it from the pending ones if it is still there.
    entry: AuditEntry


def record_event(
    session: Session,
    actor: AuditActor,
    action: Action,
    subject: int | None,
    target: Target | None,
    outcome: Outcome,
    basis: str,
    *,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the log, in `session`'s transaction.

    Raises:
        ValueError: an argument is not of the log's vocabulary (never silently coerced).
        AuditWriteError: there is no chain key for this session.
    """
    if not isinstance(action, Action):
        raise ValueError(f"unknown audit action {action!r}")
    if not isinstance(outcome, Outcome):
        raise ValueError(f"unknown audit outcome {outcome!r}")
    if not BASIS_PATTERN.match(basis):
        raise ValueError(f"malformed basis {basis!r}")
    if not REQUEST_ID_PATTERN.match(actor.request_id):
        raise ValueError("malformed request id")
    target_type = target_id = None
    if target is not None:
        target_type, target_id = target.type, str(target.id)
        if not TARGET_TYPE_PATTERN.match(target_type) or not TARGET_ID_PATTERN.match(target_id):
            raise ValueError(f"malformed target {target!r}")
    if session.info.get(AUDIT_KEY_SOURCE) is None:
        raise AuditWriteError("this session has no audit chain key")

    moment = now or utcnow()
    # `seq` and `mac` are given at the append, in the order the entries are appended.
    entry = AuditEntry(
        occurred_at_us=micros_since_epoch(moment),
        actor_id=actor.id,
        actor_role=actor.role.value if actor.role is not None else None,
        action=action.value,
        subject_id=subject,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome.value,
        basis=basis,
        request_id=actor.request_id,
    )
    session.connection()  # the entry belongs to this transaction: begin it if need be
    session.info.setdefault(PENDING, []).append(entry)
    steps: list[list[Recorded]] | None = session.info.get(OPEN_STEPS)
    if steps:
        steps[-1].append(Recorded(actor, action, subject, target, outcome, basis, moment, entry))
    return entry


def held_entries(session: Session) -> tuple[AuditEntry, ...]:
    """The entries `session` holds for its commit (a request's reader appends only then):
    for code that must count its own request's entries beside those already in the log."""
    return tuple(session.info.get(PENDING) or ())


def pending_entries(session: Session) -> list[AuditEntry]:
    """The entries `session` holds and has not appended yet (the caller may remove some)."""
    pending: list[AuditEntry] = session.info.setdefault(PENDING, [])
    return pending


def append_pending(session: Session) -> None:
    """Append every entry `session` holds to the chain, under the append lock.

    The lock is held from here until the transaction ends, so this runs as late as possible:
    at commit, after everything else of the transaction has been flushed.
    """
    pending: list[AuditEntry] | None = session.info.get(PENDING)
    if not pending:
        return
    key_source: Callable[[Session], bytes] | None = session.info.get(AUDIT_KEY_SOURCE)
    if key_source is None:
        raise AuditWriteError("this session has no audit chain key")
    # Taken off the pending list first: the head query below must not append them again.
    entries = list(pending)
    pending.clear()
    # Core statements on the session's connection, not the ORM's unit of work: everything
    # from here to the commit is the serialized part of every request of the deployment.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"id": APPEND_LOCK_ID})
        note_locked(session, perf_counter())
    else:
        take_write_lock(session)  # a SQLite reader ends its snapshot here (`peernotes.db`)
    # Under the lock: the first entry may store the chain key (`peernotes.crypto.keyring`).
    key = key_source(session)
    head = connection.execute(_HEAD).first()
    seq, previous = (head[0] + 1, bytes(head[1])) if head else (1, GENESIS_MAC)
    rows: list[dict[str, object]] = []
    for entry in entries:
        row = ChainRow(
            seq=seq,
            occurred_at_us=entry.occurred_at_us,
            actor_id=entry.actor_id,
            actor_role=entry.actor_role,
            action=entry.action,
            subject_id=entry.subject_id,
            target_type=entry.target_type,
            target_id=entry.target_id,
            outcome=entry.outcome,
            basis=entry.basis,
            request_id=entry.request_id,
            mac=b"",
        )
        entry.seq = seq
        entry.mac = previous = compute_mac(key, previous, row)
        rows.append(row._replace(mac=previous)._asdict())
        seq += 1
    connection.execute(insert(_TABLE), rows)
    # The entries as rows of the session (no SQL): a query of the log in this transaction
    # finds these very objects.
    for entry in entries:
        make_transient_to_detached(entry)
        session.add(entry)


_TABLE = cast(Table, AuditEntry.__table__)
_LOCK = text("SELECT pg_advisory_xact_lock(:id)")
_HEAD = select(_TABLE.c.seq, _TABLE.c.mac).order_by(_TABLE.c.seq.desc()).limit(1)


@event.listens_for(Session, "before_commit")
def _append_at_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint is being released: the transaction goes on
    if session.info.get(PENDING):
        session.flush()  # the action's own changes first, outside the lock
        append_pending(session)


@event.listens_for(Session, "after_transaction_end")
def _forget_unappended(session: Session, transaction: object) -> None:
    # A transaction that ended without committing takes its entries with it, as it took
    # the action they described.
    if getattr(transaction, "parent", None) is None:
        pending: list[AuditEntry] | None = session.info.get(PENDING)
        if pending:
            pending.clear()


@event.listens_for(Session, "do_orm_execute")
def _append_before_reading_the_log(state: ORMExecuteState) -> None:
    session = state.session
    if not session.info.get(PENDING) or is_reading(session):
        # A request's reader appends only at its end: taking the lock in the middle would
        # hold it through the rest of the request, and (PostgreSQL) before a row lock its
        # commit takes, which can deadlock with a request that takes them the other way.
        # Code that must count its own request's entries looks at `held_entries` too.
        return
    if session.get_nested_transaction() is not None:
        # Appended inside a savepoint, entries recorded before it would go with the
        # savepoint if the step failed, while the action they describe stayed.
        return
    if any(mapper.class_ is AuditEntry for mapper in state.all_mappers) or _names_the_log(
        state.statement
    ):
        append_pending(session)


def _names_the_log(statement: object) -> bool:
    """Whether a statement reads `audit_log` anywhere (a count, a subquery, a join), which
    `all_mappers` does not always say."""
    if not isinstance(statement, ClauseElement):
        return False
    # By name: the ORM hands over annotated copies of the table, not the table itself.
    return any(
        isinstance(element, TableClause) and element.name == _TABLE.name
        for element in iterate(statement)
    )


def acting_basis(actor: AuditActor) -> str:
    """The basis of a change someone made by virtue of their role (or from the command line)."""
    return f"role:{actor.role.value}" if actor.role is not None else "cli"
