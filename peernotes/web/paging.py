"""Page positions read from the address (`?before=` / `?after=`), for every keyset-paged page.

The links the app writes carry positions it read from the database, so anything else in their
place was typed or edited by hand: the page answers 400 with words saying so, never a 500
(a 30-digit number once overflowed the driver) and never a silently different page.
"""

from __future__ import annotations

from flask import request

from peernotes.parsing import ID_MAX, BadCursor, parse_cursor
from peernotes.web.errors import ExplainedBadRequest


def bad_page_position() -> ExplainedBadRequest:
    """The refusal for a page position the app could not have written (raise it)."""
    return ExplainedBadRequest(
        "That page position isn't one we recognise",
        "The link to this page may have been changed or cut short. Go back to the first page"
        " and use its links to move between pages.",
    )


def page_cursor(name: str, maximum: int = ID_MAX) -> int | None:
    """The page position in the query string's `name`, or None when there is none; `maximum`
    is the range of the column it is compared with (row ids unless said).

    Raises:
        ExplainedBadRequest: not a position the app writes (see `parse_cursor`).
    """
    try:
        return parse_cursor(request.args.get(name), maximum)
    except BadCursor:
        raise bad_page_position() from None
