"""`Provenance` of a note: who wrote it, and how the subject approved it.

The author is the `author` agent. An approval in the app makes the subject the `attester`. An
approval "reviewed together in person" is the worker's attestation: the worker is then the
attester, marked `in-person` with the subject's answer (attested, confirmed, disputed), and the
activity says so. A note not (yet) approved has no attester.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.provenance import Provenance

from peernotes.db import utcnow
from peernotes.fhir.consents import fhir_time
from peernotes.fhir.people import USER_SYSTEM
from peernotes.notes.service.reading import NoteView

PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
IN_PERSON_SYSTEM = "urn:peernotes:in-person-review"


def _agent(kind: str, who: dict[str, Any], role: dict[str, Any] | None = None) -> dict[str, Any]:
    agent: dict[str, Any] = {
        "type": {"coding": [{"system": PARTICIPANT, "code": kind}]},
        "who": who,
    }
    if role is not None:
        agent["role"] = [role]
    return agent


def note_provenance(note: NoteView) -> Provenance:
    worker = {
        "type": "Practitioner",
        "identifier": {"system": USER_SYSTEM, "value": str(note.author_id)},
    }
    agents = [_agent("author", worker)]
    activity: dict[str, Any] | None = None
    if note.approved_revision is not None and note.in_person is not None:
        marked = {
            "coding": [{"system": IN_PERSON_SYSTEM, "code": note.in_person.value}],
            "text": f"Reviewed together in person ({note.in_person.value})",
        }
        agents.append(_agent("attester", worker, marked))
        activity = {"text": "Approved: reviewed together in person, attested by the worker"}
    elif note.approved_revision is not None:
        agents.append(_agent("attester", {"reference": f"Patient/{note.subject_id}"}))
        activity = {"text": "Approved in the app by the person it is about"}
    return Provenance.model_validate(
        {
            "resourceType": "Provenance",
            "id": f"note-{note.id}",
            "target": [{"reference": f"DocumentReference/note-{note.id}"}],
            "recorded": fhir_time(note.approved_at) if note.approved_at else fhir_time_now(note),
            "activity": activity,
            "agent": agents,
        }
    )


def fhir_time_now(note: NoteView) -> str:
    """A note not yet approved: recorded at its newest event (or now, if it has none)."""
    latest = max((e.created_at for e in note.events), default=utcnow())
    return fhir_time(latest)
