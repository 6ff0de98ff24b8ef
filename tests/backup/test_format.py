"""The backup file format on its own: chunks, and what happens to any change to them."""

from __future__ import annotations

import io
import os
import struct

import pytest

from peernotes.backup import format as backup_format
from peernotes.backup.format import BackupInvalid, BackupReader, read_header, write_backup

KEY = bytes(range(32))
IMAGE = os.urandom(100)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backup_format, "CHUNK_SIZE", 16)  # 100 bytes: seven chunks


def _write(image: bytes = IMAGE) -> bytes:
    out = io.BytesIO()
    write_backup(out, "0123456789abcdef", KEY, {"hello": "manifest"}, io.BytesIO(image))
    return out.getvalue()


def _read(data: bytes, key: bytes = KEY) -> tuple[dict[str, object], bytes]:
    source = io.BytesIO(data)
    reader = BackupReader(source, read_header(source), key)
    return reader.manifest, b"".join(reader.image_chunks())


def _records(data: bytes) -> tuple[bytes, list[bytes]]:
    """The file split into its prefix (magic and header) and its records, as stored."""
    (header_length,) = struct.unpack(">I", data[8:12])
    at = 12 + header_length
    prefix, records = data[:at], []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        records.append(data[at : at + 4 + length])
        at += 4 + length
    return prefix, records


def test_a_backup_reads_back_chunk_by_chunk() -> None:
    data = _write()
    _prefix, records = _records(data)
    assert len(records) == 1 + 7  # the manifest, then the image in 16-byte chunks
    assert _read(data) == ({"hello": "manifest"}, IMAGE)
    assert _read(_write(b"")) == ({"hello": "manifest"}, b"")


def test_every_flipped_byte_is_refused() -> None:
    data = _write()
    for at in range(len(data)):
        damaged = bytearray(data)
        damaged[at] ^= 0x01
        with pytest.raises(BackupInvalid):
            _read(bytes(damaged))


def test_every_cut_is_refused() -> None:
    data = _write()
    for length in range(len(data)):
        with pytest.raises(BackupInvalid):
            _read(data[:length])


def test_reordered_dropped_or_extra_chunks_are_refused() -> None:
    prefix, records = _records(_write())
    swapped = records[:2] + [records[3], records[2]] + records[4:]
    dropped = records[:3] + records[4:]
    doubled = records + [records[-1]]
    for changed in (swapped, dropped, doubled):
        with pytest.raises(BackupInvalid):
            _read(prefix + b"".join(changed))
    with pytest.raises(BackupInvalid, match="after its last chunk"):
        _read(prefix + b"".join(records) + b"\0")


def test_the_wrong_key_and_the_wrong_file_are_named() -> None:
    with pytest.raises(BackupInvalid, match="not made under the master key it names"):
        _read(_write(), key=bytes(32))
    with pytest.raises(BackupInvalid, match="not a PeerNotes backup"):
        _read(b"SQLite format 3\0" + bytes(100))
