"""The FHIR routes for the API matrix (`tests/api/test_api_matrix.py`): each GET rule with the
web page (a rule in `tests/web/test_deny_by_default.PAGES`) that shows the same thing, so it
takes that page's status for every role. Placeholder names are PAGES' own."""

from __future__ import annotations

from peernotes.auth.roles import Role

API_PAGES: dict[str, str] = {
    "/fhir/Patient/<int:subject_id>": "/people/<int:subject_id>/record",
    "/fhir/DocumentReference/record-<int:entry_id>": "/people/<int:subject_id>/record/<int:entry_id>",
    "/fhir/DocumentReference/note-<int:note_id>": "/notes/<int:note_id>",
    "/fhir/Provenance/note-<int:note_id>": "/notes/<int:note_id>",
    "/fhir/Consent": "/my/consent",
    "/fhir/AuditEvent/<int:seq>": "/audit/entries/<int:seq>",
}

#: FHIR routes with no one web twin, and what each role gets from a bare GET.
API_OWN: dict[str, dict[Role, int]] = {
    # The auditor's log and a person's own access log, in one search.
    "/fhir/AuditEvent": {
        Role.CONSUMER: 200,
        Role.CARER: 200,
        Role.AUDITOR: 200,
        Role.CONSUMER_PEER_WORKER: 403,
        Role.CARER_PEER_WORKER: 403,
        Role.CLINICIAN: 403,
        Role.ADMIN: 403,
    },
    # A search of one person's record needs `subject`: without it, a 400 naming it, for
    # everyone the permission lets that far.
    "/fhir/DocumentReference": {
        Role.CONSUMER: 400,
        Role.CARER: 400,
        Role.CONSUMER_PEER_WORKER: 400,
        Role.CARER_PEER_WORKER: 400,
        Role.CLINICIAN: 400,
        Role.AUDITOR: 403,
        Role.ADMIN: 403,
    },
}

#: Routes whose placeholder PAGES does not fill (a consent version's id): checked in
#: `tests/fhir/test_fhir_consent.py` instead.
NOT_IN_MATRIX = frozenset({"/fhir/Consent/<int:directive_id>"})
