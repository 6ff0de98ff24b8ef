"""Searchset Bundles: `_count` and a keyset `_cursor`, with `self` and `next` links.

A search's parameters are checked before anything is read: an unknown one, a `_count` outside
1..100 or a cursor we did not give out is a 400 OperationOutcome naming it. `total` is what the
caller may read, counted by the same rules as the entries, never what exists.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from flask import request

from peernotes.api.errors import ApiError
from peernotes.api.paging import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor
from peernotes.fhir.outcome import FhirError

COUNT = "_count"
CURSOR = "_cursor"


@dataclass(frozen=True)
class Search:
    """A search's own parameters, checked."""

    params: dict[str, str]
    count: int
    cursor: str | None

    def key(self, *kinds: str) -> tuple[int | datetime, ...] | None:
        """Where this page starts, from the cursor (None on the first page).

        Raises:
            FhirError: 400 naming `_cursor` for one we did not give out.
        """
        if self.cursor is None:
            return None
        try:
            return decode_cursor(self.cursor, *kinds)
        except ApiError as error:
            raise FhirError(400, error.description, CURSOR) from None

    def after(self, kind: str) -> int | None:
        """A one-part cursor of a number ("id" or "seq"): where this page starts, or None."""
        key = self.key(kind)
        if key is None:
            return None
        (part,) = key
        assert isinstance(part, int)  # decode_cursor gave the kind asked for  # nosec B101
        return part


def search(allowed: Collection[str]) -> Search:
    """The request's search parameters: those in `allowed`, plus `_count` and `_cursor`.

    Raises:
        FhirError: 400 naming the parameter at fault.
    """
    params: dict[str, str] = {}
    for name in request.args:
        values = request.args.getlist(name)
        if name not in allowed and name not in (COUNT, CURSOR):
            raise FhirError(400, "This server does not search by that parameter.", name)
        if len(values) != 1:
            raise FhirError(400, "Give this parameter once.", name)
        params[name] = values[0]
    raw = params.pop(COUNT, None)
    count = DEFAULT_LIMIT
    if raw is not None:
        # Its length first: "0050000" must not pass as 5, nor a 30-digit number be read at all.
        if not raw.isascii() or not raw.isdigit() or len(raw) > 3 or not 1 <= int(raw) <= MAX_LIMIT:
            raise FhirError(400, f"_count is a whole number from 1 to {MAX_LIMIT}.", COUNT)
        count = int(raw)
    cursor = params.pop(CURSOR, None)
    if cursor is not None and len(cursor) > 200:
        raise FhirError(400, "That cursor isn't one we gave out.", CURSOR)
    return Search(params, count, cursor)


def _link(relation: str, query: dict[str, str]) -> dict[str, str]:
    url = request.base_url + ("?" + urlencode(query) if query else "")
    return {"relation": relation, "url": url}


def searchset(
    found: Search,
    resources: Sequence[Resource],
    total: int,
    next_key: Sequence[int | datetime] | None,
) -> Bundle:
    """The page as a searchset Bundle (built, and so validated, by its model): `self` names
    this page, `next` (when there is more) the same search from `next_key` on."""
    here = {**found.params, COUNT: str(found.count)}
    if found.cursor is not None:
        here[CURSOR] = found.cursor
    links = [_link("self", here)]
    if next_key is not None:
        following = {**found.params, COUNT: str(found.count), CURSOR: encode_cursor(*next_key)}
        links.append(_link("next", following))
    base = request.url_root.rstrip("/") + "/fhir/"
    entries = [
        {
            "fullUrl": f"{base}{r.get_resource_type()}/{r.id}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": total,
            "link": links,
            "entry": entries or None,
        }
    )
