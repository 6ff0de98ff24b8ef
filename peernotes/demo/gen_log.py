"""The generated access-log entries, chained onto the log's current head.

Entries are MAC'd with the app's own chain code (`peernotes.audit.chain`) under the stored
chain key (`peernotes.crypto.keyring.chain_key`), continuing from the newest entry, so that
`peernotes audit verify` checks them like any others. The generator holds the log's write
lock for its whole transaction (below), so nothing else appends in between.
"""

from __future__ import annotations

from sqlalchemy import text

from peernotes.audit.chain import ChainHasher
from peernotes.audit.events import Action, Outcome
from peernotes.audit.models import AuditEntry
from peernotes.audit.writer import APPEND_LOCK_ID
from peernotes.demo.bulk import Bulk

_COLUMNS = (
    "seq",
    "occurred_at_us",
    "actor_id",
    "actor_role",
    "action",
    "subject_id",
    "target_type",
    "target_id",
    "outcome",
    "basis",
    "request_id",
    "mac",
)

#: What an entry is before it has its place in the chain: (occurred_at_us, actor_id,
#: actor_role, action, subject_id, target_type, target_id, outcome, basis, request_id).
Pending = tuple[int, int | None, str | None, str, int | None, str | None, str | None, str, str, str]

ALLOWED = Outcome.ALLOWED.value
DENIED = Outcome.DENIED.value


def pending(
    at_us: int,
    actor: int | None,
    role: str | None,
    action: Action,
    subject: int | None,
    target: tuple[str, int] | None,
    basis: str,
    request_id: str,
    outcome: str = ALLOWED,
) -> Pending:
    target_type, target_id = (target[0], str(target[1])) if target is not None else (None, None)
    return (
        at_us,
        actor,
        role,
        action.value,
        subject,
        target_type,
        target_id,
        outcome,
        basis,
        request_id,
    )


class ChainAppender:
    """Appends entries in batches, each MAC'd over the one before. Chaining and writing are
    separate steps, so that the next batch can be chained while this one is being written,
    as long as the batches are written in the order they were chained."""

    def __init__(self, bulk: Bulk, key: bytes) -> None:
        self.bulk = bulk
        if bulk.postgres:
            # The log writer's own lock, held to the end of the generator's transaction.
            bulk.conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": APPEND_LOCK_ID})
        head = bulk.conn.execute(
            text("SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1")
        ).first()
        self.seq, self.mac = (int(head[0]), bytes(head[1])) if head else (0, bytes(32))
        self._hasher = ChainHasher(key)

    def append(self, entries: list[Pending]) -> None:
        """Chain and write `entries`."""
        self.write(self.chain(entries))

    def chain(self, entries: list[Pending]) -> list[tuple[object, ...]]:
        """`entries` in time order (stable: same-moment entries keep theirs), each with its
        place and MAC after the ones chained before: the rows to `write`, in this order."""
        entries.sort(key=lambda e: e[0])
        rows: list[tuple[object, ...]] = []
        mac, seq = self.mac, self.seq
        hasher = self._hasher
        for entry in entries:
            seq += 1
            mac = hasher.mac(mac, (seq, *entry, b""))
            rows.append((seq, *entry, mac))
        self.mac, self.seq = mac, seq
        return rows

    def write(self, rows: list[tuple[object, ...]]) -> None:
        self.bulk.insert(AuditEntry.__table__, _COLUMNS, rows)  # type: ignore[arg-type]
