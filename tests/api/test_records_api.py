"""Record entries through the API: the same decision, the same access log, the same 404s as
the record pages; writes refused whole on bad input, wrong scope or a name the app may not set.

The read matrix (roles x consent) is decided by `tests/access_policy.py` (`expected()`), not by
the code, on a world built as `tests/records/test_access_matrix.py` builds its worlds: one
actor, one consumer and one entry per case, bulk-inserted once for the module.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.api_tokens import TokenScope, create_token
from peernotes.auth.models import User
from peernotes.auth.roles import Permission, Role, has_permission
from peernotes.care.models import CarerNomination
from peernotes.consent.models import ConsentDirective, ConsentProvision, ConsentProvisionCategory
from peernotes.db import get_database, utcnow
from peernotes.mfa.models import MfaEnrolment
from peernotes.mfa.service import required_for
from peernotes.records import service as records
from peernotes.training.models import TrainingModule, TrainingRecord
from tests.access_policy import CONSENT, expected
from tests.api.matrix_notes import count, demo_app, entries_since, last_seq
from tests.api.tokens import Api, bearer, make_token
from tests.conftest import Templates
from tests.helpers import client_as, csrf_token, user_id


@pytest.fixture(scope="module")
def app(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One demo app for the module's reads (they add log entries, and the matrix's people)."""
    with demo_app(templates, tmp_path_factory.mktemp("records-api")) as app:
        yield app


def _entry_of(app: Flask, key: str) -> int:
    """The id of one of this demo person's entries."""
    subject = user_id(app, key)
    with app.app_context(), get_database(app).session() as db:
        entry = db.scalar(
            select(records.RecordEntry.id)
            .where(records.RecordEntry.subject_id == subject)
            .order_by(records.RecordEntry.id)
        )
    assert entry is not None
    return entry


def _ids(app: Flask) -> tuple[int, int]:
    """Alex, and the id of one of his entries."""
    return user_id(app, "alex"), _entry_of(app, "alex")


# The read matrix: roles x consent --------------------------------------------------------


@dataclass(frozen=True)
class World:
    role: Role
    consent: str
    subject_id: int
    entry_id: int
    provision_id: int | None
    token: str


CASES = list(itertools.product(Role, CONSENT))


