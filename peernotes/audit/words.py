"""What an access-log entry's target is, in words, for the person the entry is about.

The log stores a target as a type and an id (`care_assignment` 12); only the feature that owns
a type knows what its rows say. So each feature registers a describer for its own target types
here, at the bottom of its service module, and the log's pages ask `describe` instead of
querying features themselves. The registry is complete once the app's views are imported.

A describer gets the session and the ids of its type among the entries shown, and returns words
for the ids it knows; an id it leaves out reads generically ("someone", "information"). The
words fill one slot of the plain-words phrases (`peernotes.accesslog.plain`): `other`, another
person the entry names, or `category`, the kind of record entry.

Only for the subject's own page: they may know everything that exists about them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from peernotes.audit.models import AuditEntry

#: The placeholder of the phrases that a target's words fill.
Slot = Literal["other", "category"]

#: Words for some of the given ids of one target type.
Describer = Callable[[Session, frozenset[int]], Mapping[int, str]]


@dataclass(frozen=True)
class _Registered:
    slot: Slot
    describer: Describer


_REGISTRY: dict[str, _Registered] = {}


def register(target_type: str, slot: Slot, describer: Describer) -> None:
    """Describe `target_type`'s targets with `describer`, filling `slot`.

    Raises:
        ValueError: another describer already describes this type.
    """
    registered = _Registered(slot, describer)
    existing = _REGISTRY.get(target_type)
    if existing is not None and existing != registered:
        raise ValueError(f"target type {target_type!r} is already described")
    _REGISTRY[target_type] = registered


def describe(session: Session, entries: Iterable[AuditEntry]) -> dict[int, dict[str, str]]:
    """What each entry's target names, by the entry's seq: `{slot: words}`.

    Entries whose target has no describer, or whose describer does not know it, are left out.
    """
    targets: list[tuple[int, str, int]] = [
        (e.seq, e.target_type, int(e.target_id))
        for e in entries
        if e.target_type and e.target_id and e.target_id.isdigit()
    ]
    wanted: dict[str, set[int]] = {}
    for _, target_type, target_id in targets:
        if target_type in _REGISTRY:
            wanted.setdefault(target_type, set()).add(target_id)
    words = {
        target_type: _REGISTRY[target_type].describer(session, frozenset(ids))
        for target_type, ids in wanted.items()
    }
    result: dict[int, dict[str, str]] = {}
    for seq, target_type, target_id in targets:
        said = words.get(target_type, {}).get(target_id)
        if said is not None:
            result[seq] = {_REGISTRY[target_type].slot: said}
    return result
