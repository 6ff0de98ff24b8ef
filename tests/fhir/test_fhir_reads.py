"""The FHIR read API: each resource type, validated by its R4B model; the consent decision
obeyed (a withheld item is a 404 like a missing one, a search counts only what may be read);
paging; bad input; and the same access-log entries as the web page that shows the same."""

from __future__ import annotations

import base64
from functools import partial

import pytest
from flask import Flask

from peernotes.api.paging import encode_cursor
from tests.fhir.audit_trail import written_by
from tests.fhir.client import MODULES, Fhir, validated
from tests.fhir.world import LETTERS, World
from tests.helpers import demo_email, sign_in


def _ids(bundle: dict) -> list[str]:  # type: ignore[type-arg]
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def _texts(resource: dict) -> str:  # type: ignore[type-arg]
    return "\n".join(
        base64.b64decode(c["attachment"]["data"]).decode()
        for c in resource["content"]
        if "data" in c["attachment"]
    )


# The door: metadata is public, everything else needs a token ----------------------------


def test_metadata_is_public_and_names_what_is_served(fhir_app: Flask) -> None:
    status, body = Fhir(fhir_app.test_client(), None).get("/metadata")
    assert status == 200 and body["resourceType"] == "CapabilityStatement"
    (rest,) = body["rest"]
    served = {r["type"]: r for r in rest["resource"]}
    assert set(served) == {"Patient", "Consent", "DocumentReference", "Provenance", "AuditEvent"}
    params = {p["name"] for p in served["DocumentReference"]["searchParam"]}
    assert {"subject", "_count", "_cursor"} <= params
    assert {p["name"] for p in served["AuditEvent"]["searchParam"]} >= {"patient", "date"}


def _paths(world: World) -> list[str]:
    return [
        f"/Patient/{world.alex}",
        "/Consent",
        "/Consent/1",
        f"/DocumentReference/record-{world.letters[0]}",
        f"/DocumentReference/note-{world.shared_note}",
        f"/DocumentReference?subject=Patient/{world.alex}",
        f"/Provenance/note-{world.shared_note}",
        "/AuditEvent",
        "/AuditEvent/1",
    ]


@pytest.mark.parametrize("token", [None, "pn_1_not-the-secret", "Basic abc"])
def test_without_a_valid_token_everything_is_401(
    fhir_app: Flask, world: World, token: str | None
) -> None:
    client = fhir_app.test_client()
    for path in _paths(world):
        headers = (
            {"Authorization": token if token.startswith("Basic") else f"Bearer {token}"}
            if token
            else {}
        )
        response = client.get(f"/fhir{path}", headers=headers)
        assert response.status_code == 401, path
        assert response.mimetype == "application/fhir+json"
        body = response.get_json(force=True)
        validated(body)
        assert body["issue"][0]["code"] == "login"
        assert "Bearer" in response.headers["WWW-Authenticate"]


def test_errors_the_app_answers_itself_are_outcomes_too(fhir: dict[str, Fhir]) -> None:
    for path, status in [("/Nothing", 404), ("/Patient/abc", 404), ("/DocumentReference/x-1", 404)]:
        got, body = fhir["alex"].get(path)
        assert got == status and body["resourceType"] == "OperationOutcome", path
        assert body["issue"][0]["code"] == "not-found"
    response = fhir["alex"].client.post("/fhir/Patient/1", headers={"Authorization": "Bearer x"})
    assert response.status_code == 405
    assert validated(response.get_json(force=True)).get_resource_type() == "OperationOutcome"


