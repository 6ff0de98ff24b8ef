"""Consumer peer workers supporting carers (issue 17, part A).

- The service setting: on by default, changed by coordinators only, every change logged, a bad
  change changes nothing.
- Care assignments, carer groups and matching follow the setting for NEW work; what exists
  (the demo's Sam supporting Robert, his carer-support note) continues when it is off.
- Role separation both ways: Sam, supporting Robert, reads nothing of Maya (the consumer
  Robert cares for) through it, even when Maya shares with consumer peer workers in her care
  team by role; Robert reads nothing of Alex (one of Sam's consumers).
- The training gate applies to a consumer peer worker reading a carer's shared notes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, text

from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.care import service as care
from peernotes.care.models import CareAssignment
from peernotes.consent import service as consent
from peernotes.db import get_database, utcnow
from peernotes.notes import service as notes
from peernotes.notes.models import Note, NoteKind
from peernotes.notes.service.reading import peer_notes_decision
from peernotes.records.service import write_entry
from peernotes.settings import service as settings
from peernotes.settings.models import ServiceSetting
from peernotes.timefmt import local_today
from peernotes.training.models import TrainingRecord
from peernotes.workforce.choosing import service as choosing
from peernotes.workforce.groups import service as groups
from peernotes.workforce.groups.models import Group
from peernotes.workforce.vocabulary import LIVED_IT_REASON
from tests.audit.helpers import rows
from tests.helpers import (
    app_database_url,
    client_as,
    count_rows,
    post_with_token,
    user_id,
)
from tests.workforce.test_groups import group_objects

KEY = settings.CONSUMER_PEER_WORKERS_SUPPORT_CARERS


def by(app: Flask, key: str) -> By[Role]:
    found = user_id(app, key)
    with app.app_context(), get_database(app).session() as db:
        user = db.get_one(User, found)
        return By(user.id, user.role, "test")


def turn(app: Flask, on: bool) -> None:
    """The coordinator turns the setting on or off, through the settings page."""
    response = post_with_token(
        client_as(app, "admin"), "/admin/settings", {"key": KEY, "value": "on" if on else "off"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def setting_log(app: Flask) -> list[tuple[object, ...]]:
    return rows(
        app_database_url(app),
        "SELECT actor_id, target_type, target_id, outcome, basis FROM audit_log"
        " WHERE action = 'admin:setting_change' ORDER BY seq",
    )


# The setting -------------------------------------------------------------------------------------


def test_the_setting_is_on_by_default_and_each_change_is_logged_once(app: Flask) -> None:
    with app.app_context(), get_database(app).session() as db:
        assert db.get(ServiceSetting, KEY) is None
        assert settings.value_of(db, KEY) is True
    admin = client_as(app, "admin")
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert "Consumer peer workers may support carers" in page
    assert "(the service" in page and "default)" in page
    # The existing consumer peer worker supporting a carer is listed (the demo's Sam → Robert).
    assert "Sam" in page and "Robert" in page and "continues until it is ended" in page
    turn(app, False)
    admin_id = user_id(app, "admin")
    with app.app_context(), get_database(app).session() as db:
        assert settings.value_of(db, KEY) is False
        row = db.get_one(ServiceSetting, KEY)
        assert row.changed_by_id == admin_id
    assert setting_log(app) == [
        (user_id(app, "admin"), "service_setting", KEY, "allowed", "role:admin")
    ]
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert "changed by" in page and ">off<" in page
    turn(app, True)
    assert len(setting_log(app)) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": KEY, "value": "on"}, "already on; nothing changed"),
        ({"key": KEY, "value": "maybe"}, "is either on or off"),
        ({"key": "no_such_setting", "value": "off"}, "There is no such setting"),
    ],
)
def test_a_bad_change_says_why_and_changes_nothing(
    app: Flask, data: dict[str, str], message: str
) -> None:
    response = post_with_token(client_as(app, "admin"), "/admin/settings", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count_rows(app, "service_settings") == 0
    assert setting_log(app) == []


def test_only_coordinators_change_settings(app: Flask) -> None:
    for key in ("sam", "helen", "dr.chen", "auditor", "robert", "alex"):
        response = post_with_token(
            client_as(app, key), "/admin/settings", {"key": KEY, "value": "off"}
        )
        assert response.status_code == 403, key
    with app.app_context(), get_database(app).session() as db:
        assert settings.value_of(db, KEY) is True


def test_the_service_refuses_a_value_of_the_wrong_type(app: Flask) -> None:
    admin = by(app, "admin")
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(settings.SettingsError, match="either on or off"):
            settings.change(db, admin, KEY, "off")
        with pytest.raises(KeyError):
            settings.value_of(db, "typo")
        assert db.get(ServiceSetting, KEY) is None


def test_the_service_itself_refuses_anyone_but_a_coordinator_and_logs_it(app: Flask) -> None:
    # The route is not the only check: a caller of the service that skipped it changes nothing.
    for key in ("dr.chen", "sam", "auditor"):
        actor = by(app, key)
        with app.app_context(), get_database(app).session() as db:
            with pytest.raises(settings.SettingsError, match="Only a coordinator"):
                settings.change(db, actor, KEY, False)
            db.commit()
            assert settings.value_of(db, KEY) is True
            assert db.get(ServiceSetting, KEY) is None
        assert setting_log(app)[-1] == (actor.id, "service_setting", KEY, "denied", "no_permission")


# New work follows the setting; existing work continues -----------------------------------------


def _assign(app: Flask, worker: str, subject: str) -> CareAssignment:
    admin = by(app, "admin")
    ids = {k: user_id(app, k) for k in (worker, subject)}
    with app.app_context(), get_database(app).session() as db:
        row = care.create_assignment(
            db,
            worker=db.get_one(User, ids[worker]),
            subject=db.get_one(User, ids[subject]),
            starts_on=utcnow().date(),
            ends_on=None,
            team=None,
            by=admin,
        )
        db.commit()
        return row


def test_a_consumer_peer_worker_is_assigned_to_a_carer_only_while_the_setting_is_on(
    app: Flask,
) -> None:
    assert _assign(app, "tui", "linh").worker_id == user_id(app, "tui")
    turn(app, False)
    with pytest.raises(care.CareError, match="does not assign a peer worker to a carer"):
        _assign(app, "sam", "linh")
    # Through the page too: the reason is shown and nothing is stored.
    before = count_rows(app, "care_assignments")
    form = {
        "worker_id": str(user_id(app, "sam")),
        "subject_id": str(user_id(app, "linh")),
        "team_id": "0",
        "starts_on": utcnow().date().isoformat(),
        "ends_on": "",
    }
    response = post_with_token(client_as(app, "admin"), "/admin/assignments", form)
    assert "does not assign a peer worker to a carer" in response.get_data(as_text=True)
    assert count_rows(app, "care_assignments") == before
    # A consumer peer worker is still assigned to consumers (Jordan: no carer of his is Tui's).
    _assign(app, "tui", "jordan")


def test_sam_writes_carer_support_notes_with_robert_also_after_the_setting_is_off(
    app: Flask,
) -> None:
    robert, sam_id = user_id(app, "robert"), user_id(app, "sam")
    with app.app_context(), get_database(app).session() as db:
        demo_note = db.scalars(select(Note).where(Note.subject_id == robert)).all()
        sams = [n for n in demo_note if n.author_id == sam_id]
        assert [n.kind for n in sams] == [NoteKind.CARER_SUPPORT]
    turn(app, False)
    sam = by(app, "sam")
    with app.app_context(), get_database(app).session() as db:
        note = notes.create(db, sam, robert, [notes.Section("What we talked about", "The week.")])
        assert note.kind is NoteKind.CARER_SUPPORT
        db.commit()
    page = client_as(app, "sam").get("/").get_data(as_text=True)
    assert "Write a note with Robert" in page


def test_carer_groups_take_consumer_peer_workers_as_facilitators_while_the_setting_is_on(
    app: Flask,
) -> None:
    found = group_objects(app)
    sam, linh, admin = user_id(app, "sam"), user_id(app, "linh"), by(app, "admin")

    def record(topic: str) -> None:
        with app.app_context(), get_database(app).session() as db:
            groups.record_session(
                db,
                admin,
                found["carer_group"],
                local_today(),
                topic,
                [sam],
                [linh],
                today=local_today(),
            )
            db.commit()

    with app.app_context(), get_database(app).session() as db:
        group = db.get_one(Group, found["carer_group"])
        assert sam in {u.id for u in groups.facilitator_choices(db, group)}
    record("What carers learn from people who have lived it")
    turn(app, False)
    with app.app_context(), get_database(app).session() as db:
        group = db.get_one(Group, found["carer_group"])
        assert sam not in {u.id for u in groups.facilitator_choices(db, group)}
    with pytest.raises(groups.GroupError, match="is a peer worker; a group for carers"):
        record("Refused while off")


def test_linh_is_offered_a_consumer_peer_worker_with_the_reason(app: Flask) -> None:
    page = client_as(app, "linh").get("/my/peer-worker").get_data(as_text=True)
    assert "Tui" in page and LIVED_IT_REASON in page
    linh, sam_id, tui_id = by(app, "linh"), user_id(app, "sam"), user_id(app, "tui")
    with app.app_context(), get_database(app).session() as db:
        me = db.get_one(User, linh.id)
        matches = choosing.matches_for(db, me, utcnow())
        offered = {m.candidate.worker_id: m for m in matches}
        assert sam_id not in offered
        tui = offered[tui_id]
        assert LIVED_IT_REASON in tui.reasons
    turn(app, False)
    with app.app_context(), get_database(app).session() as db:
        me = db.get_one(User, linh.id)
        matches = choosing.matches_for(db, me, utcnow())
        assert all(m.candidate.role is Role.CARER_PEER_WORKER for m in matches)
        with pytest.raises(
            choosing.ChoosingError, match="does not match a peer worker with a carer"
        ):
            choosing.request_worker(db, linh, tui_id)
    # The wish is not offered on the form while off.
    form = client_as(app, "linh").get("/my/peer-worker/preferences").get_data(as_text=True)
    assert "Someone who has lived it" not in form


def test_a_request_made_while_on_is_not_confirmed_once_the_setting_is_off(app: Flask) -> None:
    linh, admin, tui = by(app, "linh"), by(app, "admin"), user_id(app, "tui")
    with app.app_context(), get_database(app).session() as db:
        request_id = choosing.request_worker(db, linh, tui).id
        db.commit()
    turn(app, False)
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(choosing.ChoosingError, match="does not match a peer worker with a"):
            choosing.confirm(db, admin, request_id)
        db.rollback()
    turn(app, True)
    with app.app_context(), get_database(app).session() as db:
        assignment = choosing.confirm(db, admin, request_id)
        db.commit()
        assert (assignment.worker_id, assignment.subject_id) == (tui, linh.id)


# Role separation, both ways ----------------------------------------------------------------------

CANARY = "MAYA-RECORD-CANARY-5e1f"


def _maya_shares_with_her_care_team_by_role(app: Flask) -> int:
    """Maya shares everything with consumer peer workers in her care team (by role), and Dr
    Walsh writes an entry in her record: Tui (her worker) reads it; Sam (Robert's) must not."""
    maya, walsh = by(app, "maya"), by(app, "dr.walsh")
    with app.app_context(), get_database(app).session() as db:
        subject = db.get_one(User, maya.id)
        now = utcnow()
        consent.grant(
            db,
            maya,
            subject,
            consent.Grant(
                GranteeKind.ROLE,
                None,
                Role.CONSUMER_PEER_WORKER,
                None,
                Act.READ,
                frozenset(consent.SHAREABLE[Role.CONSUMER]),
                "my peer worker",
                now,
                now + timedelta(days=30),
            ),
        )
        entry = write_entry(db, walsh, subject, "care_plan", "Discharge plan", CANARY)
        db.commit()
        return entry.id


def test_supporting_a_carer_opens_nothing_of_the_consumer_they_care_for(app: Flask) -> None:
    entry = _maya_shares_with_her_care_team_by_role(app)
    maya = user_id(app, "maya")
    tui = client_as(app, "tui")
    assert CANARY in tui.get(f"/people/{maya}/record/{entry}").get_data(as_text=True)
    sam = client_as(app, "sam")
    for path in (
        f"/people/{maya}/record",
        f"/people/{maya}/record/{entry}",
        f"/people/{maya}/timeline",
        f"/people/{maya}/notes",
        f"/people/{maya}/agreement",
        f"/people/{maya}/risk/new",
        f"/people/{maya}/notes/new",
    ):
        response = sam.get(path)
        assert response.status_code in (403, 404), path
        assert CANARY not in response.get_data(as_text=True), path
    for path in ("/", "/notes"):
        assert CANARY not in sam.get(path).get_data(as_text=True)
    # Each refusal of a record read is on the log as no consent (not a basis found elsewhere).
    refused = rows(
        app_database_url(app),
        "SELECT basis FROM audit_log WHERE action = 'record:read' AND actor_id = :a"
        " AND subject_id = :s",
        {"a": user_id(app, "sam"), "s": maya},
    )
    assert refused and {b for (b,) in refused} == {"no_consent"}


def test_a_carer_reads_nothing_of_their_peer_workers_consumers(app: Flask) -> None:
    alex = user_id(app, "alex")
    robert = client_as(app, "robert")
    with app.app_context(), get_database(app).session() as db:
        alex_notes = db.scalars(select(Note.id).where(Note.subject_id == alex)).all()
    for path in (
        f"/people/{alex}/record",
        f"/people/{alex}/timeline",
        f"/people/{alex}/notes",
        *(f"/notes/{n}" for n in alex_notes),
    ):
        assert robert.get(path).status_code in (403, 404), path
    home = robert.get("/").get_data(as_text=True)
    assert "Alex" not in home


def test_the_training_gate_applies_to_a_consumer_peer_worker_supporting_a_carer(
    app: Flask,
) -> None:
    """Robert shares his carer-support notes (by Helen) with Sam: Sam reads the care-team
    section while his training is current, and not once it lapses."""
    robert, helen, sam = by(app, "robert"), by(app, "helen"), by(app, "sam")
    with app.app_context(), get_database(app).session() as db:
        note = notes.create(
            db,
            helen,
            robert.id,
            [notes.Section("Between us", "x"), notes.Section("For the team", "HELEN-CARE-TEAM-77")],
        )
        notes.propose(db, helen, note.id)
        notes.approve(db, robert, note.id, ["just_us", "care_team"], 1)
        now = utcnow()
        consent.grant(
            db,
            robert,
            db.get_one(User, robert.id),
            consent.Grant(
                GranteeKind.PERSON,
                sam.id,
                None,
                None,
                Act.READ,
                frozenset({Category.PEER_NOTES}),
                "so Sam knows what Helen and I talked about",
                now,
                now + timedelta(days=30),
            ),
        )
        db.commit()
        note_id = note.id
    assert "HELEN-CARE-TEAM-77" in client_as(app, "sam").get(f"/notes/{note_id}").get_data(
        as_text=True
    )
    with app.app_context(), get_database(app).session() as db:
        for row in db.scalars(select(TrainingRecord).where(TrainingRecord.user_id == sam.id)):
            row.expires_on = utcnow().date() - timedelta(days=1)
        db.commit()
    assert client_as(app, "sam").get(f"/notes/{note_id}").status_code == 404
    # The decision behind it says why: the training gate, as for any peer worker.
    with app.app_context(), get_database(app).session() as db:
        decision = peer_notes_decision(db, sam, robert.id)
        assert (decision.permitted, decision.basis) == (False, "training_lapsed")


# One worker on both sides of a family --------------------------------------------------------


def test_a_carer_cannot_ask_for_the_peer_worker_of_the_consumer_who_names_them(
    app: Flask,
) -> None:
    """Alex names Linh, and Sam supports Alex: Linh (who asked for someone who has lived it)
    is not offered Sam, and asking for him anyway is refused, at request and at confirm."""
    linh, sam_id = by(app, "linh"), user_id(app, "sam")
    with app.app_context(), get_database(app).session() as db:
        me = db.get_one(User, linh.id)
        assert sam_id not in {m.candidate.worker_id for m in choosing.matches_for(db, me, utcnow())}
        with pytest.raises(choosing.ChoosingError, match="Choose a peer worker from your matches"):
            choosing.request_worker(db, linh, sam_id)
    assert count_rows(app, "worker_requests", "subject_id = :s", {"s": linh.id}) == 0
    # A request stored before Sam took Alex on is refused when confirming, saying why.
    with app.app_context(), get_database(app).session() as db:
        db.execute(
            text(
                "UPDATE care_assignments SET ended_at = :t WHERE worker_id = :w AND ended_at IS NULL"
            ),
            {"t": utcnow() - timedelta(seconds=1), "w": sam_id},
        )
        db.commit()
    with app.app_context(), get_database(app).session() as db:
        row = choosing.request_worker(db, linh, sam_id)
        db.commit()
        request_id = row.id
    admin, alex_id = by(app, "admin"), user_id(app, "alex")
    with app.app_context(), get_database(app).session() as db:
        care.create_assignment(
            db,
            worker=db.get_one(User, sam_id),
            subject=db.get_one(User, alex_id),
            starts_on=utcnow().date(),
            ends_on=None,
            team=None,
            by=admin,
        )
        db.commit()
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(choosing.ChoosingError, match="supports someone who names Linh"):
            choosing.confirm(db, admin, request_id)
    assert (
        count_rows(app, "worker_requests", "id = :i AND state = 'requested'", {"i": request_id})
        == 1
    )


def test_a_consumer_peer_worker_needs_the_carer_to_have_asked_for_lived_it(app: Flask) -> None:
    """Without "someone who has lived it" among her wishes, Linh is not offered Tui and asking
    for Tui is refused, saying what to do."""
    linh, tui_id = by(app, "linh"), user_id(app, "tui")
    with app.app_context(), get_database(app).session() as db:
        choosing.save_preferences(db, linh, [], "")
        db.commit()
    with app.app_context(), get_database(app).session() as db:
        me = db.get_one(User, linh.id)
        assert tui_id not in {m.candidate.worker_id for m in choosing.matches_for(db, me, utcnow())}
        with pytest.raises(choosing.ChoosingError, match="asks for someone who has lived it"):
            choosing.request_worker(db, linh, tui_id)
    assert count_rows(app, "worker_requests", "subject_id = :s", {"s": linh.id}) == 0


def test_the_coordinator_cannot_assign_one_worker_to_both_sides_of_a_family(app: Flask) -> None:
    admin, sam_id, linh_id = by(app, "admin"), user_id(app, "sam"), user_id(app, "linh")
    before = count_rows(app, "care_assignments", "subject_id = :s", {"s": linh_id})
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(care.CareError, match="supports Alex Nguyen, who names Linh"):
            care.create_assignment(
                db,
                worker=db.get_one(User, sam_id),
                subject=db.get_one(User, linh_id),
                starts_on=utcnow().date(),
                ends_on=None,
                team=None,
                by=admin,
            )
    assert count_rows(app, "care_assignments", "subject_id = :s", {"s": linh_id}) == before


def test_the_other_way_round_a_consumer_is_not_given_the_peer_worker_of_the_carer_they_name(
    app: Flask,
) -> None:
    """Tui comes to support Linh, and Alex names Linh as his carer: Tui is not offered to
    Alex, asking for Tui is refused without saying why, and the coordinator cannot assign Tui
    to Alex."""
    alex, tui_id = by(app, "alex"), user_id(app, "tui")
    admin, linh_id = by(app, "admin"), user_id(app, "linh")
    _assign(app, "tui", "linh")
    with app.app_context(), get_database(app).session() as db:
        assert tui_id in {a.worker_id for a in care.care_team(db, linh_id, utcnow())}
        assert linh_id in {n.carer_id for n in care.nominations_by(db, alex.id)}
        me = db.get_one(User, alex.id)
        assert tui_id not in {m.candidate.worker_id for m in choosing.matches_for(db, me, utcnow())}
        with pytest.raises(choosing.ChoosingError, match="Choose a peer worker from your matches"):
            choosing.request_worker(db, alex, tui_id)
    assert (
        count_rows(
            app,
            "worker_requests",
            "subject_id = :s AND worker_id = :w",
            {"s": alex.id, "w": tui_id},
        )
        == 0
    )
    before = count_rows(app, "care_assignments", "subject_id = :s", {"s": alex.id})
    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(care.CareError, match="supports Linh Nguyen, whom Alex Nguyen names"):
            care.create_assignment(
                db,
                worker=db.get_one(User, tui_id),
                subject=db.get_one(User, alex.id),
                starts_on=utcnow().date(),
                ends_on=None,
                team=None,
                by=admin,
            )
    assert count_rows(app, "care_assignments", "subject_id = :s", {"s": alex.id}) == before
    # Once Alex no longer names Linh, Tui may be offered to him again.
    with app.app_context(), get_database(app).session() as db:
        for nomination in care.nominations_by(db, alex.id):
            if nomination.carer_id == linh_id:
                care.end_nomination(db, nomination, by=alex)
        db.commit()
    with app.app_context(), get_database(app).session() as db:
        me = db.get_one(User, alex.id)
        assert tui_id not in choosing.offer_for(db, me, utcnow()).other_side
