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
