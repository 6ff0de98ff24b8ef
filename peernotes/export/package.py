"""The download itself: one zip, built in memory, of a person's `Information`.

- `information.json`: for machines. Every item with its id, every time ISO 8601 in UTC (`Z`).
- `information.html`: for people. One self-contained page (its style inside it, no scripts, no
  links to fetch anything) that prints well.
- `README.txt`: what the two files are.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app

from peernotes.export.service import Information

#: Bumped when the JSON's shape changes, so that a program reading it can tell.
FORMAT_VERSION = 1
JSON_NAME = "information.json"
HTML_NAME = "information.html"
README_NAME = "README.txt"
TEMPLATE = "export/information.html"

README = """\
Your information from PeerNotes
===============================

This is a copy of the information PeerNotes holds about you that you can see:
notes about you (every version you were shown, and your own words), {record}concerns
raised with your care team about your safety, your "about me" and the skills and
resources you keep with your peer worker (every version), your consent
and who you share with (with the receipts you were given), and the list of who has looked
at your information.

information.html  - to read or print. Open it in any web browser.
information.json  - the same information for a computer program: every item has its id,
                    and every time is in UTC (ISO 8601).

The copy was made on {made} (UTC). Making it is written in your access log.
If something you expected is missing, ask your coordinator. They can help you get it.

Please keep this file somewhere safe: anyone who has it can read it.
"""


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`. (Times from the database are UTC; a naive one is read so.)"""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """A value as JSON holds it."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def as_json(info: Information) -> dict[str, Any]:
    """The machine-readable form: the same parts, in the same order, as the readable one."""
    return {
        "format": "peernotes-information",
        "format_version": FORMAT_VERSION,
        "generated_at": iso(info.generated_at),
        "person": _plain(info.person),
        "notes": _plain(info.notes),
        "record": _plain(info.record),
        "concerns": _plain(info.concerns),
        "wishes": _plain(info.wishes),
        "consent": {
            "shares_now": _plain(info.shares),
            "history": _plain(info.consent_history),
        },
        "nominations": _plain(info.nominations),
        "about_me": _plain(info.about_me),
        "skills_and_resources": _plain(info.skills),
        "access_log": {
            "entries": _plain(info.access_log),
            "emergency_access": _plain(info.emergency_uses),
        },
        "people": _plain(list(info.people.values())),
    }


def as_html(info: Information, tz: ZoneInfo) -> str:
    """The readable form, from `export/information.html`. Rendered by the app's Jinja
    environment (autoescaped, as every page), without the pages' context: it stands alone."""

    def local(moment: datetime | None) -> str:
        if moment is None:
            return ""
        at = datetime.fromisoformat(iso(moment)).astimezone(tz)
        return f"{at.day} {at:%B %Y}, {at:%H:%M}"

    def name(user_id: int | None) -> str:
        if user_id is None:
            return "someone"
        if user_id == info.person.id:
            return "You"
        person = info.people.get(user_id)
        return f"{person.name} ({person.role})" if person else "someone"

    template = current_app.jinja_env.get_template(TEMPLATE)
    return template.render(info=info, local=local, name=name, iso=iso, tz=tz.key)


def build(info: Information, tz: ZoneInfo) -> bytes:
    """The zip's bytes."""
    made = info.generated_at.astimezone(UTC)
    stamp = (made.year, made.month, made.day, made.hour, made.minute, made.second)
    readme = README.format(
        record="your record (with every amendment), " if info.record is not None else "",
        made=f"{made:%Y-%m-%d %H:%M}",
    )
    files = (
        (README_NAME, readme),
        (HTML_NAME, as_html(info, tz)),
        (JSON_NAME, json.dumps(as_json(info), ensure_ascii=False, indent=2)),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for filename, text in files:
            archive.writestr(zipfile.ZipInfo(filename, stamp), text.encode(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def filename(info: Information) -> str:
    return f"peernotes-my-information-{info.generated_at.astimezone(UTC):%Y-%m-%d}.zip"