def _insert(db: Session, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    ids = db.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return list(ids)


def _build(db: Session, now: datetime) -> list[World]:
    """A consumer with one medication entry (by a third clinician) per case, and the case's
    actor: no care assignment, training current, no flag, no emergency access; consent none,
    granted, revoked (a newer directive version without it) or expired."""
    tag = uuid.uuid4().hex[:8]
    day = timedelta(days=1)

    def person(role: Role, name: str) -> dict[str, Any]:
        return {
            "email": f"{name}-{tag}@api-matrix.example",
            "display_name": name,
            "role": role,
            "password_hash": "x",
        }

    (author_id,) = _insert(db, User, [person(Role.CLINICIAN, "author")])
    actors = _insert(db, User, [person(role, f"actor{i}") for i, (role, _) in enumerate(CASES)])
    subjects = _insert(db, User, [person(Role.CONSUMER, f"consumer{i}") for i in range(len(CASES))])
    db.execute(
        insert(TrainingRecord),
        [
            {
                "user_id": actor,
                "module": module,
                "completed_on": now.date() - 100 * day,
                "expires_on": now.date() + 265 * day,
                "recorded_by_id": author_id,
            }
            for actor in actors
            for module in TrainingModule
        ],
    )
    db.execute(
        insert(CarerNomination),
        [
            {
                "consumer_id": subject,
                "carer_id": actor,
                "relationship_label": "parent",
                "created_at": now - 90 * day,
            }
            for (role, _), actor, subject in zip(CASES, actors, subjects, strict=True)
            if role is Role.CARER
        ],
    )
    # Two-step sign-in in force for the roles that need it (a token is refused without it).
    db.execute(
        insert(MfaEnrolment),
        [
            {"user_id": actor, "secret_sealed": b"matrix", "confirmed_at": now - day}
            for (role, _), actor in zip(CASES, actors, strict=True)
            if required_for(role)
        ],
    )
    provisions: dict[int, int] = {}
    for i, (_, consent) in enumerate(CASES):
        if consent == "none":
            continue
        (directive,) = _insert(
            db,
            ConsentDirective,
            [
                {
                    "subject_id": subjects[i],
                    "version": 1,
                    "created_by_id": subjects[i],
                    "created_at": now - 90 * day,
                }
            ],
        )
        start, end = (
            (now - 90 * day, now - 30 * day)
            if consent == "expired"
            else (now - 30 * day, now + 60 * day)
        )
        (provision,) = _insert(
            db,
            ConsentProvision,
            [
                {
                    "directive_id": directive,
                    "grantee_kind": GranteeKind.PERSON,
                    "person_id": actors[i],
                    "role": None,
                    "team_id": None,
                    "act": Act.READ,
                    "purpose": "matrix: so they can support me",
                    "valid_from": start,
                    "valid_until": end,
                }
            ],
        )
        db.execute(
            insert(ConsentProvisionCategory),
            [{"provision_id": provision, "category": Category.MEDICATION}],
        )
        if consent == "revoked":
            db.execute(
                insert(ConsentDirective),
                [
                    {
                        "subject_id": subjects[i],
                        "version": 2,
                        "created_by_id": subjects[i],
                        "created_at": now - 2 * day,
                    }
                ],
            )
        provisions[i] = provision
    author = By(author_id, Role.CLINICIAN, "api-matrix")
    worlds = []
    for i, (role, consent) in enumerate(CASES):
        entry = records._create_entry(
            db,
            author,
            subjects[i],
            Category.MEDICATION,
            f"Medication {i}",
            f"Case {i}: only its readers see this.",
            "care_assignment",
            now - day,
        )
        actor = db.get_one(User, actors[i])
        token = create_token(db, actor, "matrix", TokenScope.READ, 30).secret
        worlds.append(World(role, consent, subjects[i], entry.id, provisions.get(i), token))
    return worlds


@pytest.fixture(scope="module")
def worlds(app: Flask) -> list[World]:
    with app.app_context(), get_database(app).session() as db:
        built = _build(db, utcnow())
        db.commit()
    return built


@pytest.mark.parametrize(
    "case", range(len(CASES)), ids=[f"{r.value}-consent_{c}" for r, c in CASES]
)
def test_entry_read_follows_the_policy(app: Flask, worlds: list[World], case: int) -> None:
    world = worlds[case]
    want = expected(
        world.role,
        world.consent,
        assigned=False,
        trained=True,
        flag=False,
        emergency="none",
        provision_id=world.provision_id or -1,
        emergency_id=-1,
    )
    api = Api(app.test_client(), world.token)
    before = last_seq(app)
    response = api.get(f"/people/{world.subject_id}/record/{world.entry_id}")
    logged = entries_since(app, before)
    if not has_permission(world.role, Permission.RECORD_VIEW):
        # Roles the policy excludes never reach the record (as the pages: 403, on record).
        assert not want.permitted and want.basis == "role_excluded"
        assert response.status_code == 403
        assert logged == [("access:denied", None, "route", "<route>", "denied", "no_permission")]
        return
    if want.permitted:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["body"] == f"Case {case}: only its readers see this."
    else:
        assert response.status_code == 404
        assert "Case" not in response.get_data(as_text=True)
    outcome = "allowed" if want.permitted else "denied"
    assert logged == [
        ("record:read", world.subject_id, "record_entry", str(world.entry_id), outcome, want.basis)
    ]
    # The list holds the entry exactly when it may be read (and never says it is there).
    listed = api.get(f"/people/{world.subject_id}/record")
    items = listed.get_json().get("items", []) if listed.status_code == 200 else []
    assert [i["id"] for i in items] == ([world.entry_id] if want.permitted else [])
    if not want.permitted:
        assert listed.status_code in (200, 404)
        assert listed.status_code == 200 or listed.get_json()["error"]["code"] == "not_found"


# The same access log as the pages ----------------------------------------------------------


@pytest.mark.parametrize("who", ["alex", "dr.chen", "sam", "linh", "helen"])
def test_reads_write_the_entries_the_pages_write(app: Flask, who: str) -> None:
    alex, entry = _ids(app)
    web = client_as(app, who)
    api = Api(app.test_client(), make_token(app, who, TokenScope.READ))
    for page in (f"/people/{alex}/record/{entry}", f"/people/{alex}/record"):
        before = last_seq(app)
        web_status = web.get(page).status_code
        by_web = entries_since(app, before)
        before = last_seq(app)
        api_status = api.get(page).status_code
        by_api = entries_since(app, before)
        assert by_api == by_web and by_web, page
        assert api_status == web_status, page


def test_a_withheld_entry_answers_as_a_missing_one(app: Flask) -> None:
    alex, entry = _ids(app)
    api = Api(app.test_client(), make_token(app, "sam", TokenScope.READ))
    withheld = api.get(f"/people/{alex}/record/{entry}")
    missing = api.get(f"/people/{alex}/record/987654")
    elsewhere = api.get(f"/people/{user_id(app, 'jordan')}/record/{entry}")
    assert withheld.status_code == missing.status_code == elsewhere.status_code == 404
    assert withheld.get_json() == missing.get_json() == elsewhere.get_json()
    # A person who is not a consumer, or no one: the same.
    for subject in (user_id(app, "sam"), 987654):
        assert api.get(f"/people/{subject}/record").get_json() == missing.get_json()


def test_the_list_pages_cleanly_and_refuses_a_bad_cursor(app: Flask) -> None:
    alex, _ = _ids(app)
    doctor = Api(app.test_client(), make_token(app, "dr.chen"))
    for n in range(5):
        response = doctor.post(
            f"/people/{alex}/record",
            {"category": "clinical_note", "title": f"Visit {n}", "body": "Seen today."},
        )
        assert response.status_code == 201
    everything = doctor.get(f"/people/{alex}/record", limit=100).get_json()
    assert everything["next"] is None
    walked: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        query: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = doctor.get(f"/people/{alex}/record", **query).get_json()
        walked += [i["id"] for i in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert walked == [i["id"] for i in everything["items"]] and len(walked) >= 7
    assert walked == sorted(walked, reverse=True) and pages == (len(walked) + 1) // 2
    for bad in ("nonsense!", "WzFd" + "x", "WyJhIl0", "W10", "WzEsMl0", "WzIxNDc0ODM2NDhd"):
        response = doctor.get(f"/people/{alex}/record", cursor=bad)
        assert response.status_code == 400, bad
        assert response.get_json()["error"]["field"] == "cursor"
    for limit in (0, 101, "many"):
        response = doctor.get(f"/people/{alex}/record", limit=limit)
        assert response.status_code == 400 and response.get_json()["error"]["field"] == "limit"


# Writing ----------------------------------------------------------------------------------

_ENTRY = {"category": "medication", "title": "Dose change", "body": "From 10 mg to 5 mg."}


def _entries(app: Flask) -> int:
    return count(app, "record_entries") + count(app, "record_revisions")


def test_a_clinician_writes_and_amends_an_entry(app: Flask) -> None:
    alex, _ = _ids(app)
    doctor = Api(app.test_client(), make_token(app, "dr.chen"))
    before = last_seq(app)
    written = doctor.post(f"/people/{alex}/record", _ENTRY)
    assert written.status_code == 201
    made = written.get_json()
    assert made["subject_id"] == alex and made["revision"] == 1
    assert made["created_at"].endswith("Z")
    assert entries_since(app, before) == [
        ("record:write", alex, "record_entry", str(made["id"]), "allowed", "care_assignment")
    ]
    amended = doctor.post(
        f"/people/{alex}/record/{made['id']}/amend",
        {"title": "Dose change", "body": "From 10 mg to 7.5 mg.", "reason": "I misread it."},
    )
    assert amended.status_code == 200 and amended.get_json()["revision"] == 2
    read = doctor.get(f"/people/{alex}/record/{made['id']}").get_json()
    assert read["body"] == "From 10 mg to 7.5 mg." and read["reason"] == "I misread it."
    assert read["revision_kind"] == "amendment" and read["author_id"] == user_id(app, "dr.chen")
    # Entered in error: the words stay as they were.
    marked = doctor.post(
        f"/people/{alex}/record/{made['id']}/amend",
        {"reason": "Wrong person.", "entered_in_error": True},
    )
    assert marked.status_code == 200 and marked.get_json()["entered_in_error"] is True
    assert doctor.get(f"/people/{alex}/record/{made['id']}").get_json()["body"] == (
        "From 10 mg to 7.5 mg."
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("alex", 403), ("sam", 403), ("linh", 403), ("auditor", 403), ("admin", 403)],
)
def test_only_clinicians_write(app: Flask, who: str, status: int) -> None:
    alex, entry = _ids(app)
    api = Api(app.test_client(), make_token(app, who))
    stored = _entries(app)
    assert api.post(f"/people/{alex}/record", _ENTRY).status_code == status
    amend = {"title": "x", "body": "y", "reason": "z"}
    assert api.post(f"/people/{alex}/record/{entry}/amend", amend).status_code == status
    assert _entries(app) == stored


def test_no_basis_to_write_answers_as_no_record(app: Flask) -> None:
    """Dr Chen has no care of Maya: her record is not there for him, as on the form."""
    maya = user_id(app, "maya")
    doctor = Api(app.test_client(), make_token(app, "dr.chen"))
    stored = _entries(app)
    before = last_seq(app)
    response = doctor.post(f"/people/{maya}/record", _ENTRY)
    assert response.status_code == 404
    assert response.get_json() == doctor.post("/people/987654/record", _ENTRY).get_json()
    assert entries_since(app, before)[0] == (
        "record:write",
        maya,
        None,
        None,
        "denied",
        "no_basis_to_write",
    )
    assert _entries(app) == stored


def test_an_entry_through_another_persons_address_is_missing(app: Flask) -> None:
    """Alex's entry under Jordan's address: a 404, logged about Alex (the entry's own subject)
    as not found, never about Jordan; the same under Alex's own address works."""
    alex, entry = _ids(app)
    jordan = user_id(app, "jordan")
    doctor = Api(app.test_client(), make_token(app, "dr.chen"))
    stored = _entries(app)
    for method, path, body in (
        ("get", f"/people/{jordan}/record/{entry}", None),
        (
            "post",
            f"/people/{jordan}/record/{entry}/amend",
            {"reason": "r", "title": "t", "body": "b"},
        ),
    ):
        before = last_seq(app)
        response = getattr(doctor, method)(path, *([body] if body else []))
        assert response.status_code == 404, path
        action = "record:read" if method == "get" else "record:amend"
        assert entries_since(app, before) == [
            (action, alex, "record_entry", str(entry), "denied", "not_found")
        ]
    assert _entries(app) == stored
    assert doctor.get(f"/people/{alex}/record/{entry}").status_code == 200


def test_amending_a_withheld_or_missing_entry_is_404(app: Flask) -> None:
    alex, entry = _ids(app)
    doctor = Api(app.test_client(), make_token(app, "dr.chen"))
    jordan = user_id(app, "jordan")
    body = {"title": "x", "body": "y", "reason": "z"}
    wrong_person = doctor.post(f"/people/{jordan}/record/{entry}/amend", body)
    maya = user_id(app, "maya")
    walsh = Api(app.test_client(), make_token(app, "dr.walsh"))
    maya_entry = walsh.post(f"/people/{maya}/record", _ENTRY).get_json()["id"]
    withheld = doctor.post(f"/people/{maya}/record/{maya_entry}/amend", body)
    missing = doctor.post(f"/people/{alex}/record/987654/amend", body)
    assert wrong_person.status_code == missing.status_code == withheld.status_code == 404
    assert wrong_person.get_json() == missing.get_json() == withheld.get_json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**_ENTRY, "author_id": 1}, "author_id"),
        ({**_ENTRY, "subject_id": 1}, "subject_id"),
        ({**_ENTRY, "consumer_id": 1}, "consumer_id"),
        ({**_ENTRY, "created_at": "2020-01-01T00:00:00Z"}, "created_at"),
        ({**_ENTRY, "role": "clinician"}, "role"),
        ({**_ENTRY, "state": "shared"}, "state"),
        ({**_ENTRY, "id": 1}, "id"),
        ({**_ENTRY, "title": 5}, "title"),
        ({**_ENTRY, "body": ["a"]}, "body"),
        ({**_ENTRY, "category": "peer_notes"}, "category"),
        ({**_ENTRY, "title": ""}, "title"),
        ({**_ENTRY, "title": "x" * 201}, "title"),
        ({**_ENTRY, "body": "a\x00b"}, "body"),
        ({"title": "t", "body": "b"}, "category"),
    ],
)
def test_bad_or_overreaching_bodies_store_nothing(
    app: Flask, body: dict[str, Any], field: str
) -> None:
    alex, _ = _ids(app)
    doctor = Api(app.test_client(), make_token(app, "dr.chen"))
    stored, log = _entries(app), last_seq(app)
    response = doctor.post(f"/people/{alex}/record", body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert _entries(app) == stored
    assert [e[0] for e in entries_since(app, log)] == []  # nothing but its api:call


def test_an_amendment_says_why(app: Flask) -> None:
    alex, entry = _ids(app)
    doctor = Api(app.test_client(), make_token(app, "dr.chen"))
    stored = _entries(app)
    for body, status in (
        ({"title": "t", "body": "b"}, 400),
        ({"title": "t", "body": "b", "reason": "   "}, 422),
        ({"title": "t", "body": "b", "reason": "why", "author_id": 3}, 400),
        ({"title": "t", "body": "b", "reason": "why", "created_at": "2020-01-01"}, 400),
        ({"title": "", "body": "b", "reason": "why"}, 422),
    ):
        response = doctor.post(f"/people/{alex}/record/{entry}/amend", body)
        assert response.status_code == status, body
        assert response.get_json()["error"]["field"] in (
            "reason",
            "author_id",
            "created_at",
            "title",
        )
    assert _entries(app) == stored


def test_malformed_json_and_other_bodies_store_nothing(app: Flask) -> None:
    alex, _ = _ids(app)
    client = app.test_client()
    headers = bearer(make_token(app, "dr.chen"))
    stored = _entries(app)
    path = f"/api/v1/people/{alex}/record"
    for data, kind, status in (
        ('{"category": "medication",', "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('"text"', "application/json", 400),
        ("category=medication&title=t&body=b", "application/x-www-form-urlencoded", 415),
    ):
        response = client.post(path, data=data, content_type=kind, headers=headers)
        assert response.status_code == status, data
        assert set(response.get_json()["error"]) == {"code", "message", "field"}
    assert client.post(path, headers=headers).status_code == 400  # no body: category missing
    assert _entries(app) == stored


def test_a_read_token_cannot_write(app: Flask) -> None:
    alex, entry = _ids(app)
    reader = Api(app.test_client(), make_token(app, "dr.chen", TokenScope.READ))
    stored = _entries(app)
    for path, body in (
        (f"/people/{alex}/record", _ENTRY),
        (f"/people/{alex}/record/{entry}/amend", {"title": "t", "body": "b", "reason": "r"}),
    ):
        response = reader.post(path, body)
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "insufficient_scope"
    assert _entries(app) == stored
    assert reader.get(f"/people/{alex}/record/{entry}").status_code == 200


def test_the_web_form_and_the_api_write_the_same_entries(
    templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The same write, once by the form and once by the API, on twin fresh databases."""
    with (
        demo_app(templates, tmp_path_factory.mktemp("records-api-twin")) as app,
        demo_app(templates, tmp_path_factory.mktemp("records-web-twin")) as twin,
    ):
        alex, _ = _ids(app)
        web = client_as(twin, "dr.chen")
        token = csrf_token(web.get("/").get_data(as_text=True))
        before = last_seq(twin)
        form = {**_ENTRY, "csrf_token": token}
        assert web.post(f"/people/{alex}/record/new", data=form).status_code == 302
        by_web = entries_since(twin, before)
        doctor = Api(app.test_client(), make_token(app, "dr.chen"))
        before = last_seq(app)
        assert doctor.post(f"/people/{alex}/record", _ENTRY).status_code == 201
        assert entries_since(app, before) == by_web
