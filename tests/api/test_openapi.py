"""The OpenAPI document is generated from the endpoints' own models, and lists every route."""

from __future__ import annotations

import json
import re

from flask import Flask
from flask.testing import FlaskClient

from peernotes.web.routes import PUBLIC_ENDPOINTS


def _document(client: FlaskClient) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()  # type: ignore[no-any-return]


def test_the_document_is_openapi_3_1_and_valid(client: FlaskClient) -> None:
    from openapi_spec_validator import validate

    document = _document(client)
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any breach of the OpenAPI 3.1 schema


def test_every_api_route_is_in_the_document(app: Flask, client: FlaskClient) -> None:
    paths = _document(client)["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == [], f"API routes the document lacks: {missing}"


def test_every_operation_needs_the_bearer_token_and_says_how_it_fails(
    client: FlaskClient,
) -> None:
    document = _document(client)
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert document["security"] == [{"token": []}]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403", "404"} <= set(responses), f"{method} {path}"
            assert operation.get("summary"), f"{method} {path} has no summary"


def test_the_document_comes_from_the_models_that_validate(client: FlaskClient) -> None:
    """Not written by hand: the answer model of /me is in it, field for field."""
    from peernotes.api.schemas.me import MeOut

    document = _document(client)
    schemas = document["components"]["schemas"]
    # Named "MeOut.<hash>"; its nested models are "MeOut.<hash>.TokenOut".
    [me] = [schema for name, schema in schemas.items() if re.fullmatch(r"MeOut\.\w+", name)]
    assert set(me["properties"]) == set(MeOut.model_fields)
    assert me["additionalProperties"] is False


def test_every_app_writes_the_same_whole_document(app: Flask, client: FlaskClient) -> None:
    """SpecTree moves nested models' definitions as it writes; a second app's document must
    still resolve every reference (it did not, once, and schemathesis skipped those parts)."""
    from peernotes import create_app

    first = _document(client)
    second = _document(create_app(app.config["PEERNOTES"]).test_client())
    assert first == second
    schemas = second["components"]["schemas"]
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(second))
    assert refs and all(ref in schemas for ref in refs)
