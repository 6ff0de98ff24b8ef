"""Every route declares its permission; nothing is public unless it is on the explicit list."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from peernotes.auth.roles import Permission, Role
from peernotes.web.routes import PUBLIC, PUBLIC_ENDPOINTS, declared_permission
from tests.helpers import demo_email, sign_in, user_id


def test_every_route_declares_a_permission(app: Flask) -> None:
    undeclared = []
    public = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            public.add("static")
            continue
        permission = declared_permission(app.view_functions[rule.endpoint])
        if permission is None:
            undeclared.append(rule.rule)
        elif permission == PUBLIC:
            public.add(rule.endpoint)
        else:
            assert isinstance(permission, Permission), rule.rule
    assert undeclared == [], f"routes without a declared permission: {undeclared}"
    assert public == set(PUBLIC_ENDPOINTS), "public routes differ from the explicit list"


def test_an_undeclared_route_is_refused_at_request_time(app: Flask) -> None:
    @app.route("/forgot-to-guard")
    def forgot_to_guard() -> str:
        return "secret"

    response = app.test_client().get("/forgot-to-guard")
    assert response.status_code == 403
    assert b"secret" not in response.data


# What each role gets from each GET page (200, a redirect, 403 by permission, or 404 where the
# consent decision withholds: a withheld record answers exactly like a missing one).
# Rules are written as routes; the matrix fills in Alex's id and the id of one of his entries.
ALL = set(Role)


def only(*roles: Role, **others: int) -> dict[Role, int]:
    statuses = {role: 200 if role in roles else 403 for role in Role}
    statuses.update({Role(k): v for k, v in others.items()})
    return statuses


PAGES: dict[str, dict[Role, int]] = {
    # Choosing a peer worker; the handover is the demo's (Jordan's change from Sam to Tui,
    # written by Sam): Sam reads what he wrote, and nobody else here may.
    "/my/profile": only(Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER),
    "/my/peer-worker": only(Role.CONSUMER, Role.CARER),
    "/my/peer-worker/preferences": only(Role.CONSUMER, Role.CARER),
    "/admin/worker-requests": only(Role.ADMIN),
    "/admin/worker-requests/<int:request_id>": only(Role.ADMIN),
    "/handover/<int:request_id>": only(
        Role.CONSUMER_PEER_WORKER, consumer=404, carer=404, carer_peer_worker=404, clinician=404
    ),
    "/handover/<int:request_id>/write": only(Role.CONSUMER_PEER_WORKER, carer_peer_worker=404),
    "/": only(*ALL),
    "/account/password": only(*ALL),
    "/account/sessions": only(*ALL),
    "/account/tokens": only(*ALL),
    "/account/mfa": only(*ALL),
    # The demo's staff are enrolled already (their roles require it): sent to their settings.
    "/account/mfa/enrol": only(*ALL, admin=302, auditor=302, clinician=302),
    "/my/carers": only(Role.CONSUMER),
    "/my/sharing": only(Role.CONSUMER, Role.CARER),
    "/my/consent": only(Role.CONSUMER, Role.CARER),
    "/my/record": only(
        consumer=302, carer=302, consumer_peer_worker=302, carer_peer_worker=302, clinician=302
    ),
    # The carer is Linh, whom Alex named: his record page opens for her, kindly empty. The
    # consumer peer worker is Sam, with whom Alex shares his letters (the demo's share).
    "/people/<int:subject_id>/record": only(
        Role.CONSUMER, Role.CLINICIAN, Role.CARER, Role.CONSUMER_PEER_WORKER, carer_peer_worker=404
    ),
    "/people/<int:subject_id>/record/<int:entry_id>": only(
        Role.CONSUMER, Role.CLINICIAN, carer=404, consumer_peer_worker=404, carer_peer_worker=404
    ),
    "/people/<int:subject_id>/record/new": only(Role.CLINICIAN),
    "/admin/accounts": only(Role.ADMIN),
    # Retention and erasure: the person's own page; the pending requests, without content.
    "/my/erasure": only(Role.CONSUMER, Role.CARER),
    "/erasure-requests": only(Role.ADMIN, Role.AUDITOR),
    "/admin/teams": only(Role.ADMIN),
    "/admin/teams/<int:team_id>": only(Role.ADMIN),
    "/admin/assignments": only(Role.ADMIN),
    "/my/access-log": only(Role.CONSUMER, Role.CARER),
    # "Download my information": the page that explains it (the copy itself is its POST).
    "/my/information": only(Role.CONSUMER, Role.CARER),
    "/audit": only(Role.AUDITOR),
    "/audit/entries/<int:seq>": only(Role.AUDITOR),
    "/audit/export.csv": only(Role.AUDITOR),
    "/audit/insight": only(Role.AUDITOR),
    "/audit/emergency": only(Role.AUDITOR),
    "/audit/emergency/<int:access_id>": only(Role.AUDITOR),
    "/emergency": only(Role.CLINICIAN),
    "/people/<int:subject_id>/safety": only(Role.CLINICIAN),
    "/my/consent/preview": only(Role.CONSUMER, Role.CARER),
    "/admin/training": only(Role.ADMIN),
    "/people/<int:subject_id>/consent": only(Role.CONSUMER_PEER_WORKER, Role.CLINICIAN),
    "/notes": only(
        Role.CONSUMER, Role.CARER, Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER, Role.CLINICIAN
    ),
    # Alex's shared note, by Sam: some parts for the care team, one for just the two of them.
    "/notes/<int:note_id>": only(
        Role.CONSUMER, Role.CONSUMER_PEER_WORKER, Role.CLINICIAN, carer=404, carer_peer_worker=404
    ),
    "/people/<int:subject_id>/notes/new": only(Role.CONSUMER_PEER_WORKER, carer_peer_worker=404),
    "/people/<int:subject_id>/timeline": only(
        Role.CONSUMER, Role.CONSUMER_PEER_WORKER, Role.CLINICIAN, carer=404, carer_peer_worker=404
    ),
    "/people/<int:subject_id>/notes": only(
        Role.CLINICIAN, consumer=302, carer=404, consumer_peer_worker=404, carer_peer_worker=404
    ),
    # Risk concerns: the demo's, raised by Sam about Alex and co-signed by Dr Chen.
    "/people/<int:subject_id>/risk/new": only(Role.CONSUMER_PEER_WORKER, carer_peer_worker=404),
    "/risk/<int:concern_id>": only(
        Role.CONSUMER, Role.CONSUMER_PEER_WORKER, Role.CLINICIAN, carer=404, carer_peer_worker=404
    ),
    "/risk": only(Role.CLINICIAN),
    "/my/concerns": only(Role.CONSUMER, Role.CARER),
    # Groups: the demo's carer support group, facilitated by Helen (Linh and Robert came).
    "/admin/groups": only(Role.ADMIN),
    "/admin/groups/<int:group_id>": only(Role.ADMIN),
    "/admin/groups/<int:group_id>/sessions/new": only(Role.ADMIN),
    "/admin/groups/sessions/<int:group_session_id>": only(Role.ADMIN),
    "/admin/settings": only(Role.ADMIN),
    "/groups": only(Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER, Role.CLINICIAN),
    "/groups/sessions/<int:group_session_id>": only(
        Role.CARER_PEER_WORKER, consumer_peer_worker=404, clinician=404
    ),
    "/groups/<int:group_id>/sessions/new": only(
        Role.CARER_PEER_WORKER, consumer_peer_worker=404, clinician=404
    ),
    "/my/groups": only(Role.CONSUMER, Role.CARER),
    "/admin/supervision": only(Role.ADMIN),
    # Supervision: Dr Chen supervises Sam; the session is the demo's, Dr Chen's with Sam.
    "/supervision": only(Role.CLINICIAN),
    "/supervision/workers/<int:worker_id>": only(Role.CLINICIAN),
    "/supervision/workers/<int:worker_id>/sessions/new": only(Role.CLINICIAN),
    "/supervision/sessions/<int:supervision_session_id>": only(Role.CLINICIAN),
    "/my/supervision": only(Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER),
    "/my/supervision/<int:supervision_session_id>": only(
        Role.CONSUMER_PEER_WORKER, carer_peer_worker=404
    ),
    "/admin/training/import": only(Role.ADMIN),
    "/my/training": only(Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER),
    # Support agreements: the demo's, between Sam and Alex (Dr Chen supervises Sam).
    "/people/<int:subject_id>/agreement": only(
        Role.CONSUMER_PEER_WORKER, consumer=404, carer=404, carer_peer_worker=404, clinician=404
    ),
    "/agreements/<int:agreement_id>": only(
        Role.CONSUMER, Role.CONSUMER_PEER_WORKER, Role.CLINICIAN, carer=404, carer_peer_worker=404
    ),
    "/my/agreements": only(
        Role.CONSUMER, Role.CARER, Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER, Role.CLINICIAN
    ),
    # Either of the two suggests a change; the supervisor reads it but is refused this (403).
    "/agreements/<int:agreement_id>/change": only(
        Role.CONSUMER, Role.CONSUMER_PEER_WORKER, carer=404, carer_peer_worker=404
    ),
    "/contacts": only(Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER),
    # Notifications: everyone has their own list; the one opened is one of Alex's (the demo's).
    "/notifications": only(*ALL),
    "/notifications/settings": only(*ALL),
    "/notifications/<int:notification_id>": only(
        **{role.value: 404 for role in Role if role is not Role.CONSUMER}, consumer=302
    ),
    # "My wishes": Alex's list (his own, and his care team's: Sam and Dr Chen); the statement
    # is the demo's, Maya's, which none of the people here supports (Tui and Dr Walsh do).
    "/my/wishes": only(consumer=302),
    "/my/wishes/new": only(Role.CONSUMER),
    "/people/<int:subject_id>/wishes": only(
        Role.CONSUMER, Role.CONSUMER_PEER_WORKER, Role.CLINICIAN
    ),
    "/wishes/<int:wish_id>": only(consumer=404, consumer_peer_worker=404, clinician=404),
    "/wishes/<int:wish_id>/edit": only(consumer=404, consumer_peer_worker=404),
    # Issue 17: the service's language list and the carer peer workers' on-call times.
    "/admin/language": only(Role.ADMIN),
    "/admin/on-call": only(Role.ADMIN),
    # Wellbeing: the concern is the demo's, Tui's with the coordinator (not Sam's, not Dr Chen's).
    "/my/wellbeing": only(Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER),
    "/my/wellbeing/concerns/new": only(Role.CONSUMER_PEER_WORKER, Role.CARER_PEER_WORKER),
    "/my/wellbeing/concerns/<int:workplace_concern_id>": only(
        consumer_peer_worker=404, carer_peer_worker=404
    ),
    "/wellbeing/concerns": only(Role.CLINICIAN, Role.ADMIN),
    "/wellbeing/concerns/<int:workplace_concern_id>": only(Role.ADMIN, clinician=404),
    # About me: the demo's Alex shared his with Sam alone; only he writes his own. His care
    # assignment gives Dr Chen nothing of it (shared only by consent).
    "/my/about-me": only(Role.CONSUMER, Role.CARER),
    "/people/<int:subject_id>/about-me": only(
        Role.CONSUMER_PEER_WORKER, carer=404, carer_peer_worker=404, clinician=404
    ),
    # Skills and resources: Alex keeps his with Sam (his peer worker); nobody else reads it.
    "/my/skills": only(
        consumer=302, carer=302, consumer_peer_worker=404, carer_peer_worker=404, clinician=404
    ),
    "/people/<int:subject_id>/skills": only(
        Role.CONSUMER, Role.CONSUMER_PEER_WORKER, carer=404, carer_peer_worker=404, clinician=404
    ),
    "/skills/<int:skill_item_id>/change": only(
        Role.CONSUMER, Role.CONSUMER_PEER_WORKER, carer=404, carer_peer_worker=404, clinician=404
    ),
}

DEMO_BY_ROLE = {
    Role.CONSUMER: "alex",
    Role.CARER: "linh",
    Role.CONSUMER_PEER_WORKER: "sam",
    Role.CARER_PEER_WORKER: "helen",
    Role.CLINICIAN: "dr.chen",
    Role.AUDITOR: "auditor",
    Role.ADMIN: "admin",
}


def _path(app: Flask, rule: str) -> str:
    from peernotes.db import get_database
    from peernotes.records.models import RecordEntry

    alex = user_id(app, "alex")
    sam = user_id(app, "sam")
    jordan = user_id(app, "jordan")
    from peernotes.notes.models import Note

    with app.app_context(), get_database(app).session() as session:
        entry = session.scalar(select(RecordEntry.id).where(RecordEntry.subject_id == alex))
        note = session.scalar(
            select(Note.id).where(Note.subject_id == alex, Note.state == "shared")
        )
        from peernotes.risk.models import RiskConcern

        concern = session.scalar(select(RiskConcern.id).where(RiskConcern.subject_id == alex))
        from peernotes.supervision.models import SupervisionSession

        supervision_session = session.scalar(
            select(SupervisionSession.id).where(SupervisionSession.worker_id == sam)
        )
        from peernotes.workforce.choosing.models import WorkerRequest

        worker_request = session.scalar(
            select(WorkerRequest.id).where(WorkerRequest.subject_id == jordan)
        )
    values = {
        "subject_id": alex,
        "entry_id": entry,
        "team_id": 1,
        "seq": 1,
        "access_id": 1,
        "note_id": note,
        "concern_id": concern,
        "worker_id": sam,
        "supervision_session_id": supervision_session,
        "request_id": worker_request,
    }
    from tests.workforce.test_groups import group_pages

    values.update(group_pages(app))
    from tests.workforce.test_agreements import agreement_pages

    values.update(agreement_pages(app))
    from tests.notifications.test_notifications import first_notification

    values["notification_id"] = first_notification(app, "alex")
    from tests.wishes.test_wishes import wish_pages

    values.update(wish_pages(app))
    from tests.workforce.test_wellbeing import demo_concern

    values["workplace_concern_id"] = demo_concern(app)
    from tests.skills.test_skills import first_item

    values["skill_item_id"] = first_item(app, "alex")
    return re.sub(r"<int:(\w+)>", lambda m: str(values[m.group(1)]), rule)


#: The APIs' routes: their own matrix (`tests/api/test_api_matrix.py`) takes each one's
#: expected status from the page in PAGES that shows the same thing.
API_PREFIXES = ("/api/", "/fhir")


def test_every_get_page_is_in_the_matrix(app: Flask) -> None:
    """A new page must be added to PAGES, so its access rule is tested for every role."""
    gets = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set())
        and rule.endpoint not in PUBLIC_ENDPOINTS
        and not rule.rule.startswith(API_PREFIXES)
    }
    assert gets == set(PAGES)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_access_matrix(app: Flask, role: Role) -> None:
    client = app.test_client()
    assert sign_in(client, demo_email(DEMO_BY_ROLE[role])).status_code == 302
    for rule, statuses in PAGES.items():
        path = _path(app, rule)
        status = client.get(path).status_code
        assert status == statuses[role], (
            f"{role.value} GET {path}: {status}, expected {statuses[role]}"
        )


@pytest.mark.parametrize("rule", sorted(PAGES))
def test_signed_out_visitors_are_sent_to_sign_in(app: Flask, client, rule: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(_path(app, rule))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "path",
    [
        "/logout",
        "/my/carers",
        "/my/carers/1/end",
        "/admin/accounts",
        "/admin/accounts/2/deactivate",
        "/admin/assignments/1/end",
        "/admin/teams/1/deactivate",
        "/account/sessions/1/end",
        "/account/sessions/end-others",
        "/admin/accounts/2/sessions/end",
    ],
)
def test_signed_out_posts_change_nothing(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.post(path)
    assert response.status_code in (302, 400)
    assert response.status_code != 200
