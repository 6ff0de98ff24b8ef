"""What any form or address may carry, checked once for every request before any view runs.

Two edges a probe found, which no single form could be trusted to remember:

- A NUL character. SQLite stored it; PostgreSQL refuses it mid-transaction (a 500). It is never
  meant: it arrives by pasting from another program, or from a tool.
- A very long value. A 1 MB field was echoed whole in the form sent back with its error. No
  field takes more than `MAX_FIELD_CHARS` (a record entry's body, the longest), so anything
  longer is refused here with the limit named, and never reaches a form to be echoed. Each
  form's own, smaller limits still apply after this, with their own words.

The refusal page says what was wrong in the app's words and repeats nothing that was sent.
Nothing has run yet, so nothing is saved. (Whole requests over `MAX_CONTENT_LENGTH` are refused
earlier still, as 413.)
"""

from __future__ import annotations

from flask import Flask, request

from peernotes.web.errors import ExplainedBadRequest

#: The longest free text any form takes: a record entry's body (`records.service.MAX_BODY`).
MAX_FIELD_CHARS = 20_000

_NUL = "\x00"


def unstorable_character() -> ExplainedBadRequest:
    return ExplainedBadRequest(
        "Something you typed can't be saved",
        "It contains an invisible control character (NUL), which usually comes along when"
        " text is pasted from another program. Nothing was saved. Go back, retype or paste it"
        " as plain text, and try again.",
    )


def too_long() -> ExplainedBadRequest:
    return ExplainedBadRequest(
        "Something you typed is too long",
        f"No box takes more than {MAX_FIELD_CHARS:,} characters. Nothing was saved. Go back,"
        " shorten it, and try again.",
    )


def check_request_values() -> None:
    """Refuse a request whose address or form holds a NUL or an over-long value.

    Raises:
        ExplainedBadRequest: the first such value found (which one is not said: the page
            repeats nothing that was sent).
    """
    sources = [request.args]
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        sources.append(request.form)  # uploads are in request.files: each feature reads those
    for values in sources:
        for key, value in values.items(multi=True):
            if _NUL in key or _NUL in value:
                raise unstorable_character()
            if len(value) > MAX_FIELD_CHARS:
                raise too_long()


def install_input_checks(app: Flask) -> None:
    app.before_request(check_request_values)
