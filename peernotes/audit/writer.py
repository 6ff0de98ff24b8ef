"""The only way to write to the access log: `record_event`.

It runs inside the caller's transaction. If the entry cannot be written, the exception
propagates and the caller's whole transaction rolls back: the action does not happen without
its record (fail closed).

Appends are serialized so that the chain never forks: on PostgreSQL by a transaction-scoped
advisory lock; on SQLite by the write lock that every transaction takes at BEGIN IMMEDIATE
(see `peernotes.db`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

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
from peernotes.db import AUDIT_KEY_SOURCE, utcnow

#: An arbitrary, fixed advisory-lock id for "appending to the audit log".
_PG_LOCK_ID = 0x5045_4E4F  # "PENO"


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
    key_source: Callable[[Session], bytes] | None = session.info.get(AUDIT_KEY_SOURCE)
    if key_source is None:
        raise AuditWriteError("this session has no audit chain key")

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
    # Under the lock: the first entry may store the chain key (`peernotes.crypto.keyring`).
    key = key_source(session)
    head = session.execute(
        select(AuditEntry.seq, AuditEntry.mac).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, previous = (head[0] + 1, bytes(head[1])) if head else (1, GENESIS_MAC)

    moment = now or utcnow()
    row = ChainRow(
        seq=seq,
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
        mac=b"",
    )
    entry = AuditEntry(**row._replace(mac=compute_mac(key, previous, row))._asdict())
    session.add(entry)
    session.flush()
    steps: list[list[Recorded]] | None = session.info.get(OPEN_STEPS)
    if steps:
        steps[-1].append(Recorded(actor, action, subject, target, outcome, basis, moment))
    return entry


def acting_basis(actor: AuditActor) -> str:
    """The basis of a change someone made by virtue of their role (or from the command line)."""
    return f"role:{actor.role.value}" if actor.role is not None else "cli"
