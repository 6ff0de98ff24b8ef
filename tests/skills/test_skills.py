"""Skills and resources kept together: the person and the peer workers who support them now add
and change items (each change a version, earlier ones kept; retired, never deleted); texts are
sealed; nobody else reads it unless the person shares it, read only; every read is logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.consent import service as consent
from peernotes.db import get_database, utcnow
from peernotes.skills import service as skills
from peernotes.skills.models import SkillItem
from tests.helpers import client_as, count_rows, last_entry, post_form, user_id
from tests.sealed import assert_sealed, no_plaintext_anywhere


def first_item(app: Flask, key: str) -> int:
    """The id of the first item on a demo person's list (Alex's "Opposite action")."""
    person = user_id(app, key)
    with get_database(app).session() as db:
        found = db.scalar(
            select(SkillItem.id).where(SkillItem.subject_id == person).order_by(SkillItem.id)
        )
    assert found is not None
    return found


def by(app: Flask, key: str, role: Role) -> By:
    return By(user_id(app, key), role, "test")


def share_skills(app: Flask, grantee: str) -> None:
    alex, to = user_id(app, "alex"), user_id(app, grantee)
    with get_database(app).session() as db:
        now = utcnow()
        consent.grant(
            db,
            By(alex, Role.CONSUMER, "test"),
            db.get_one(User, alex),
            consent.Grant(
                GranteeKind.PERSON,
                to,
                None,
                None,
                Act.READ,
                frozenset({Category.SKILLS}),
                "so they know what I practise",
                now,
                now + timedelta(days=30),
            ),
        )
        db.commit()


def test_the_demo_list_is_kept_by_alex_and_sam_with_a_history(app: Flask) -> None:
    sam, alex = by(app, "sam", Role.CONSUMER_PEER_WORKER), user_id(app, "alex")
    with get_database(app).session() as db:
        found = skills.read_list(db, sam, alex)
        db.commit()
    assert found.relation == "worker" and found.may_change
    names = [i.current.text.name for i in found.in_use]
    assert names == ["DBT skills group, Tuesdays", "Opposite action", "TIPP (cold water)"]
    opposite = next(i for i in found.items if i.current.text.name == "Opposite action")
    assert opposite.current.number == 2 and [v.number for v in opposite.earlier] == [1]
    assert "Texting a friend" in opposite.current.text.worked
    assert "Texting a friend" not in opposite.earlier[0].text.worked
    assert last_entry(app, "skills:read")[4:] == ("allowed", "party")


def test_both_add_and_change_and_retire_keeps_it(app: Flask) -> None:
    alex_id = user_id(app, "alex")
    alex, sam = by(app, "alex", Role.CONSUMER), by(app, "sam", Role.CONSUMER_PEER_WORKER)
    with get_database(app).session() as db:
        item = skills.add(db, alex, alex_id, "resource", "Reach Out", "A website", "")
        db.commit()
        assert item.worker_id is None  # Alex added it on his own
        skills.edit(db, sam, item.id, "Reach Out", "A website with forums", "The forums helped")
        db.commit()
        skills.retire(db, alex, item.id)
        db.commit()
        with pytest.raises(skills.SkillsError):
            skills.retire(db, sam, item.id)
        with pytest.raises(skills.SkillsError):
            skills.edit(db, sam, item.id, "Reach Out", "again", "")
        found = skills.read_list(db, alex, alex_id)
        db.commit()
    kept = next(i for i in found.put_aside if i.id == item.id)
    assert kept.current.text.worked == "The forums helped"
    assert kept.current.written_by_id == user_id(app, "sam")
    assert [v.text.about for v in kept.earlier] == ["A website"]
    assert count_rows(app, "skill_item_versions", "item_id = :i", {"i": item.id}) == 2
    assert last_entry(app, "skills:retire")[4:] == ("allowed", "self")


@pytest.mark.parametrize(
    ("kind", "name", "about", "worked", "field"),
    [
        ("hobby", "Drawing", "", "", "kind"),
        ("skill", "  ", "", "", "name"),
        ("skill", "x" * (skills.MAX_NAME + 1), "", "", "name"),
        ("skill", "Ok", "x" * (skills.MAX_ABOUT + 1), "", "about"),
        ("skill", "Ok", "", "x" * (skills.MAX_WORKED + 1), "worked"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    app: Flask, kind: str, name: str, about: str, worked: str, field: str
) -> None:
    alex = user_id(app, "alex")
    before = count_rows(app, "skill_items"), count_rows(app, "skill_item_versions")
    with get_database(app).session() as db:
        with pytest.raises(skills.SkillsError) as refused:
            skills.add(
                db, by(app, "sam", Role.CONSUMER_PEER_WORKER), alex, kind, name, about, worked
            )
        db.commit()
    assert refused.value.field == field
    assert (count_rows(app, "skill_items"), count_rows(app, "skill_item_versions")) == before


def test_its_texts_are_sealed_and_bound_to_their_row(app: Flask) -> None:
    no_plaintext_anywhere(app, "Opposite action")
    no_plaintext_anywhere(app, "cold water")
    alex = user_id(app, "alex")
    rows = [
        r[0]
        for r in __import__("tests.helpers", fromlist=["query"]).query(
            app,
            "SELECT v.id FROM skill_item_versions v JOIN skill_items i ON i.id = v.item_id"
            " WHERE i.subject_id = :s ORDER BY v.id",
            {"s": alex},
        )
    ]
    from tests.sealed import opens, raw

    sealed = raw(app, "skill_item_versions", "body_sealed", rows[0])
    words = opens(app, alex, "skill_item_versions", "body", rows[0], sealed)
    assert words is not None and "Opposite action" in words
    assert_sealed(
        app,
        subject_id=alex,
        table="skill_item_versions",
        column="body",
        row=rows[0],
        other_row=rows[1],
        words=words,
        sealed_column="body_sealed",
    )


@pytest.mark.parametrize(
    ("key", "role", "reason"),
    [
        # In Alex's care: a clinician's assignment opens nothing of it.
        ("dr.chen", Role.CLINICIAN, "no_consent"),
        # Emergency access (the demo's, to Alex) opens nothing of it either.
        ("dr.walsh", Role.CLINICIAN, "no_consent"),
        # A peer worker who does not support Alex; his carer; a carer peer worker.
        ("tui", Role.CONSUMER_PEER_WORKER, "no_consent"),
        ("linh", Role.CARER, "no_consent"),
        ("helen", Role.CARER_PEER_WORKER, "no_consent"),
        ("jordan", Role.CONSUMER, "no_consent"),
        ("admin", Role.ADMIN, "role_excluded"),
        ("auditor", Role.AUDITOR, "role_excluded"),
    ],
)
def test_nobody_else_reads_it_and_the_refusal_is_logged(
    app: Flask, key: str, role: Role, reason: str
) -> None:
    alex, item, actor = user_id(app, "alex"), first_item(app, "alex"), by(app, key, role)
    with get_database(app).session() as db:
        with pytest.raises(skills.SkillsNotFound):
            skills.read_list(db, actor, alex)
        db.commit()
    assert last_entry(app, "skills:read")[4:] == ("denied", reason)
    with get_database(app).session() as db:
        with pytest.raises(skills.SkillsNotFound):
            skills.read_item(db, actor, item)
        with pytest.raises(skills.SkillsNotFound):
            skills.add(db, actor, alex, "skill", "Sneaky", "", "")
        db.commit()
    actor, subject, _t, _i, outcome, basis = last_entry(app, "skills:add")
    assert (actor, subject, outcome, basis) == (user_id(app, key), alex, "denied", reason)


def test_shared_by_consent_it_is_read_only(app: Flask) -> None:
    share_skills(app, "dr.chen")
    alex, item = user_id(app, "alex"), first_item(app, "alex")
    chen = by(app, "dr.chen", Role.CLINICIAN)
    with get_database(app).session() as db:
        found = skills.read_list(db, chen, alex)
        db.commit()
    assert found.relation is None and not found.may_change
    assert str(last_entry(app, "skills:read")[5]).startswith("consent:")
    with get_database(app).session() as db:
        with pytest.raises(skills.NotYours):
            skills.edit(db, chen, item, "Changed by Dr Chen", "", "")
        db.commit()
    assert last_entry(app, "skills:edit")[4:] == ("denied", "not_party")
    client = client_as(app, "dr.chen")
    page = client.get(f"/people/{alex}/skills").get_data(as_text=True)
    assert "Opposite action" in page and "Add a skill or resource" not in page
    assert client.get(f"/skills/{item}/change").status_code == 403


def test_a_former_peer_worker_reads_nothing_more(app: Flask) -> None:
    from peernotes.care.models import CareAssignment

    alex, sam = user_id(app, "alex"), user_id(app, "sam")
    with get_database(app).session() as db:
        for a in db.scalars(
            select(CareAssignment).where(
                CareAssignment.worker_id == sam, CareAssignment.subject_id == alex
            )
        ):
            a.ends_on = utcnow().date() - timedelta(days=1)
        db.commit()
        with pytest.raises(skills.SkillsNotFound):
            skills.read_list(db, By(sam, Role.CONSUMER_PEER_WORKER, "test"), alex)


def test_the_pages_add_change_and_put_aside(app: Flask) -> None:
    alex = user_id(app, "alex")
    sam = client_as(app, "sam")
    path = f"/people/{alex}/skills"
    added = post_form(
        sam,
        path,
        {
            "kind": "skill",
            "name": "Check the facts",
            "about": "",
            "worked": "Helped before the appointment",
        },
    )
    assert added.status_code == 302
    refused = post_form(sam, path, {"kind": "skill", "name": "", "about": "", "worked": ""})
    assert refused.status_code == 200 and "Give it a name" in refused.get_data(as_text=True)
    with get_database(app).session() as db:
        item = db.scalar(
            select(SkillItem.id).where(SkillItem.subject_id == alex).order_by(SkillItem.id.desc())
        )
    change = post_form(
        sam,
        f"/skills/{item}/change",
        {"name": "Check the facts", "about": "DBT", "worked": "Helped a lot"},
    )
    assert change.status_code == 302
    page = client_as(app, "alex").get("/my/skills", follow_redirects=True).get_data(as_text=True)
    assert "Helped a lot" in page and "Earlier versions (1)" in page
    retired = post_form(sam, f"/skills/{item}/retire", {}, form_page=path)
    assert retired.status_code == 302
    assert "Put aside" in sam.get(path).get_data(as_text=True)
    assert count_rows(app, "skill_items", "id = :i AND retired_at IS NOT NULL", {"i": item}) == 1


def test_a_peer_worker_with_lapsed_training_neither_reads_nor_changes_it(app: Flask) -> None:
    # The training gate that closes Alex's "about me" and record to Sam closes his list too.
    from peernotes.training.models import TrainingRecord

    alex, sam, item = user_id(app, "alex"), user_id(app, "sam"), first_item(app, "alex")
    actor = By(sam, Role.CONSUMER_PEER_WORKER, "test")
    with get_database(app).session() as db:
        for record in db.scalars(select(TrainingRecord).where(TrainingRecord.user_id == sam)):
            record.expires_on = utcnow().date() - timedelta(days=1)
        db.commit()
    with get_database(app).session() as db:
        with pytest.raises(skills.SkillsNotFound):
            skills.read_list(db, actor, alex)
        db.commit()
    assert last_entry(app, "skills:read")[4:] == ("denied", "training_lapsed")
    before = count_rows(app, "skill_items"), count_rows(app, "skill_item_versions")
    with get_database(app).session() as db:
        with pytest.raises(skills.SkillsNotFound):
            skills.add(db, actor, alex, "skill", "Added while lapsed", "", "")
        with pytest.raises(skills.SkillsNotFound):
            skills.edit(db, actor, item, "Changed while lapsed", "", "")
        db.commit()
    assert last_entry(app, "skills:add")[4:] == ("denied", "training_lapsed")
    assert (count_rows(app, "skill_items"), count_rows(app, "skill_item_versions")) == before
