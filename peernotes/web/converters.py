"""URL converters."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

from peernotes.parsing import ID_MAX


class DatabaseId(IntegerConverter):
    """`<int:…>` in a route: an id beyond what the database holds answers 404 like any missing
    id, instead of reaching the query and failing there (a 500)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(url_map, *args, **kwargs)
