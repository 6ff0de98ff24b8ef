"""The hash chain as pure functions: every kind of tampering is named at its first bad entry."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from peernotes.audit.chain import (
    GENESIS_MAC,
    ChainHasher,
    ChainRow,
    Checkpoint,
    canonical,
    compute_mac,
    verify,
)

KEY = bytes(range(32))


def build(n: int, key: bytes = KEY) -> list[ChainRow]:
    rows: list[ChainRow] = []
    previous = GENESIS_MAC
    for seq in range(1, n + 1):
        row = ChainRow(
            seq, 1_700_000_000_000_000 + seq, seq % 5 or None, "clinician", "auth:login",
            (seq % 3) or None, "user", str(seq), "allowed", "password", f"r{seq}", b"",
        )
        row = row._replace(mac=compute_mac(key, previous, row))
        rows.append(row)
        previous = row.mac
    return rows


def test_an_intact_chain_verifies() -> None:
    verdict = verify(build(50), KEY)
    assert verdict.ok and verdict.count == 50 and verdict.first_bad_seq is None


def test_an_empty_log_verifies() -> None:
    assert verify([], KEY).ok


def test_an_edited_field_is_named() -> None:
    rows = build(20)
    rows[6] = rows[6]._replace(basis="consent:99")
    verdict = verify(rows, KEY)
    assert not verdict.ok and verdict.first_bad_seq == 7
    assert "does not match its MAC" in (verdict.problem or "")


def test_a_deleted_entry_is_named() -> None:
    rows = build(20)
    del rows[9]
    verdict = verify(rows, KEY)
    assert verdict.first_bad_seq == 10 and "missing" in (verdict.problem or "")


def test_an_inserted_entry_is_named() -> None:
    rows = build(20)
    forged = rows[4]._replace(action="audit:list", mac=os.urandom(32))
    rows = rows[:4] + [forged] + [r._replace(seq=r.seq + 1) for r in rows[4:]]
    verdict = verify(rows, KEY)
    assert verdict.first_bad_seq == 5


def test_two_swapped_entries_are_named() -> None:
    rows = build(20)
    a, b = rows[11], rows[12]
    rows[11], rows[12] = b._replace(seq=12), a._replace(seq=13)
    verdict = verify(rows, KEY)
    assert verdict.first_bad_seq == 12


def test_a_truncated_tail_is_caught_by_a_checkpoint() -> None:
    rows = build(30)
    checkpoint = Checkpoint(30, rows[-1].mac)
    assert verify(rows, KEY, [checkpoint]).ok
    verdict = verify(rows[:26], KEY, [checkpoint])
    assert not verdict.ok and verdict.first_bad_seq == 27
    assert "27 to 30 were removed" in (verdict.problem or "")


def test_a_truncated_tail_alone_still_verifies_which_is_why_checkpoints_exist() -> None:
    assert verify(build(30)[:26], KEY).ok


def test_a_chain_recomputed_without_the_key_fails_at_the_first_entry() -> None:
    forged = build(20, key=b"attacker guess".ljust(32, b"\0"))
    verdict = verify(forged, KEY)
    assert verdict.first_bad_seq == 1


def test_a_checkpoint_that_disagrees_with_its_entry_is_named() -> None:
    rows = build(10)
    verdict = verify(rows, KEY, [Checkpoint(6, os.urandom(32))])
    assert verdict.first_bad_seq == 6 and "checkpoint" in (verdict.problem or "")


def test_none_and_empty_string_are_different_in_the_canonical_form() -> None:
    row = build(1)[0]
    assert canonical(row._replace(subject_id=None)) != canonical(row._replace(target_id=""))
    assert canonical(row._replace(actor_role=None)) != canonical(row._replace(actor_role=""))


FIELDS = st.sampled_from(range(1, 11))  # every covered field but seq


@settings(max_examples=200, deadline=None)
@given(position=st.integers(0, 24), field=FIELDS, junk=st.text(min_size=1, max_size=8))
def test_any_single_field_change_is_caught_exactly_there(
    position: int, field: int, junk: str
) -> None:
    rows = build(25)
    original = rows[position]
    values = list(original)
    values[field] = f"{values[field]}{junk}"
    rows[position] = ChainRow(*values)
    verdict = verify(rows, KEY)
    assert not verdict.ok and verdict.first_bad_seq == original.seq


@settings(max_examples=100, deadline=None)
@given(key=st.binary(min_size=0, max_size=100), previous=st.binary(min_size=32, max_size=32))
def test_the_fast_hasher_is_exactly_hmac_sha256(key: bytes, previous: bytes) -> None:
    row = build(1)[0]
    assert ChainHasher(key).mac(previous, row) == compute_mac(key, previous, row)
