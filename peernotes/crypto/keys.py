"""Key material that lives outside the database: the master key and the checkpoint signing key.

Purpose-specific keys are derived from the master key with HKDF, so that the data-key
wrapping key and the key fingerprint are independent even though one file holds the secret
they come from. The access log's chain key starts out derived from the master key too, but is
then kept in the database wrapped by it (`peernotes.crypto.keyring`), so that it survives rotation.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class KeyFileError(RuntimeError):
    """A key file is missing or malformed; the message names the file's role, never its bytes."""


AUDIT_CHAIN_PURPOSE = b"peernotes/audit-chain/v1"


def read_master_key(path: Path) -> bytes:
    """The 32-byte master key from its file (64 hexadecimal characters)."""
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read the master key file {path}") from exc
    return parse_master_key(text)


def parse_master_key(text: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError as exc:
        raise KeyFileError("the master key file must hold 64 hexadecimal characters") from exc
    if len(key) != 32:
        raise KeyFileError("the master key file must hold 64 hexadecimal characters")
    return key


def format_master_key(key: bytes) -> str:
    """A master key as its file holds it."""
    return key.hex() + "\n"


def generate_master_key() -> bytes:
    return os.urandom(32)


def derive_key(master_key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master_key)


def initial_chain_key(master_key: bytes) -> bytes:
    """The chain key a log starts with: derived from the master key it was created under.

    It never changes afterwards, not even when the master key does: once stored, the database's
    copy (`peernotes.crypto.keyring.chain_key`) is the chain key.
    """
    return derive_key(master_key, AUDIT_CHAIN_PURPOSE)


def audit_chain_key(master_key_file: Path) -> bytes:
    """The initial chain key of a log under the key in this file.

    Right for a database whose master key was never rotated (and for fresh test databases);
    anything that verifies a real database should use `peernotes.crypto.keyring.chain_key`.
    """
    return initial_chain_key(read_master_key(master_key_file))


def generate_signing_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def read_signing_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyFileError(f"cannot read the checkpoint signing key {path}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError("the checkpoint signing key must be an Ed25519 private key")
    return key


def read_verify_key(path: Path) -> Ed25519PublicKey:
    """The public half: from a public-key PEM, or derived from the private-key PEM."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read the checkpoint key {path}") from exc
    if b"PUBLIC KEY" in data:
        try:
            public = serialization.load_pem_public_key(data)
        except ValueError as exc:
            raise KeyFileError("the checkpoint verify key is not a PEM public key") from exc
        if not isinstance(public, Ed25519PublicKey):
            raise KeyFileError("the checkpoint verify key must be an Ed25519 public key")
        return public
    return read_signing_key(path).public_key()


# Data keys and sealed bodies ---------------------------------------------------------------

DATA_KEY_WRAP_PURPOSE = b"peernotes/data-key-wrap/v1"
KEY_ID_PURPOSE = b"peernotes/key-id/v1"


class DecryptionFailed(RuntimeError):
    """A ciphertext would not open: wrong key, wrong row, or altered. Deliberately vague."""

    def __init__(self) -> None:
        super().__init__("This item could not be read.")


def master_key_id(master_key: bytes) -> str:
    """A fingerprint naming a master key without revealing anything about it."""
    return derive_key(master_key, KEY_ID_PURPOSE).hex()[:16]


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _aead(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionFailed() from exc


def wrap_data_key(master_key: bytes, subject_id: int, data_key: bytes) -> bytes:
    kek = derive_key(master_key, DATA_KEY_WRAP_PURPOSE)
    return _aead(kek, data_key, f"data_keys:{subject_id}".encode())


def unwrap_data_key(master_key: bytes, subject_id: int, wrapped: bytes) -> bytes:
    kek = derive_key(master_key, DATA_KEY_WRAP_PURPOSE)
    return _open(kek, wrapped, f"data_keys:{subject_id}".encode())


SECRET_WRAP_PURPOSE = b"peernotes/secret-wrap/v1"


def wrap_secret(master_key: bytes, name: str, secret: bytes) -> bytes:
    """A secret kept in the database (`wrapped_secrets`), bound to its name."""
    kek = derive_key(master_key, SECRET_WRAP_PURPOSE)
    return _aead(kek, secret, f"wrapped_secrets:{name}".encode())


def unwrap_secret(master_key: bytes, name: str, wrapped: bytes) -> bytes:
    kek = derive_key(master_key, SECRET_WRAP_PURPOSE)
    return _open(kek, wrapped, f"wrapped_secrets:{name}".encode())


def seal(data_key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM with a random nonce; `aad` binds the ciphertext to where it is stored."""
    return _aead(data_key, plaintext, aad)


def unseal(data_key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Raises DecryptionFailed (and nothing more specific) when it will not open."""
    return _open(data_key, sealed, aad)
