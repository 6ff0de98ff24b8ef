"""Signed checkpoints of the log's head, kept outside the database.

A checkpoint says "at this moment the log had N entries and entry N's MAC was M", signed with
an Ed25519 key the database never sees. Verifying against it catches what the chain alone
cannot: the most recent entries cut off the end.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from peernotes.audit.chain import Checkpoint

FORMAT = "peernotes-audit-checkpoint"
VERSION = 1


class CheckpointMalformed(ValueError):
    """The file is not a checkpoint (exit status 2)."""


class CheckpointSignatureInvalid(ValueError):
    """The checkpoint was not signed by our key, or was altered (exit status 1)."""


@dataclass(frozen=True)
class SignedCheckpoint:
    seq: int
    mac: bytes
    created_at: str
    signature: bytes

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "seq": self.seq,
                "mac": self.mac.hex(),
                "created_at": self.created_at,
                "signature": base64.b64encode(self.signature).decode("ascii"),
            },
            indent=2,
        )


def _message(seq: int, mac: bytes, created_at: str) -> bytes:
    return f"{FORMAT}/v{VERSION}\n{seq}\n{mac.hex()}\n{created_at}".encode()


def sign(key: Ed25519PrivateKey, seq: int, mac: bytes, created_at: datetime) -> SignedCheckpoint:
    stamp = created_at.isoformat()
    return SignedCheckpoint(seq, mac, stamp, key.sign(_message(seq, mac, stamp)))


def load(path: Path, public_key: Ed25519PublicKey) -> Checkpoint:
    """Read and check one checkpoint file.

    Raises:
        CheckpointMalformed: unreadable, not JSON, or fields missing or of the wrong kind.
        CheckpointSignatureInvalid: the signature does not verify with `public_key`.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckpointMalformed(f"{path.name}: not a readable checkpoint file") from exc
    try:
        if data["format"] != FORMAT or data["version"] != VERSION:
            raise CheckpointMalformed(f"{path.name}: not a {FORMAT} version {VERSION} file")
        seq = data["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise CheckpointMalformed(f"{path.name}: seq must be a whole number")
        mac = bytes.fromhex(data["mac"])
        created_at = str(data["created_at"])
        signature = base64.b64decode(data["signature"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        if isinstance(exc, CheckpointMalformed):
            raise
        raise CheckpointMalformed(f"{path.name}: a field is missing or malformed") from exc
    if len(mac) != 32:
        raise CheckpointMalformed(f"{path.name}: mac must be 32 bytes")
    try:
        public_key.verify(signature, _message(seq, mac, created_at))
    except InvalidSignature as exc:
        raise CheckpointSignatureInvalid("checkpoint signature invalid") from exc
    return Checkpoint(seq, mac)
