""" "About me": only the person writes it, every save is a version (old ones kept), its texts are
sealed, and it is shared only through consent (no care assignment opens it); a peer worker it is
shared with sees it on their caseload, each read logged once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from peernotes.aboutme import service as aboutme
from peernotes.access.decision import Act, Category, GranteeKind
from peernotes.audit.writer import By
from peernotes.auth.roles import Role
from peernotes.consent import service as consent
from peernotes.db import get_database, utcnow
from peernotes.demo.about_me import ALEX_ABOUT_ME
from tests.helpers import client_as, count_rows, grant_by_form, last_entry, post_form, user_id
from tests.sealed import assert_sealed, no_plaintext_anywhere

READ = "about_me:read"


def by(app: Flask, key: str, role: Role) -> By:
    return By(user_id(app, key), role, "test")


def reads(app: Flask, actor: str, outcome: str = "allowed") -> int:
    return count_rows(
        app,
        "audit_log",
        "action = :a AND actor_id = :u AND outcome = :o",
        {"a": READ, "u": user_id(app, actor), "o": outcome},
    )


def share(app: Flask, subject: str, role: Role, grantee: str, *kinds: Category) -> None:
    subject_id = user_id(app, subject)
    with get_database(app).session() as db:
        now = utcnow()
        person = db.get_one(consent.User, subject_id)
        consent.grant(
            db,
            By(subject_id, role, "test"),
            person,
            consent.Grant(
                GranteeKind.PERSON,
                user_id(app, grantee),
                None,
                None,
                Act.READ,
                frozenset(kinds),
                "so they know me",
                now,
                now + timedelta(days=30),
            ),
        )
        db.commit()


# Writing -----------------------------------------------------------------------------------------


def test_a_save_is_a_new_version_and_the_earlier_ones_are_kept(app: Flask) -> None:
    alex = by(app, "alex", Role.CONSUMER)
    with get_database(app).session() as db:
        saved = aboutme.save(db, alex, {**ALEX_ABOUT_ME, "enjoy": "Drawing, and my dog Pepper."})
        db.commit()
        assert saved.version == 2
        current, earlier = aboutme.own(db, alex)
        db.commit()
    assert current is not None and current.parts["enjoy"] == "Drawing, and my dog Pepper."
    assert [v.version for v in earlier] == [1]
    assert earlier[0].parts == ALEX_ABOUT_ME
    assert last_entry(app, "about_me:write")[4:] == ("allowed", "self")


def test_its_texts_are_sealed_and_bound_to_their_row(app: Flask) -> None:
    alex = user_id(app, "alex")
    with get_database(app).session() as db:
        saved = aboutme.save(db, by(app, "alex", Role.CONSUMER), {"helps": "Walking by the sea."})
        db.commit()
        row = db.scalar(
            aboutme.select(aboutme.AboutMeVersion.id).where(
                aboutme.AboutMeVersion.subject_id == alex,
                aboutme.AboutMeVersion.version == saved.version,
            )
        )
    assert row is not None
    no_plaintext_anywhere(app, "Walking by the sea.")
    no_plaintext_anywhere(app, "my dog Pepper")
    from tests.sealed import raw

    sealed = raw(app, "about_me_versions", "body_sealed", row)
    assert sealed is not None and b"Walking" not in sealed
    assert_sealed(
        app,
        subject_id=alex,
        table="about_me_versions",
        column="body",
        row=row,
        other_row=row - 1,
        words='{"helps": "Walking by the sea.", "upsets": "", "enjoy": "",'
        ' "contact": "", "words": ""}',
        sealed_column="body_sealed",
    )


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        ({}, "helps"),
        ({"helps": "   "}, "helps"),
        ({"upsets": "x" * (aboutme.MAX_PART + 1)}, "upsets"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    app: Flask, parts: dict[str, str], field: str
) -> None:
    before = count_rows(app, "about_me_versions")
    with get_database(app).session() as db:
        with pytest.raises(aboutme.AboutMeError) as refused:
            aboutme.save(db, by(app, "alex", Role.CONSUMER), parts)
        db.commit()
    assert refused.value.field == field
    assert count_rows(app, "about_me_versions") == before


def test_saving_the_same_words_again_is_refused(app: Flask) -> None:
    with get_database(app).session() as db, pytest.raises(aboutme.AboutMeError):
        aboutme.save(db, by(app, "alex", Role.CONSUMER), ALEX_ABOUT_ME)


@pytest.mark.parametrize(
    ("key", "role"),
    [("sam", Role.CONSUMER_PEER_WORKER), ("dr.chen", Role.CLINICIAN), ("admin", Role.ADMIN)],
)
def test_only_consumers_and_carers_write_one_and_only_their_own(
    app: Flask, key: str, role: Role
) -> None:
    before = count_rows(app, "about_me_versions")
    with get_database(app).session() as db, pytest.raises(aboutme.AboutMeError):
        aboutme.save(db, by(app, key, role), {"helps": "Something about Alex"})
    assert count_rows(app, "about_me_versions") == before


def test_the_page_saves_a_version_and_refuses_a_missing_csrf_token(app: Flask) -> None:
    client = client_as(app, "alex")
    response = post_form(client, "/my/about-me", {**ALEX_ABOUT_ME, "helps": "Music helps."})
    assert response.status_code == 302
    page = client.get("/my/about-me").get_data(as_text=True)
    assert "Music helps." in page and "Earlier versions" in page
    before = count_rows(app, "about_me_versions")
    assert client.post("/my/about-me", data={"helps": "no token"}).status_code == 400
    assert count_rows(app, "about_me_versions") == before


# Reading: by consent only --------------------------------------------------------------------


def test_sam_reads_alexs_by_his_consent_and_it_is_logged_once(app: Flask) -> None:
    with get_database(app).session() as db:
        about = aboutme.read(db, by(app, "sam", Role.CONSUMER_PEER_WORKER), user_id(app, "alex"))
        db.commit()
    assert about.parts == ALEX_ABOUT_ME
    actor, subject, _t, _i, outcome, basis = last_entry(app, READ)
    assert (actor, subject, outcome) == (user_id(app, "sam"), user_id(app, "alex"), "allowed")
    assert str(basis).startswith("consent:")


@pytest.mark.parametrize(
    ("key", "role", "reason"),
    [
        # In Alex's care, and still nothing: "about me" is shared only by consent.
        ("dr.chen", Role.CLINICIAN, "no_consent"),
        # Her emergency access to Alex (the demo's) opens his record, not his "about me".
        ("dr.walsh", Role.CLINICIAN, "no_consent"),
        ("linh", Role.CARER, "no_consent"),
        ("tui", Role.CONSUMER_PEER_WORKER, "no_consent"),
        ("helen", Role.CARER_PEER_WORKER, "no_consent"),
        ("admin", Role.ADMIN, "role_excluded"),
        ("auditor", Role.AUDITOR, "role_excluded"),
    ],
)
def test_nobody_else_reads_it_and_the_refusal_is_logged(
    app: Flask, key: str, role: Role, reason: str
) -> None:
    with get_database(app).session() as db:
        with pytest.raises(aboutme.AboutMeNotFound):
            aboutme.read(db, by(app, key, role), user_id(app, "alex"))
        db.commit()
    actor, subject, _t, _i, outcome, basis = last_entry(app, READ)
    assert (actor, subject, outcome, basis) == (
        user_id(app, key),
        user_id(app, "alex"),
        "denied",
        reason,
    )


def test_a_withheld_one_answers_like_a_missing_one(app: Flask) -> None:
    chen = client_as(app, "dr.chen")
    withheld = chen.get(f"/people/{user_id(app, 'alex')}/about-me")
    missing = chen.get(f"/people/{user_id(app, 'jordan')}/about-me")  # Jordan wrote none
    nobody = chen.get("/people/999999/about-me")
    assert withheld.status_code == missing.status_code == nobody.status_code == 404
    assert withheld.data == missing.data == nobody.data


def test_training_lapsed_or_revoked_consent_ends_samss_reading(app: Flask) -> None:
    from peernotes.training.models import TrainingRecord

    sam = user_id(app, "sam")
    with get_database(app).session() as db:
        for record in db.scalars(
            aboutme.select(TrainingRecord).where(TrainingRecord.user_id == sam)
        ):
            record.expires_on = utcnow().date() - timedelta(days=1)
        db.commit()
        with pytest.raises(aboutme.AboutMeNotFound):
            aboutme.read(db, by(app, "sam", Role.CONSUMER_PEER_WORKER), user_id(app, "alex"))
        db.commit()
    assert last_entry(app, READ)[4:] == ("denied", "training_lapsed")


# The caseload -----------------------------------------------------------------------------------


def test_sams_caseload_shows_alexs_about_me_each_read_logged_once(app: Flask) -> None:
    sam = client_as(app, "sam")
    before, refused = reads(app, "sam"), reads(app, "sam", "denied")
    home = sam.get("/").get_data(as_text=True)
    assert "Alex Nguyen's “about me”, in their words" in home
    assert "Text first. Not before 10 in the morning." in home
    # Jordan (also Sam's) wrote none and shares none: nothing of his, and nothing logged for him.
    assert "Jordan Lee's “about me”" not in home
    assert reads(app, "sam") == before + 1
    # Nobody's is asked about without a share naming Sam: no refusal on Jordan's log.
    assert reads(app, "sam", "denied") == refused


def test_a_lapsed_peer_worker_s_home_reads_nothing_and_logs_no_refusal(app: Flask) -> None:
    # The home page asks the decision before reading: with lapsed training Sam is refused Alex's
    # "about me", and a refused read on Alex's log at every home-page load would be false alarm.
    from peernotes.training.models import TrainingRecord

    sam = user_id(app, "sam")
    with get_database(app).session() as db:
        for record in db.scalars(
            aboutme.select(TrainingRecord).where(TrainingRecord.user_id == sam)
        ):
            record.expires_on = utcnow().date() - timedelta(days=1)
        db.commit()
    before, refused = reads(app, "sam"), reads(app, "sam", "denied")
    for _ in range(2):
        home = client_as(app, "sam").get("/").get_data(as_text=True)
        assert "Text first. Not before 10 in the morning." not in home
    assert reads(app, "sam") == before
    assert reads(app, "sam", "denied") == refused


def test_dr_chens_caseload_shows_nothing_of_it(app: Flask) -> None:
    home = client_as(app, "dr.chen").get("/").get_data(as_text=True)
    assert "Text first. Not before 10" not in home
    assert "“about me”" not in home
    assert reads(app, "dr.chen") == reads(app, "dr.chen", "denied") == 0


def test_a_carer_writes_one_and_shares_it_with_her_carer_peer_worker(app: Flask) -> None:
    linh = client_as(app, "linh")
    post_form(linh, "/my/about-me", {"helps": "Being asked how I am, not only about Alex."})
    consent_page = linh.get("/my/consent").get_data(as_text=True)
    assert 'value="about_me"' in consent_page and 'value="skills"' in consent_page
    assert 'value="care_plan"' not in consent_page
    helen_id = user_id(app, "helen")
    response = grant_by_form(linh, f"person:{helen_id}", ["about_me"])
    assert response.status_code == 302, response.get_data(as_text=True)
    home = client_as(app, "helen").get("/").get_data(as_text=True)
    assert "Being asked how I am, not only about Alex." in home
    # Helen also supports Robert, who shares nothing: nothing of his.
    assert "Robert Thompson's “about me”" not in home


def test_about_me_can_be_shared_to_read_only(app: Flask) -> None:
    alex, sam = user_id(app, "alex"), user_id(app, "sam")
    with get_database(app).session() as db:
        person = db.get_one(consent.User, alex)
        now = utcnow()
        with pytest.raises(consent.ConsentError, match="read only"):
            consent.grant(
                db,
                By(alex, Role.CONSUMER, "test"),
                person,
                consent.Grant(
                    GranteeKind.PERSON,
                    sam,
                    None,
                    None,
                    Act.CONTRIBUTE,
                    frozenset({Category.ABOUT_ME}),
                    "to add to it",
                    now,
                    now + timedelta(days=3),
                ),
            )


def test_once_shared_the_clinician_reads_it_and_the_receipt_names_it(app: Flask) -> None:
    alex = client_as(app, "alex")
    response = grant_by_form(
        alex, f"person:{user_id(app, 'dr.chen')}", ["about_me"], follow_redirects=True
    )
    assert "about me" in response.get_data(as_text=True)
    page = client_as(app, "dr.chen").get(f"/people/{user_id(app, 'alex')}/about-me")
    assert page.status_code == 200
    assert "Walking while we talk." in page.get_data(as_text=True)
