"""The hash chain, as pure functions: canonical form, MAC, and verification.

No Flask, no SQLAlchemy: rows come in as plain tuples, so the same code checks a live database,
a backup, or a generated benchmark log, and is tested exhaustively and fast.

Each entry's MAC is HMAC-SHA256(key, previous MAC || canonical form of the entry). The first
entry's previous MAC is 32 zero bytes. Changing, removing, inserting or reordering any entry
breaks every MAC from that point on; without the key, nobody can compute MACs that verify.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

GENESIS_MAC = bytes(32)
_NONE = "\x00"  # fields are joined by \x1f (unit separator); None is written as NUL


class ChainRow(NamedTuple):
    """The fields of one entry that the MAC covers, in canonical order, plus its MAC."""

    seq: int
    occurred_at_us: int
    actor_id: int | None
    actor_role: str | None
    action: str
    subject_id: int | None
    target_type: str | None
    target_id: str | None
    outcome: str
    basis: str
    request_id: str
    mac: bytes


def canonical(row: ChainRow | tuple[object, ...]) -> bytes:
    """The bytes that the MAC covers: every field but the MAC, unambiguously joined.

    Fields never contain the separator (the writer validates them), and None is written as
    a NUL so that it cannot be confused with an empty string. Written out field by field
    because it runs once per entry when verifying millions of them.
    """
    seq, at, actor, role, action, subject, ttype, tid, outcome, basis, request, _mac = row
    n = _NONE
    return (
        f"{seq}\x1f{at}\x1f{n if actor is None else actor}\x1f{n if role is None else role}"
        f"\x1f{action}\x1f{n if subject is None else subject}\x1f{n if ttype is None else ttype}"
        f"\x1f{n if tid is None else tid}\x1f{outcome}\x1f{basis}\x1f{request}"
    ).encode()


class ChainHasher:
    """HMAC-SHA256 under one key, with the key's inner and outer pads hashed once.

    Identical to `hmac.digest(key, msg, "sha256")` (a test holds it to that), but it skips
    re-keying for every entry, which is most of the cost when verifying a million of them.
    """

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def pads(self) -> tuple[Any, Any]:
        """The keyed inner and outer hash states, for loops that inline `mac`."""
        return self._inner, self._outer

    def mac(self, previous_mac: bytes, row: ChainRow | tuple[object, ...]) -> bytes:
        inner = self._inner.copy()
        inner.update(previous_mac)
        inner.update(canonical(row))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def compute_mac(key: bytes, previous_mac: bytes, row: ChainRow | tuple[object, ...]) -> bytes:
    return hmac.digest(key, previous_mac + canonical(row), "sha256")


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the head of the log at some moment."""

    seq: int
    mac: bytes


@dataclass(frozen=True)
class Verdict:
    ok: bool
    count: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head_seq: int = 0
    head_mac: bytes = GENESIS_MAC


def verify(
    rows: Iterable[tuple[object, ...]],
    key: bytes,
    checkpoints: Iterable[Checkpoint] = (),
    *,
    first_seq: int = 1,
    previous_mac: bytes = GENESIS_MAC,
    last_seq: int | None = None,
) -> Verdict:
    """Recompute the chain over `rows` (ascending seq) and compare with checkpoints.

    By default `rows` is the whole log. A slice can be checked on its own by giving the seq it
    starts at, the stored MAC of the entry before it, and the seq it must reach (`last_seq`):
    each entry's MAC depends only on the MAC stored before it, so slices verify independently
    and the first bad entry of the whole is the smallest first bad entry of any slice.

    Returns a verdict naming the first bad sequence number and what is wrong with it.
    """
    by_seq = {c.seq: c for c in checkpoints}
    expected = first_seq
    previous = previous_mac
    inner_pad, outer_pad = ChainHasher(key).pads()
    for row in rows:
        seq = row[0]
        if seq != expected:
            if isinstance(seq, int) and seq > expected:
                problem = f"entry {expected} is missing: the log jumps from {expected - 1} to {seq}"
            else:
                problem = f"entry {seq} is out of order or duplicated (expected {expected})"
            return Verdict(False, expected - first_seq, expected, problem, expected - 1, previous)
        # ChainHasher.mac, inlined: this loop runs once per entry of the whole log.
        inner = inner_pad.copy()
        inner.update(previous)
        inner.update(canonical(row))
        outer = outer_pad.copy()
        outer.update(inner.digest())
        mac = outer.digest()
        # A plain comparison: the verifier holds the key; there is no secret to time.
        if mac != row[11]:
            problem = (
                f"entry {seq} does not match its MAC: it was changed, inserted, moved, "
                "or written without the key"
            )
            return Verdict(False, expected - first_seq, seq, problem, expected - 1, previous)
        checkpoint = by_seq.get(seq) if by_seq else None
        if checkpoint is not None and checkpoint.mac != mac:
            problem = f"entry {seq} differs from the checkpoint signed for it"
            return Verdict(False, expected - first_seq, seq, problem, expected - 1, previous)
        previous = mac
        expected += 1
    count = expected - first_seq
    if last_seq is not None and expected <= last_seq:
        problem = f"entry {expected} is missing: the log stops before entry {last_seq}"
        return Verdict(False, count, expected, problem, expected - 1, previous)
    beyond = [c.seq for c in by_seq.values() if c.seq >= expected]
    if beyond:
        problem = (
            f"the log ends at entry {expected - 1}, but a checkpoint records entry "
            f"{max(beyond)}: entries {expected} to {max(beyond)} were removed"
        )
        return Verdict(False, count, expected, problem, expected - 1, previous)
    return Verdict(True, count, None, None, expected - 1, previous)
