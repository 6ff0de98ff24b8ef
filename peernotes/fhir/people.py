"""`Patient`: minimal, a person's id and the name the app shows them by."""

from __future__ import annotations

from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.reference import Reference

from peernotes.auth.models import User

#: Where the app's own codes live: names of ours, not addresses anyone can fetch.
SYSTEM = "urn:peernotes"
USER_SYSTEM = f"{SYSTEM}:user"


def patient(person: User) -> Patient:
    return Patient.model_validate(
        {
            "resourceType": "Patient",
            "id": str(person.id),
            "active": person.active,
            "name": [{"text": person.display_name}],
        }
    )


def patient_reference(person_id: int, display: str | None = None) -> Reference:
    return Reference.model_validate({"reference": f"Patient/{person_id}", "display": display})


def person_reference(person_id: int, kind: str, display: str | None = None) -> Reference:
    """Someone the app knows who is not served as a resource here (a worker, a carer): named
    by our user id, with their FHIR type."""
    return Reference.model_validate(
        {
            "type": kind,
            "identifier": {"system": USER_SYSTEM, "value": str(person_id)},
            "display": display,
        }
    )