def test_every_resource_type_is_served_and_valid(fhir: dict[str, Fhir], world: World) -> None:
    """One of each, each parsed back by its R4B model (the client parses every answer)."""
    kinds = set()
    for who, path in [
        ("alex", "/metadata"),
        ("alex", f"/Patient/{world.alex}"),
        ("alex", "/Consent"),
        ("alex", f"/DocumentReference/record-{world.letters[0]}"),
        ("alex", f"/Provenance/note-{world.shared_note}"),
        ("alex", "/AuditEvent"),
        ("auditor", "/AuditEvent/1"),
        ("alex", "/Nothing"),
    ]:
        _status, body = fhir[who].get(path)
        kinds.add(body["resourceType"])
        kinds.update(e["resource"]["resourceType"] for e in body.get("entry", []))
    assert kinds == set(MODULES)


# Patient ----------------------------------------------------------------------------------


def test_patient_is_oneself_or_someone_one_has_a_basis_for(
    fhir: dict[str, Fhir], world: World
) -> None:
    status, me = fhir["alex"].get(f"/Patient/{world.alex}")
    assert status == 200 and me["id"] == str(world.alex) and me["name"][0]["text"]
    assert fhir["dr.chen"].get(f"/Patient/{world.alex}")[0] == 200
    # Helen (a carer peer worker) has no basis for Alex: as if there were no such person.
    withheld = fhir["helen"].get(f"/Patient/{world.alex}")
    missing = fhir["helen"].get("/Patient/999999")
    assert withheld == missing and withheld[0] == 404
    assert fhir["auditor"].get(f"/Patient/{world.alex}")[0] == 403


# DocumentReference ------------------------------------------------------------------------


def test_entry_reads_obey_the_consent_decision(fhir: dict[str, Fhir], world: World) -> None:
    status, letter = fhir["sam"].get(f"/DocumentReference/record-{world.letters[0]}")
    assert status == 200 and "Appointment." in _texts(letter)
    assert letter["subject"]["reference"] == f"Patient/{world.alex}"
    # Alex shares letters with Sam, never his diagnoses: withheld answers as missing does.
    withheld = fhir["sam"].get(f"/DocumentReference/record-{world.diagnoses[0]}")
    missing = fhir["sam"].get("/DocumentReference/record-999999")
    assert withheld == missing and withheld[0] == 404
    assert fhir["dr.chen"].get(f"/DocumentReference/record-{world.diagnoses[0]}")[0] == 200


def test_a_search_counts_and_lists_only_what_may_be_read(
    fhir: dict[str, Fhir], world: World
) -> None:
    query = {"subject": f"Patient/{world.alex}"}
    status, sam = fhir["sam"].get("/DocumentReference", **query)
    assert status == 200 and sam["type"] == "searchset"
    records = [i for i in _ids(sam) if i.startswith("record-")]
    letters = [*world.letters, *world.demo_letters]
    assert sam["total"] == len(_ids(sam)) and len(records) == LETTERS + len(world.demo_letters)
    assert set(records) == {f"record-{i}" for i in letters}
    # Nothing of the withheld entries: not their ids, not their kind.
    assert "diagnosis" not in str(sam)
    _status, chen = fhir["dr.chen"].get("/DocumentReference", **query)
    assert chen["total"] == len(_ids(chen)) >= LETTERS + len(world.diagnoses)
    # Someone with no basis, and a person who does not exist: the same empty searchset.
    _status, helen = fhir["helen"].get("/DocumentReference", **query)
    _status, nobody = fhir["helen"].get("/DocumentReference", subject="Patient/999999")
    assert helen["total"] == nobody["total"] == 0 and "entry" not in helen


