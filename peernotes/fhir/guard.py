"""The FHIR routes' decorator: the API's own token guard, answering in FHIR.

`fhir_read(permission)` is `api_endpoint(permission)` with a read scope (FHIR here is read-only):
bearer token only, one `api:call` entry per call, the declared permission checked and refusals
logged, one commit at the boundary. The guard's errors come in the API's JSON shape; here they
become OperationOutcomes with the same status and words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from fhir.resources.R4B.resource import Resource
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.api.endpoint import api_endpoint
from peernotes.api.errors import ApiError
from peernotes.auth.actor import Actor
from peernotes.auth.roles import Permission
from peernotes.fhir.outcome import FHIR_JSON, FhirError

P = ParamSpec("P")


def fhir_read(
    permission: Permission,
) -> Callable[[Callable[Concatenate[Actor, Session, P], Response]], Callable[P, Response]]:
    def decorate(view: Callable[Concatenate[Actor, Session, P], Response]) -> Callable[P, Response]:
        guarded = api_endpoint(permission)(view)

        @wraps(guarded)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
            try:
                return guarded(*args, **kwargs)
            except ApiError as error:
                raise FhirError(error.code or 500, error.description, error.field) from None

        return wrapper

    return decorate


def answer(resource: Resource) -> Response:
    """A resource (already validated by its model) as `application/fhir+json`."""
    body: dict[str, Any] = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
    return Response(json.dumps(body), 200, mimetype=FHIR_JSON)
