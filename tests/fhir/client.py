"""A FHIR test client: every answer, success or error, is parsed back with its R4B model."""

from __future__ import annotations

import importlib
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.tokens import bearer

#: Every resource type the server may answer with, and the Bundle's own entries.
MODULES = {
    "Bundle": "bundle",
    "CapabilityStatement": "capabilitystatement",
    "Consent": "consent",
    "DocumentReference": "documentreference",
    "AuditEvent": "auditevent",
    "OperationOutcome": "operationoutcome",
    "Patient": "patient",
    "Provenance": "provenance",
}
SEEN: set[str] = set()


def model_of(kind: str) -> type[Resource]:
    module = importlib.import_module(f"fhir.resources.R4B.{MODULES[kind]}")
    model: type[Resource] = getattr(module, kind)
    return model


def validated(body: dict[str, Any]) -> Resource:
    """The answer parsed by its R4B model (raises if it breaks it); a Bundle's entries too."""
    kind = body["resourceType"]
    parsed = model_of(kind).model_validate(body)
    SEEN.add(kind)
    if isinstance(parsed, Bundle):
        for entry in body.get("entry", []):
            validated(entry["resource"])
    return parsed


class Fhir:
    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def raw(self, path: str, **query: Any) -> TestResponse:
        headers = bearer(self.token) if self.token else {}
        return self.client.get(f"/fhir{path}", headers=headers, query_string=query)

    def get(self, path: str, **query: Any) -> tuple[int, dict[str, Any]]:
        """Status and body, after checking the content type and the body against its model."""
        response = self.raw(path, **query)
        assert response.mimetype == "application/fhir+json", (path, response.mimetype)
        body = response.get_json(force=True)
        validated(body)
        return response.status_code, body

    def follow(self, url: str) -> tuple[int, dict[str, Any]]:
        """A link a Bundle gave (absolute), followed with the same token."""
        path = url.split("/fhir", 1)[1]
        response = self.client.get(f"/fhir{path}", headers=bearer(self.token or ""))
        body = response.get_json(force=True)
        validated(body)
        return response.status_code, body