def test_paging_links_walk_the_whole_search(fhir: dict[str, Fhir], world: World) -> None:
    status, page = fhir["dr.chen"].get(
        "/DocumentReference", subject=f"Patient/{world.alex}", _count=2
    )
    total, seen, pages = page["total"], [], 0
    while True:
        assert status == 200 and len(page.get("entry", [])) <= 2
        assert page["total"] == total
        links = {link["relation"]: link["url"] for link in page["link"]}
        assert "_count=2" in links["self"]
        seen += _ids(page)
        pages += 1
        if "next" not in links:
            break
        status, page = fhir["dr.chen"].follow(links["next"])
    assert len(seen) == len(set(seen)) == total and pages == -(-total // 2)
    # The entries newest first, as the record page lists them; then the notes.
    kinds = [i.split("-")[0] for i in seen]
    assert kinds == sorted(kinds, reverse=True) and "note" in kinds
    numbers = [int(i.removeprefix("record-")) for i in seen if i.startswith("record-")]
    assert numbers == sorted(numbers, reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"_count": "0"}, "_count"),
        ({"_count": "101"}, "_count"),
        ({"_count": "two"}, "_count"),
        ({"_count": "-1"}, "_count"),
        ({"_count": "1e2"}, "_count"),
        ({"_cursor": "not a cursor"}, "_cursor"),
        ({"_cursor": encode_cursor(-1)}, "_cursor"),
        ({"_cursor": "x" * 201}, "_cursor"),
        ({"author": "Practitioner/1"}, "author"),
        ({"subject": "Jordan"}, "subject"),
        ({}, "subject"),
    ],
)
def test_bad_search_input_is_400_naming_it(
    fhir: dict[str, Fhir], world: World, query: dict[str, str], field: str
) -> None:
    query = {"subject": f"Patient/{world.alex}", **query} if field != "subject" else query
    status, body = fhir["dr.chen"].get("/DocumentReference", **query)
    assert status == 400
    (issue,) = body["issue"]
    assert issue["code"] == "invalid" and issue["expression"] == [field]


def test_a_note_shows_only_the_sections_shared_with_the_reader(
    fhir: dict[str, Fhir], world: World
) -> None:
    just_us = "We talked about going back to study part time"
    _status, alex = fhir["alex"].get(f"/DocumentReference/note-{world.shared_note}")
    assert just_us in _texts(alex)
    # The subject's own words stay attached wherever the note is shown.
    assert "Please don't push me" in _texts(alex)
    status, chen = fhir["dr.chen"].get(f"/DocumentReference/note-{world.shared_note}")
    assert status == 200 and just_us not in _texts(chen)
    assert "Please don't push me" in _texts(chen)
    withheld = fhir["helen"].get(f"/DocumentReference/note-{world.shared_note}")
    assert withheld == fhir["helen"].get("/DocumentReference/note-999999")
    assert withheld[0] == 404
    # A draft is its author's alone.
    assert fhir["alex"].get(f"/DocumentReference/note-{world.draft_note}")[0] == 404
    assert fhir["sam"].get(f"/DocumentReference/note-{world.draft_note}")[0] == 200


# Provenance -------------------------------------------------------------------------------


