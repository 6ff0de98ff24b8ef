"""Password hashing with argon2id (argon2-cffi) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's argon2id configuration (Password Storage Cheat Sheet): t=2, m=19 MiB, p=1; a test
# reads the parameters back out of a real hash. Until issue 15 this was RFC 9106's low-memory
# profile (t=3, m=64 MiB, p=4): measured here, one verify took 169 ms of a worker's time and
# added 64 MiB to its peak memory, so that a burst of sign-ins held up everything else;
# OWASP's is a real work factor at a fifth of that (`make bench`, R7). Hashes made with the
# old profile still verify, and are re-hashed with this one at the next sign-in
# (`needs_rehash`).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

MIN_LENGTH = 12
MAX_LENGTH = 256

# Verifying against this when the email is unknown makes an unknown account take as long
# as a wrong password, so timing does not reveal who has an account.
_DUMMY_HASH = _hasher.hash("peernotes-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check: with `password_hash=None` it still does one full verification."""
    try:
        ok = _hasher.verify(password_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def policy_problem(password: str, *, email: str = "") -> str | None:
    """Why `password` is not acceptable, in plain words, or None when it is fine.

    Length is what matters (NIST SP 800-63B): no composition rules, which push people to
    predictable patterns.
    """
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. A few words together work well."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if email and password.strip().lower() == email.strip().lower():
        return "Your password can't be your email address."
    return None
