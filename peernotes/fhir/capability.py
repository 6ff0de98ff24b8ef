"""The CapabilityStatement at `/fhir/metadata`: what this server reads and searches."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

#: Each resource type served: its search parameters (name, type, what it means).
RESOURCES: dict[str, list[tuple[str, str, str]]] = {
    "Patient": [],
    "Consent": [("patient", "reference", "Whose consent: only your own (Patient/<your id>).")],
    "DocumentReference": [
        (
            "subject",
            "reference",
            "Whose record (Patient/<id>): the entries, then the shared notes, you may read.",
        )
    ],
    "Provenance": [],
    "AuditEvent": [
        ("patient", "reference", "Entries about this person (auditors)."),
        ("date", "date", "On or after (ge) and on or before (le) a day, e.g. ge2026-12-01."),
    ],
}
_PAGING = [
    ("_count", "number", "How many a page holds, 1 to 100 (25 if not given)."),
    ("_cursor", "string", "Where the next page starts: follow the Bundle's next link."),
]


def _resource(kind: str, params: list[tuple[str, str, str]]) -> dict[str, Any]:
    searched = params or kind in ("Consent", "AuditEvent")
    interactions = [{"code": "read"}] + ([{"code": "search-type"}] if searched else [])
    return {
        "type": kind,
        "interaction": interactions,
        "searchParam": [
            {"name": n, "type": t, "documentation": d} for n, t, d in [*params, *_PAGING]
        ]
        if searched
        else None,
    }


def capability_statement(version: str, date: str) -> CapabilityStatement:
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": date,
            "kind": "instance",
            "software": {"name": "PeerNotes", "version": version},
            "fhirVersion": "4.0.1",
            "format": ["application/fhir+json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": (
                        "Read only. Every read and search goes through the same consent"
                        " decision and access log as the web pages; what you may not read"
                        " answers as if it did not exist."
                    ),
                    "security": {
                        "description": (
                            "A personal access token made in the web pages:"
                            " Authorization: Bearer pn_…"
                        )
                    },
                    "resource": [_resource(k, p) for k, p in RESOURCES.items()],
                }
            ],
        }
    )
