"""The access log table. Append-only: database triggers refuse UPDATE and DELETE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from peernotes.db import Base

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros_since_epoch(moment: datetime) -> int:
    """The integer form of `occurred_at_us` (exact: no float in between)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


class AuditEntry(Base):
    """One thing that happened: who, in what role, did what, about whom, allowed or not, why.

    Never any content: no note or record text, no passwords, no tokens, nothing typed in.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_subject_seq", "subject_id", "seq"),
        Index("ix_audit_log_actor_seq", "actor_id", "seq"),
        # Time windows: the log's filters by date and the insight dashboard's days.
        Index("ix_audit_log_occurred_at_us", "occurred_at_us"),
    )

    #: Gapless, assigned by the writer under a lock: 1, 2, 3, … On SQLite it is the rowid
    #: (INTEGER PRIMARY KEY), so reading the log in order is a straight scan of the table.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=False
    )
    #: Microseconds since the Unix epoch, UTC. An integer so that every engine agrees on it.
    occurred_at_us: Mapped[int] = mapped_column(BigInteger)
    #: No foreign keys: the log must outlive and never block anything it describes.
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_id: Mapped[int | None] = mapped_column(Integer)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(8))
    basis: Mapped[str] = mapped_column(String(110))
    request_id: Mapped[str] = mapped_column(String(64))
    mac: Mapped[bytes] = mapped_column(LargeBinary(32))

    @property
    def occurred_at(self) -> datetime:
        return datetime.fromtimestamp(self.occurred_at_us / 1_000_000, UTC)

    @property
    def denied(self) -> bool:
        return self.outcome == "denied"


#: The columns of `ChainRow`, in its order: for raw, fast reads by the verifier.
CHAIN_COLUMNS = (
    "seq, occurred_at_us, actor_id, actor_role, action, subject_id, "
    "target_type, target_id, outcome, basis, request_id, mac"
)