def _agents(provenance: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {a["type"]["coding"][0]["code"]: a for a in provenance["agent"]}


def test_provenance_names_the_author_and_the_approval(fhir: dict[str, Fhir], world: World) -> None:
    status, shared = fhir["dr.chen"].get(f"/Provenance/note-{world.shared_note}")
    assert status == 200
    agents = _agents(shared)
    assert agents["author"]["who"]["identifier"]["value"] == str(world.sam)
    assert agents["attester"]["who"]["reference"] == f"Patient/{world.alex}"
    assert shared["target"] == [{"reference": f"DocumentReference/note-{world.shared_note}"}]
    _status, in_person = fhir["alex"].get(f"/Provenance/note-{world.in_person_note}")
    attester = _agents(in_person)["attester"]
    # Reviewed together in person: the worker attests, and it is marked as such.
    assert attester["who"]["identifier"]["value"] == str(world.sam)
    assert attester["role"][0]["coding"][0]["code"] == "attested"
    assert "in person" in in_person["activity"]["text"]
    _status, draft = fhir["sam"].get(f"/Provenance/note-{world.draft_note}")
    assert set(_agents(draft)) == {"author"}
    assert fhir["helen"].get(f"/Provenance/note-{world.shared_note}")[0] == 404


# AuditEvent -------------------------------------------------------------------------------


def test_auditors_search_the_log_by_patient_and_date(fhir: dict[str, Fhir], world: World) -> None:
    status, page = fhir["auditor"].get(
        "/AuditEvent", patient=f"Patient/{world.alex}", date="ge2000-01-01,le2999-12-31", _count=5
    )
    assert status == 200 and page["total"] > 5 and len(page["entry"]) == 5
    for entry in page["entry"]:
        assert {"reference": f"Patient/{world.alex}"} in [
            e["what"] for e in entry["resource"]["entity"]
        ]
    links = {link["relation"]: link["url"] for link in page["link"]}
    _status, second = fhir["auditor"].follow(links["next"])
    assert not set(_ids(page)) & set(_ids(second))
    _status, none = fhir["auditor"].get("/AuditEvent", date="le2000-01-01")
    assert none["total"] == 0
    assert fhir["auditor"].get("/AuditEvent", date="yesterday")[0] == 400
    assert fhir["auditor"].get("/AuditEvent", date="ge2026-02-30")[0] == 400
    assert fhir["auditor"].get("/AuditEvent/1")[0] == 200
    assert fhir["auditor"].get("/AuditEvent/99999999")[0] == 404


def test_a_consumer_reads_the_entries_about_them_only(fhir: dict[str, Fhir], world: World) -> None:
    _status, own = fhir["alex"].get("/AuditEvent", _count=100)
    assert own["total"] == len(own["entry"]) > 0
    for entry in own["entry"]:
        assert {"reference": f"Patient/{world.alex}"} in [
            e["what"] for e in entry["resource"]["entity"]
        ]
    _status, other = fhir["alex"].get("/AuditEvent", patient=f"Patient/{world.jordan}")
    assert other["total"] == 0 and "entry" not in other
    assert fhir["alex"].get("/AuditEvent/1")[0] == 403
    assert fhir["sam"].get("/AuditEvent")[0] == 403
    assert fhir["admin"].get("/AuditEvent")[0] == 403


# The same access-log entries as the web page ----------------------------------------------


def test_each_read_writes_the_web_pages_entries(
    fhir_app: Flask, fhir: dict[str, Fhir], world: World
) -> None:
    alex = world.alex
    pairs = [
        (
            "alex",
            f"/DocumentReference/record-{world.letters[0]}",
            f"/people/{alex}/record/{world.letters[0]}",
        ),
        (
            "sam",
            f"/DocumentReference/record-{world.diagnoses[0]}",
            f"/people/{alex}/record/{world.diagnoses[0]}",
        ),
        ("sam", "/DocumentReference/record-999999", f"/people/{alex}/record/999999"),
        ("dr.chen", f"/DocumentReference/note-{world.shared_note}", f"/notes/{world.shared_note}"),
        ("helen", f"/DocumentReference/note-{world.shared_note}", f"/notes/{world.shared_note}"),
        ("alex", f"/Provenance/note-{world.shared_note}", f"/notes/{world.shared_note}"),
        ("dr.chen", f"/Patient/{alex}", f"/people/{alex}/record"),
        ("alex", "/AuditEvent", "/my/access-log"),
        ("auditor", "/AuditEvent", "/audit"),
        ("auditor", "/AuditEvent/1", "/audit/entries/1"),
    ]
    web = {}
    for who, fhir_path, web_path in pairs:
        if who not in web:
            web[who] = fhir_app.test_client()
            assert sign_in(web[who], demo_email(who)).status_code == 302
        path, _, query = fhir_path.partition("?")
        args = dict(part.split("=") for part in query.split("&")) if query else {}
        by_fhir = written_by(fhir_app, partial(fhir[who].raw, path, **args))
        by_web = written_by(fhir_app, partial(web[who].get, web_path))
        assert by_fhir == by_web and by_fhir, (who, fhir_path)
    # The search's entries: test_fhir_document_search.py.
