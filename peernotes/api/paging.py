"""Keyset pagination for the API: an opaque `next` cursor that names where the next page starts.

A cursor is the last row's sort key, base64url-encoded JSON. It is opaque to apps, but it is
not a secret and grants nothing: every page is filtered by the access layer whatever the
cursor says, and a cursor that does not decode to the expected shape is a 400 naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from peernotes.api.errors import ApiError
from peernotes.parsing import BIGINT_MAX, ID_MAX

#: The most items a page may hold, and the default.
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
#: Entry numbers and ids are bounded as the web pages bound them (`peernotes.parsing`).
_BAD_CURSOR = "That cursor isn't one we gave out. Start again from the first page."


def encode_cursor(*key: int | datetime) -> str:
    parts = [part.isoformat() if isinstance(part, datetime) else part for part in key]
    raw = json.dumps(parts, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: What a cursor's part may be: a row id (an INTEGER column), an entry number (BIGINT), a time.
_KINDS = {"id": ID_MAX, "seq": BIGINT_MAX}


def decode_cursor(cursor: str, *kinds: str) -> tuple[int | datetime, ...]:
    """The key a cursor names, each part of the kind asked for: "id", "seq" or "time".

    Raises:
        ApiError: 400 `bad_cursor` on `cursor` for anything else.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise ApiError(400, "bad_cursor", _BAD_CURSOR, "cursor") from None
    if not isinstance(parts, list) or len(parts) != len(kinds):
        raise ApiError(400, "bad_cursor", _BAD_CURSOR, "cursor")
    return tuple(_part(part, kind) for part, kind in zip(parts, kinds, strict=True))


def _part(part: object, kind: str) -> int | datetime:
    if kind in _KINDS and isinstance(part, int) and not isinstance(part, bool):
        if 0 <= part <= _KINDS[kind]:
            return part
    if kind == "time" and isinstance(part, str) and len(part) <= 40:
        try:
            return datetime.fromisoformat(part)
        except ValueError:
            pass
    raise ApiError(400, "bad_cursor", _BAD_CURSOR, "cursor")
