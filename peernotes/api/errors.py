"""The API's one error shape: `{"error": {"code", "message", "field"}}`.

`code` is a stable word an app can branch on; `message` is plain words, the app's own and never
an echo of what was sent; `field` names the part of the request at fault, when there is one
(`title`, `sections.0.audience`, `cursor`).
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

#: The code and words for an error that has nothing more particular to say.
GENERIC: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthenticated", "Send a valid personal access token: Authorization: Bearer pn_…"),
    403: ("forbidden", "This token may not do that."),
    404: ("not_found", "There is nothing here, or nothing this token may see."),
    405: ("method_not_allowed", "That method is not allowed here."),
    409: ("conflict", "That clashes with a change made meanwhile."),
    413: ("too_large", "The request is too large."),
    415: ("unsupported_media_type", "Send the body as application/json."),
    422: ("refused", "That was refused."),
    429: ("too_many_requests", "Too many requests: wait a little and try again."),
    500: ("server_error", "Something went wrong on our side. Nothing was changed."),
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    response = Response(
        json.dumps(error_body(code, message, field)), status, mimetype="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def generic_error(status: int, message: str | None = None) -> Response:
    """An error of `status` in the API's shape (the app's error handlers use it for `/api/`)."""
    code, words = GENERIC.get(status, GENERIC[500] if status >= 500 else GENERIC[400])
    headers = {"WWW-Authenticate": 'Bearer realm="peernotes"'} if status == 401 else None
    return error_response(status, code, message or words, headers=headers)


class ApiError(HTTPException):
    """An HTTP error that answers in the API's shape. Raised by views and the kit; the route
    commits first, so a refusal written to the access log stays on record."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        field: str | None = None,
    ) -> None:
        default_code, default_words = GENERIC.get(status, GENERIC[400])
        words = message or default_words
        headers = {"WWW-Authenticate": 'Bearer realm="peernotes"'} if status == 401 else None
        response = error_response(status, code or default_code, words, field, headers)
        super().__init__(description=words, response=response)
        self.code = status
        self.error_code = code or default_code
        self.field = field


class ResponseInvalid(RuntimeError):
    """What a view returned does not match its declared model: a bug of ours. Not an HTTP
    error, so the request's transaction rolls back and the app answers 500."""
