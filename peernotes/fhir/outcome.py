"""FHIR errors as an `OperationOutcome`, in `application/fhir+json`.

Every error under `/fhir` answers this way: those our views raise (`FhirError`), those the
token guard raises in the API's shape (turned into this one by `guard.fhir_read`), and those the
app answers itself (a route that does not exist, a method not allowed, a failure), through
`error_outcome`, which the app factory registers for the `/fhir` prefix.
"""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B.operationoutcome import OperationOutcome
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from peernotes.api.errors import GENERIC

FHIR_JSON = "application/fhir+json"

#: The issue type (FHIR `issue-type`) each status stands for.
ISSUE_CODES: dict[int, str] = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-long",
    415: "not-supported",
    422: "processing",
    429: "throttled",
}


def outcome(status: int, message: str | None = None, field: str | None = None) -> dict[str, Any]:
    """The OperationOutcome for an error of `status`, built (and so validated) by its model."""
    code = ISSUE_CODES.get(status, "exception")
    words = message or GENERIC.get(status, GENERIC[500] if status >= 500 else GENERIC[400])[1]
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": words}
    if field:
        issue["expression"] = [field]
    return OperationOutcome.model_validate(
        {"resourceType": "OperationOutcome", "issue": [issue]}
    ).model_dump(mode="json", by_alias=True, exclude_none=True)


def outcome_response(status: int, message: str | None = None, field: str | None = None) -> Response:
    response = Response(json.dumps(outcome(status, message, field)), status, mimetype=FHIR_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="peernotes"'
    return response


def error_outcome(status: int, message: str | None) -> Response:
    """The app's error handlers call this for any error under `/fhir`."""
    return outcome_response(status, message)


class FhirError(HTTPException):
    """An HTTP error that answers as an OperationOutcome. The token guard commits before it
    reaches the app's handlers, so a refusal written to the access log stays on record."""

    def __init__(self, status: int, message: str | None = None, field: str | None = None) -> None:
        response = outcome_response(status, message, field)
        super().__init__(description=message, response=response)
        self.code = status
        self.field = field
