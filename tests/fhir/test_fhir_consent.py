"""Consent in FHIR: one Consent per directive version, mapped to provisions and back exactly;
only the person themselves reads their consent history, as on the web."""

from __future__ import annotations

from datetime import timedelta

from fhir.resources.R4B.consent import Consent
from flask import Flask
from sqlalchemy import select

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.access.queries import provisions_of
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.consent import service as consent
from peernotes.consent.models import ConsentDirective
from peernotes.db import get_database, utcnow
from peernotes.fhir.consents import provisions_of_consent
from tests.fhir.client import Fhir
from tests.helpers import demo_email


def _change_alexs_consent(app: Flask) -> int:
    """Alex shares in every way a provision can name someone, then stops one share: versions
    with person, role and team grantees, both actions, one and several kinds."""
    with app.app_context(), get_database(app).session() as db:
        alex = db.scalars(select(User).where(User.email == demo_email("alex"))).one()
        sam = db.scalars(select(User).where(User.email == demo_email("sam"))).one()
        by = By(alex.id, Role.CONSUMER, "fhir-consent")
        now = utcnow()
        team = next(a.team for a in care.care_team(db, alex.id, now) if a.team)
        grants = [
            (GranteeKind.PERSON, sam.id, None, None, Act.READ, {Category.MEDICATION}),
            (GranteeKind.ROLE, None, Role.CLINICIAN, None, Act.CONTRIBUTE, {Category.CARE_PLAN}),
            (
                GranteeKind.TEAM,
                None,
                None,
                team.id,
                Act.READ,
                {Category.PEER_NOTES, Category.DIAGNOSIS, Category.CORRESPONDENCE},
            ),
        ]
        for days, (kind, person, role, team_id, act, kinds) in enumerate(grants, start=10):
            consent.grant(
                db,
                by,
                alex,
                consent.Grant(
                    kind,
                    person,
                    role,
                    team_id,
                    act,
                    frozenset(kinds),
                    "for the test",
                    now,
                    now + timedelta(days=days, microseconds=123),
                ),
            )
        # Dr Chen records one with Alex present ("witnessed by").
        chen = db.scalars(select(User).where(User.email == demo_email("dr.chen"))).one()
        consent.grant(
            db,
            By(chen.id, Role.CLINICIAN, "fhir-consent"),
            alex,
            consent.Grant(
                GranteeKind.ROLE,
                None,
                Role.CONSUMER_PEER_WORKER,
                None,
                Act.READ,
                frozenset({Category.CARE_PLAN}),
                "witnessed",
                now,
                now + timedelta(days=5),
            ),
            witness=chen,
        )
        medication = next(
            p
            for p in consent.current_provisions(db, alex.id, utcnow())
            if p.categories == {Category.MEDICATION}
        )
        consent.revoke(db, by, alex, medication.id)
        db.commit()
        return alex.id


def test_each_version_round_trips_to_its_provisions(fhir: dict[str, Fhir], fhir_app: Flask) -> None:
    alex = _change_alexs_consent(fhir_app)
    with fhir_app.app_context(), get_database(fhir_app).session() as db:
        versions = {
            d.id: provisions_of(db, d.id)
            for d in db.scalars(
                select(ConsentDirective)
                .where(ConsentDirective.subject_id == alex)
                .order_by(ConsentDirective.version.desc())
            )
        }
    status, bundle = fhir["alex"].get("/Consent", patient=f"Patient/{alex}", _count=100)
    assert status == 200
    assert bundle["total"] == len(versions) == len(bundle["entry"]) >= 5
    for entry, (directive_id, provisions) in zip(bundle["entry"], versions.items(), strict=True):
        resource = Consent.model_validate(entry["resource"])
        assert resource.id == str(directive_id)
        assert provisions_of_consent(resource) == provisions
        # Read alone, the same version maps back the same.
        _status, alone = fhir["alex"].get(f"/Consent/{directive_id}")
        assert provisions_of_consent(Consent.model_validate(alone)) == provisions
    assert {p.kind for held in versions.values() for p in held} == set(GranteeKind)
    assert any(len(p.categories) > 1 for held in versions.values() for p in held)
    performers = [e["resource"]["performer"] for e in bundle["entry"]]
    assert all(p[0] == {"reference": f"Patient/{alex}"} for p in performers)
    witnessed = [p[1] for p in performers if len(p) == 2]
    assert len(witnessed) == 1 and witnessed[0]["type"] == "Practitioner"
    statuses = [e["resource"]["status"] for e in bundle["entry"]]
    assert statuses == ["active"] + ["inactive"] * (len(statuses) - 1)


def test_the_mapping_says_what_the_provision_says(fhir: dict[str, Fhir]) -> None:
    _status, bundle = fhir["alex"].get("/Consent", _count=1)
    (entry,) = bundle["entry"]
    provisions = entry["resource"]["provision"]["provision"]
    assert entry["resource"]["provision"]["type"] == "deny"  # nothing unless granted
    team = next(p for p in provisions if p["actor"][0]["reference"]["type"] == "CareTeam")
    assert team["type"] == "permit"
    assert {c["code"] for c in team["class"]} == {"peer_notes", "diagnosis", "correspondence"}
    assert team["action"][0]["coding"][0]["code"] == "read"
    assert team["period"]["start"] < team["period"]["end"]


def test_only_the_person_reads_their_consent(fhir: dict[str, Fhir], fhir_app: Flask) -> None:
    _status, alexs = fhir["alex"].get("/Consent", _count=1)
    newest = alexs["entry"][0]["resource"]["id"]
    # Linh (a carer) manages her own consent: Alex's is as if it did not exist.
    withheld = fhir["linh"].get(f"/Consent/{newest}")
    assert withheld == fhir["linh"].get("/Consent/999999") and withheld[0] == 404
    alex_id = alexs["entry"][0]["resource"]["patient"]["reference"]
    _status, search = fhir["linh"].get("/Consent", patient=alex_id)
    assert search["total"] == 0 and "entry" not in search
    # Workers, auditors and coordinators have no consent of their own to read.
    for who in ("sam", "dr.chen", "auditor", "admin"):
        assert fhir[who].get("/Consent")[0] == 403


def test_consent_pages_follow(fhir: dict[str, Fhir]) -> None:
    status, page = fhir["alex"].get("/Consent", _count=2)
    total, seen = page["total"], []
    while True:
        assert status == 200
        seen += [e["resource"]["id"] for e in page.get("entry", [])]
        nxt = [link["url"] for link in page["link"] if link["relation"] == "next"]
        if not nxt:
            break
        status, page = fhir["alex"].follow(nxt[0])
    assert len(seen) == len(set(seen)) == total
