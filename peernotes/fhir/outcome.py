"""FHIR errors as OperationOutcome (being built)."""

from __future__ import annotations

from werkzeug.wrappers import Response

from peernotes.api.errors import generic_error


def error_outcome(status: int, message: str | None) -> Response:
    return generic_error(status, message)
