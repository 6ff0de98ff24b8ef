"""A carer's own consent: who, beyond their carer peer worker, reads their carer-support notes.

Linh (a carer, named by Alex) has a carer-support note written with Helen, one section of it
marked "care team". Nobody else reads it until Linh shares it; once she does, the person she
chose reads exactly that section, the receipts and her map say so, and nothing about Alex
changes for anyone.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from peernotes.access.map import access_map
from peernotes.db import get_database, utcnow
from tests.helpers import client_as, csrf_token, grant_by_form, query, user_id


def _linh_note(app: Flask) -> int:
    rows = query(app, "SELECT id FROM notes WHERE subject_id = :s", {"s": user_id(app, "linh")})
    assert rows, "the demo gives Linh a carer-support note"
    return int(str(rows[0][0]))


def _grant(client: FlaskClient, grantee: str, categories: list[str], act: str = "read"):  # type: ignore[no-untyped-def]
    return grant_by_form(
        client,
        grantee,
        categories,
        act=act,
        purpose="so Sam knows how I am going",
        follow_redirects=True,
    )


def _alex_map(app: Flask) -> list[object]:
    with app.app_context(), get_database(app).session() as db:
        return list(access_map(db, user_id(app, "alex"), utcnow()))


def test_the_carer_page_offers_only_her_own_notes_and_the_workers_around_her(app: Flask) -> None:
    page = client_as(app, "linh").get("/my/consent").get_data(as_text=True)
    assert "Your carer-support notes: the parts you marked" in page
    # Nothing of Alex's record is hers to offer.
    for kind in ("Diagnosis", "Medication", "Care plan", "Add notes to my record"):
        assert kind not in page
    # Alex's workers (who named her) are offered; carers and consumers are not.
    assert "Sam Rivera (peer worker)" in page and "Dr Mei Chen (clinician)" in page
    assert "Alex Nguyen" not in re.sub(r"<header.*?</header>", "", page, flags=re.S)


def test_a_carer_shares_her_notes_with_a_peer_worker_and_only_that_changes(app: Flask) -> None:
    note = _linh_note(app)
    sam, linh = client_as(app, "sam"), client_as(app, "linh")
    assert sam.get(f"/notes/{note}").status_code == 404
    assert "Carers who share their notes with you" not in sam.get("/").get_data(as_text=True)
    alex_before = _alex_map(app)

    done = _grant(linh, f"person:{user_id(app, 'sam')}", ["peer_notes"])
    receipt = done.get_data(as_text=True)
    assert "From now on, Sam Rivera (peer worker) can read your carer-support notes until" in (
        receipt
    )

    # Sam finds it from his home page, by following links.
    home = sam.get("/").get_data(as_text=True)
    linh_id = user_id(app, "linh")
    assert "Carers who share their notes with you" in home
    assert f'href="/people/{linh_id}/notes"' in home
    listing = sam.get(f"/people/{linh_id}/notes").get_data(as_text=True)
    assert f'href="/notes/{note}"' in listing
    shown = sam.get(f"/notes/{note}")
    assert shown.status_code == 200
    # The care-team section only; the just-us ones stay between Linh and Helen.
    assert "Some parts of this note are not shared with you" in shown.get_data(as_text=True)

    # Her map says so, in her words, with a way to stop it.
    sharing = linh.get("/my/sharing").get_data(as_text=True)
    assert "Carer-support notes: the parts you marked" in sharing
    row = re.search(r"Sam Rivera.*?</tr>", sharing, re.S)
    assert row is not None and "you shared with them until" in row.group(0)

    # Nothing about Alex changed for anyone: not for Sam, not for Linh.
    assert _alex_map(app) == alex_before
    alex = user_id(app, "alex")
    assert "nothing of Alex Nguyen" in linh.get(f"/people/{alex}/record").get_data(as_text=True)


def test_stopping_it_says_what_stopped_and_the_note_closes_again(app: Flask) -> None:
    note = _linh_note(app)
    linh, sam = client_as(app, "linh"), client_as(app, "sam")
    _grant(linh, f"person:{user_id(app, 'sam')}", ["peer_notes"])
    page = linh.get("/my/consent").get_data(as_text=True)
    provision = re.search(r'id="provision-(\d+)"', page)
    assert provision is not None
    done = linh.post(
        f"/my/consent/{provision.group(1)}/revoke",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "can no longer see carer-support notes through this share" in done
    assert sam.get(f"/notes/{note}").status_code == 404


def test_a_carer_cannot_share_the_consumers_information(app: Flask) -> None:
    linh_id = user_id(app, "linh")
    before = query(app, "SELECT count(*) FROM consent_directives")
    page = _grant(
        client_as(app, "linh"), f"person:{user_id(app, 'sam')}", ["diagnosis", "peer_notes"]
    ).get_data(as_text=True)
    assert "What is about the person you care for is theirs to share." in page
    assert query(app, "SELECT count(*) FROM consent_directives") == before
    refused = query(
        app,
        "SELECT subject_id FROM audit_log WHERE action = 'consent:grant' AND outcome = 'denied'"
        " AND basis = 'not_theirs_to_share' AND actor_id = :me",
        {"me": linh_id},
    )
    assert refused == [(linh_id,)]


def test_a_carer_cannot_grant_a_role_a_carer_or_a_contribution(app: Flask) -> None:
    linh = client_as(app, "linh")
    before = query(app, "SELECT count(*) FROM consent_directives")
    for grantee, act in (
        ("role:consumer_peer_worker", "read"),
        (f"person:{user_id(app, 'robert')}", "read"),
        (f"person:{user_id(app, 'sam')}", "contribute"),
    ):
        response = _grant(linh, grantee, ["peer_notes"], act)
        assert response.status_code == 200
        assert "From now on" not in response.get_data(as_text=True)
    assert query(app, "SELECT count(*) FROM consent_directives") == before


def test_changing_a_provision_not_ones_own_or_not_in_force_is_a_logged_404(app: Flask) -> None:
    alex, linh = client_as(app, "alex"), client_as(app, "linh")
    _grant(alex, f"person:{user_id(app, 'sam')}", ["care_plan"])
    # A second grant carries the first forward under a new id: the first one's id is replaced.
    _grant(alex, f"person:{user_id(app, 'sam')}", ["medication"])
    alex_page = alex.get("/my/consent").get_data(as_text=True)
    alex_provision = re.search(r'id="provision-(\d+)"', alex_page)
    assert alex_provision is not None
    with app.app_context(), get_database(app).session() as db:
        from peernotes.consent.models import ConsentProvision

        highest = db.scalar(select(ConsentProvision.id).order_by(ConsentProvision.id.desc()))
    assert highest is not None
    before = query(app, "SELECT count(*) FROM consent_directives")
    page = linh.get("/my/consent").get_data(as_text=True)
    theirs = linh.post(
        f"/my/consent/{alex_provision.group(1)}/revoke", data={"csrf_token": csrf_token(page)}
    )
    missing = linh.post(
        f"/my/consent/{highest + 100}/revoke", data={"csrf_token": csrf_token(page)}
    )
    assert theirs.status_code == missing.status_code == 404
    # Alex's own first provision: replaced by the second grant, no longer in force.
    replaced = query(
        app,
        "SELECT p.id FROM consent_provisions p JOIN consent_directives d"
        " ON d.id = p.directive_id WHERE d.subject_id = :s ORDER BY p.id",
        {"s": user_id(app, "alex")},
    )
    old = int(str(replaced[0][0]))
    assert str(old) != alex_provision.group(1)
    assert (
        alex.post(
            f"/my/consent/{old}/revoke", data={"csrf_token": csrf_token(alex_page)}
        ).status_code
        == 404
    )
    assert query(app, "SELECT count(*) FROM consent_directives") == before
    logged = query(
        app,
        "SELECT subject_id, target_id FROM audit_log WHERE action = 'consent:revoke'"
        " AND outcome = 'denied' ORDER BY seq",
    )
    alex_id = user_id(app, "alex")
    assert (alex_id, alex_provision.group(1)) in logged  # on the owner's page
    assert (None, str(highest + 100)) in logged  # about nobody
    assert (alex_id, str(old)) in logged


def _alex_grant_ending_soon(app: Flask, seconds: float) -> int:
    """A share by Alex with Sam that ends by itself `seconds` from now (through the service:
    the form's shortest is a day)."""
    from peernotes.access.decision import Act, Category, GranteeKind
    from peernotes.audit.writer import By
    from peernotes.auth.models import User
    from peernotes.auth.roles import Role
    from peernotes.consent import service as consent

    alex_id, sam_id = user_id(app, "alex"), user_id(app, "sam")
    now = utcnow()
    with app.app_context(), get_database(app).session() as db:
        provision = consent.grant(
            db,
            By(alex_id, Role.CONSUMER, "test"),
            db.get_one(User, alex_id),
            consent.Grant(
                GranteeKind.PERSON,
                sam_id,
                None,
                None,
                Act.READ,
                frozenset({Category.CARE_PLAN}),
                "for a short while",
                now,
                now + timedelta(seconds=seconds),
            ),
        )
        db.commit()
        return provision.id


def test_stopping_a_share_that_has_already_ended_is_a_404_and_changes_nothing(
    app: Flask,
) -> None:
    provision = _alex_grant_ending_soon(app, 0.3)
    time.sleep(0.4)
    alex = client_as(app, "alex")
    page = alex.get("/my/consent").get_data(as_text=True)
    # Its end is said, in words, where the person manages their consent.
    assert "Sharing your care plan with Sam Rivera (peer worker) expired." in page
    assert f'id="provision-{provision}"' not in page
    before = query(app, "SELECT count(*) FROM consent_directives")
    answer = alex.post(f"/my/consent/{provision}/revoke", data={"csrf_token": csrf_token(page)})
    assert answer.status_code == 404
    assert query(app, "SELECT count(*) FROM consent_directives") == before
    # And the map no longer lists Sam for it.
    sharing = alex.get("/my/sharing").get_data(as_text=True)
    assert "sharing your care plan with Sam Rivera" not in sharing
