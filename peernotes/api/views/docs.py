"""`/api/v1/openapi.json`: the OpenAPI 3.1 document, generated from the endpoints' models."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from peernotes.api.blueprint import bp
from peernotes.api.spec import document
from peernotes.web.routes import public


@bp.get("/openapi.json")
@public
def openapi(_db: Session) -> Response:
    """Public, like any API's reference: it describes the doors, and opens none."""
    return jsonify(document())
