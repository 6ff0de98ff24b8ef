"""The backup file: a manifest and a database image, encrypted and authenticated in chunks.

Layout (version 1):

    MAGIC (8 bytes) | header length (4, big-endian) | header (JSON, plaintext)
    then records: length (4) | AES-256-GCM ciphertext with its tag

The header names the master key by its fingerprint and carries a random salt; the file's key
is derived from that master key and salt (HKDF), so every backup has its own key and a
rotation only has to keep the old master key (`<master>.retired-<id>`) while backups need it.

Record 0 is the manifest (JSON); the records after it are the database image in chunks. Each
record's nonce is its index (a key is used for one file only, so a counter never repeats),
and its associated data binds it to this file's header, its index and whether it is the last
record (the STREAM construction). So a flipped byte, a reordered, dropped or appended chunk,
or a file cut short at any point fails authentication; `BackupInvalid` says which in words.

Plaintext is never held whole: `write_backup` reads the image in chunks, `read_backup` yields
it in chunks, and the caller decides what to do with them once the last one has verified.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"PNBACKUP"
FORMAT_VERSION = 1
CHUNK_SIZE = 1 << 20
BACKUP_KEY_PURPOSE = b"peernotes/backup-file/v1"
#: Bigger than any record this code writes: a length field above it is damage, not data.
_MAX_RECORD = CHUNK_SIZE + 16 + (1 << 20)
_MAX_HEADER = 1 << 16
_LENGTH = struct.Struct(">I")


class BackupInvalid(RuntimeError):
    """The file is not a backup this code can open, or it was altered, cut short or misused.

    The message is for the operator; it never includes any of the file's content.
    """


@dataclass(frozen=True)
class Header:
    master_key_id: str
    salt: bytes
    chunk_size: int
    raw: bytes  # exactly as stored: what every record is bound to

    @classmethod
    def new(cls, master_key_id: str) -> Header:
        fields = {
            "format": FORMAT_VERSION,
            "master_key_id": master_key_id,
            "salt": os.urandom(32).hex(),
            "chunk_size": CHUNK_SIZE,
        }
        return cls.parse(json.dumps(fields, sort_keys=True).encode())

    @classmethod
    def parse(cls, raw: bytes) -> Header:
        try:
            fields = json.loads(raw)
            if fields["format"] != FORMAT_VERSION:
                raise BackupInvalid(
                    f"this backup is in format {fields['format']!r}; this version of PeerNotes "
                    f"reads format {FORMAT_VERSION}"
                )
            return cls(
                str(fields["master_key_id"]),
                bytes.fromhex(fields["salt"]),
                int(fields["chunk_size"]),
                raw,
            )
        except BackupInvalid:
            raise
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupInvalid("the backup's header is damaged") from exc


def file_key(master_key: bytes, header: Header) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=header.salt, info=BACKUP_KEY_PURPOSE
    ).derive(master_key)


def _nonce(index: int) -> bytes:
    return struct.pack(">4xQ", index)


def _aad(header: Header, index: int, last: bool) -> bytes:
    digest = hashlib.sha256(header.raw).digest()
    return digest + struct.pack(">Q?", index, last)


def _chunks(stream: IO[bytes], size: int) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


def write_backup(
    out: IO[bytes],
    master_key_id: str,
    master_key: bytes,
    manifest: dict[str, Any],
    image: IO[bytes],
) -> None:
    """Write a whole backup of `image` (read to its end in chunks) with `manifest` to `out`."""
    header = Header.new(master_key_id)
    aead = AESGCM(file_key(master_key, header))
    out.write(MAGIC + _LENGTH.pack(len(header.raw)) + header.raw)
    records: Iterable[bytes] = [json.dumps(manifest, sort_keys=True).encode()]
    pending: bytes | None = None
    index = 0
    # One record behind: a record is known to be the last only once the next read is empty.
    for record in _prepend(records, _chunks(image, header.chunk_size)):
        if pending is not None:
            _write_record(out, aead, header, index, pending, last=False)
            index += 1
        pending = record
    assert pending is not None  # the manifest at least
    _write_record(out, aead, header, index, pending, last=True)


def _prepend(first: Iterable[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from first
    yield from rest


def _write_record(
    out: IO[bytes], aead: AESGCM, header: Header, index: int, data: bytes, *, last: bool
) -> None:
    sealed = aead.encrypt(_nonce(index), data, _aad(header, index, last))
    out.write(_LENGTH.pack(len(sealed)) + sealed)


def read_header(source: IO[bytes]) -> Header:
    magic = source.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupInvalid("this file is not a PeerNotes backup")
    length = _read_length(source, "header")
    if length > _MAX_HEADER:
        raise BackupInvalid("the backup's header is damaged")
    raw = source.read(length)
    if len(raw) != length:
        raise BackupInvalid("the backup is cut short (it ends inside its header)")
    return Header.parse(raw)


def _read_length(source: IO[bytes], what: str) -> int:
    raw = source.read(_LENGTH.size)
    if len(raw) != _LENGTH.size:
        raise BackupInvalid(f"the backup is cut short (it ends before its {what})")
    (length,) = _LENGTH.unpack(raw)
    return int(length)


class BackupReader:
    """Opens a backup record by record: `manifest` first, then `image_chunks()`.

    Every record is authenticated before it is handed out. The image is complete only when
    `image_chunks()` has run to its end without raising: a truncated file raises there.
    """

    def __init__(self, source: IO[bytes], header: Header, master_key: bytes) -> None:
        self._source = source
        self._header = header
        self._aead = AESGCM(file_key(master_key, header))
        self._index = 0
        self._ended = False
        try:
            self.manifest: dict[str, Any] = json.loads(self._next("manifest"))
        except ValueError as exc:  # authenticated yet not JSON: not our writer's file
            raise BackupInvalid("the backup's manifest is damaged") from exc

    def _next(self, what: str) -> bytes:
        if self._ended:
            raise BackupInvalid("the backup ended early")
        length = _read_length(self._source, what)
        if length > _MAX_RECORD:
            raise BackupInvalid(f"the backup is damaged (at chunk {self._index})")
        sealed = self._source.read(length)
        if len(sealed) != length:
            raise BackupInvalid(f"the backup is cut short (it ends inside chunk {self._index})")
        for last in (False, True):
            try:
                data = self._aead.decrypt(
                    _nonce(self._index), sealed, _aad(self._header, self._index, last)
                )
            except InvalidTag:
                continue
            self._index += 1
            self._ended = last
            return data
        if self._index == 0:
            # What a wrong key looks like too: the first record is the first to be opened.
            raise BackupInvalid(
                "the backup will not open: it was altered or damaged, or it was not made "
                "under the master key it names"
            )
        raise BackupInvalid(
            f"the backup is damaged or altered (chunk {self._index} fails its check)"
        )

    def image_chunks(self) -> Iterator[bytes]:
        while not self._ended:
            yield self._next("next chunk")
        if self._source.read(1):
            raise BackupInvalid("the backup has data after its last chunk: it was altered")
