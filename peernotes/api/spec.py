"""The one SpecTree: it validates every API request and answer against the endpoint's pydantic
models, and generates the OpenAPI 3.1 document from the same models.

Why spectree: it works on plain Flask views and blueprints, so API routes keep the app's own
route decorator (deny by default, the declared permission, commit at the boundary); it uses
pydantic v2, whose models also shape our answers; and it writes OpenAPI 3.1. apiflask and
flask-openapi3 want their own app class; flask-smorest uses marshmallow and OpenAPI 3.0.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType
from spectree.response import Response

from peernotes.api.errors import ApiError, ResponseInvalid
from peernotes.api.schemas.common import ErrorOut

#: The scheme every endpoint but the document itself requires.
BEARER = "token"


def _refuse_invalid_request(
    _req: Any, _resp: Any, error: Exception | None, _instance: Any, adapter: Any
) -> None:
    """A request that breaks its model is a 400 naming the first field at fault, in the API's
    one error shape. Pydantic's message, never the value sent."""
    if error is None:
        return
    problems = adapter.validation_errors(error)
    first = problems[0] if problems else {}
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "__root__")
    message = str(first.get("msg", "That isn't valid."))
    raise ApiError(400, "invalid", message, where or None)


def _refuse_invalid_answer(
    _req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any
) -> None:
    if error is not None:
        current_app.logger.error("an API answer broke its model: %s", error)
        raise ResponseInvalid("an API answer broke its declared model")


spec = SpecTree(
    "flask",
    title="PeerNotes API",
    version="1",
    description=(
        "Case notes for peer support, for apps acting for a person with their personal access"
        " token. Every call goes through the same consent decision and access log as the web"
        " pages."
    ),
    mode="strict",
    annotations=True,
    validation_error_status=400,
    before=_refuse_invalid_request,
    after=_refuse_invalid_answer,
    security_schemes=[
        SecurityScheme(
            name=BEARER,
            data=SecuritySchemeData(
                type=SecureType.HTTP,
                scheme="bearer",
                description="A personal access token, made on the Apps and tokens page.",
            ),
        )
    ],
    security={BEARER: []},
)


def answers(**models: Any) -> Response:
    """The answers an endpoint gives: the named successes, plus the errors every endpoint can
    give, each in the one error shape."""
    errors = {f"HTTP_{code}": ErrorOut for code in (400, 401, 403, 404, 422)}
    return Response(**{**errors, **models})


def document() -> dict[str, Any]:
    """The OpenAPI document for the running app, generated once per app."""
    cached: dict[str, Any] | None = current_app.extensions.get("peernotes_openapi")
    if cached is None:
        # Each app (tests make many) makes its own. SpecTree moves nested models' definitions
        # out of its model table as it writes a document, so it writes from a copy each time.
        pristine = copy.deepcopy(spec.models)
        try:
            cached = spec._generate_spec()
        finally:
            spec.models = pristine
        current_app.extensions["peernotes_openapi"] = cached
    return cached
