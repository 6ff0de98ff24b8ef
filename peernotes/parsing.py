"""Reading ids typed or posted by people: plain digits of sane length, or nothing."""

from __future__ import annotations

import re

#: Ids are database integers: nine digits are plenty, and anything longer would overflow them.
_ID = re.compile(r"[0-9]{1,9}")


def parse_id(raw: str | None) -> int | None:
    """A form's id field as an int, or None when it is not plain ASCII digits of sane length
    ("²", "１", a 30-digit number). Callers refuse None like an unknown id: no 500, no query."""
    text = (raw or "").strip()
    return int(text) if _ID.fullmatch(text) else None


#: The largest row id: ids are INTEGER columns, 32-bit on PostgreSQL (`<int:…>` in routes stops
#: at the same bound). A larger Python int reaching a query fails in the database or its driver
#: (PostgreSQL's "integer out of range", SQLite's OverflowError): a 500, not an answer.
ID_MAX = 2**31 - 1

#: The largest BIGINT (the access log's sequence numbers), and SQLite's largest integer.
BIGINT_MAX = 2**63 - 1

#: At most 19 digits: BIGINT_MAX has 19; more can only be out of range.
_CURSOR = re.compile(r"[0-9]{1,19}")


class BadCursor(ValueError):
    """A page position that is not one the app could have written; the page answers 400."""


def parse_cursor(raw: str | None, maximum: int = ID_MAX) -> int | None:
    """A keyset page position (`?before=` / `?after=`): None when absent or empty, otherwise a
    non-negative integer no larger than `maximum`, the range of the column it is compared with.

    Raises:
        BadCursor: anything else: a sign, letters, non-ASCII digits ("١٢"), spaces, or a
            number beyond the column's range.
    """
    if raw is None or raw == "":
        return None
    if not _CURSOR.fullmatch(raw):
        raise BadCursor(raw[:40])
    value = int(raw)
    if value > maximum:
        raise BadCursor(raw[:40])
    return value
