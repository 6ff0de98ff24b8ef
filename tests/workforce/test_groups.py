"""Groups through their pages: setting up a group, recording sessions (coordinator and
facilitator), who reads attendance (and that each read is logged), what an attendee sees of
their own groups (never who else came), the log entries about each attendee, and bad input
that stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.test import TestResponse

from peernotes.auth.models import User
from peernotes.db import get_database
from peernotes.demo.loader import PEOPLE
from peernotes.timefmt import local_today
from peernotes.workforce.groups import service as groups
from peernotes.workforce.groups.models import Group, GroupKind, GroupSession
from tests.audit.helpers import rows
from tests.helpers import (
    app_database_url,
    client_as,
    count_rows,
    demo_email,
    post_with_token,
    user_id,
)

NAMES = {p.key: p.name for p in PEOPLE}


# The demo's groups ------------------------------------------------------------------------------


def group_objects(app: Flask) -> dict[str, int]:
    """The demo's groups and sessions, seeded here if the demo has not got them (yet): the
    DBT skills group, its older and newer session, the carer support group and its session."""
    with app.app_context(), get_database(app).session() as db:
        if db.scalar(select(Group.id).where(Group.name == "DBT skills group")) is None:
            users = {
                p.key: db.scalars(select(User).where(User.email == demo_email(p.key))).one()
                for p in PEOPLE
            }
            groups.seed_demo(db, users, "test-groups")
            db.commit()
        found = {g.name: g.id for g in db.scalars(select(Group))}
        dbt = list(
            db.scalars(
                select(GroupSession.id)
                .where(GroupSession.group_id == found["DBT skills group"])
                .order_by(GroupSession.held_on)
            )
        )
        carer = db.scalars(
            select(GroupSession.id).where(GroupSession.group_id == found["Carer support group"])
        ).first()
        db.rollback()
    assert len(dbt) == 2 and carer is not None
    return {
        "dbt_group": found["DBT skills group"],
        "dbt_first": dbt[0],
        "dbt_session": dbt[1],
        "carer_group": found["Carer support group"],
        "carer_session": carer,
    }


def group_pages(app: Flask) -> dict[str, int]:
    """Ids for the deny-by-default matrix: the carer support group, which Helen facilitates."""
    found = group_objects(app)
    return {"group_id": found["carer_group"], "group_session_id": found["carer_session"]}


@pytest.fixture
def demo(app: Flask) -> dict[str, int]:
    return group_objects(app)


# Helpers ----------------------------------------------------------------------------------------


_url = app_database_url


_client = client_as


_post = post_with_token


_count = count_rows


def _head(app: Flask) -> int:
    return int(rows(_url(app), "SELECT coalesce(max(seq), 0) FROM audit_log")[0][0])  # type: ignore[call-overload]


def _entries(app: Flask, since: int) -> list[tuple[object, ...]]:
    return rows(
        _url(app),
        "SELECT actor_id, action, subject_id, target_type, target_id, outcome, basis "
        "FROM audit_log WHERE seq > :s ORDER BY seq",
        {"s": since},
    )


def _stored(app: Flask) -> tuple[int, int, int]:
    return (
        _count(app, "peer_groups"),
        _count(app, "group_sessions"),
        _count(app, "group_participants"),
    )


def _ids(app: Flask, *keys: str) -> list[str]:
    return [str(user_id(app, k)) for k in keys]


def _today(app: Flask, days: int = 0) -> str:
    """Today (or `days` from it) in the service's time zone, as a form field has it."""
    with app.app_context():
        return (local_today() + timedelta(days=days)).isoformat()


def _yesterday(app: Flask) -> str:
    return _today(app, -1)


# The demo -----------------------------------------------------------------------------------------


def test_the_demo_has_a_dbt_group_and_a_carer_group(app: Flask, demo: dict[str, int]) -> None:
    def people(session_id: int, role: str) -> set[int]:
        return {
            int(r[0])  # type: ignore[call-overload]
            for r in rows(
                _url(app),
                "SELECT user_id FROM group_participants WHERE session_id = :s AND role = :r",
                {"s": session_id, "r": role},
            )
        }

    ids = {p.key: user_id(app, p.key) for p in PEOPLE}
    for session in ("dbt_first", "dbt_session"):
        assert people(demo[session], "facilitator") == {ids["tui"], ids["dr.walsh"]}
    assert people(demo["dbt_first"], "attendee") == {ids["alex"], ids["maya"], ids["jordan"]}
    assert people(demo["dbt_session"], "attendee") == {ids["alex"], ids["maya"]}
    assert people(demo["carer_session"], "facilitator") == {ids["helen"]}
    assert people(demo["carer_session"], "attendee") == {ids["linh"], ids["robert"]}


# Setting up and recording -------------------------------------------------------------------------


def test_a_coordinator_sets_up_a_group_and_records_a_session(app: Flask) -> None:
    admin = _client(app, "admin")
    start = _head(app)
    response = _post(
        admin,
        "/admin/groups",
        {"name": "  Mindfulness   group ", "kind": "consumer", "description": "Mondays."},
    )
    assert response.status_code == 302
    group_id = int(
        rows(_url(app), "SELECT id FROM peer_groups WHERE name = 'Mindfulness group'")[0][0]  # type: ignore[call-overload]
    )
    assert response.headers["Location"] == f"/admin/groups/{group_id}/sessions/new"
    assert _entries(app, start) == [
        (
            user_id(app, "admin"),
            "admin:group_create",
            None,
            "peer_group",
            str(group_id),
            "allowed",
            "role:admin",
        ),
    ]

    start = _head(app)
    form = admin.get(f"/admin/groups/{group_id}/sessions/new").get_data(as_text=True)
    # Consumer peer workers and clinicians facilitate a consumer group; consumers attend it.
    for key in ("sam", "tui", "dr.chen", "dr.walsh", "alex", "jordan", "maya"):
        assert NAMES[key] in form
    for key in ("helen", "linh", "robert", "auditor"):
        assert NAMES[key] not in form
    response = _post(
        admin,
        f"/admin/groups/{group_id}/sessions/new",
        {
            "held_on": _yesterday(app),
            "topic": "Wise mind",
            "facilitators": _ids(app, "sam", "dr.chen"),
            "attendees": _ids(app, "alex", "jordan"),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/groups/{group_id}"
    session_id, held_on, topic = rows(
        _url(app),
        "SELECT id, held_on, topic FROM group_sessions WHERE group_id = :g",
        {"g": group_id},
    )[0]
    assert topic == "Wise mind" and str(held_on) == _yesterday(app)
    participants = rows(
        _url(app),
        "SELECT user_id, role FROM group_participants WHERE session_id = :s ORDER BY id",
        {"s": session_id},
    )
    assert participants == [
        (user_id(app, "sam"), "facilitator"),
        (user_id(app, "dr.chen"), "facilitator"),
        (user_id(app, "alex"), "attendee"),
        (user_id(app, "jordan"), "attendee"),
    ]
    # One entry about each attendee, and none naming anyone else.
    assert _entries(app, start) == [
        (
            user_id(app, "admin"),
            "group:session_record",
            user_id(app, key),
            "group_session",
            str(session_id),
            "allowed",
            "role:admin",
        )
        for key in ("alex", "jordan")
    ]
    page = admin.get(f"/admin/groups/{group_id}").get_data(as_text=True)
    assert "Wise mind" in page and "2 attended" in page
    # The group page counts; the names are on the session page, whose every read is logged.
    assert NAMES["alex"] not in page and NAMES["jordan"] not in page


def test_a_facilitator_records_the_next_session_of_their_group(
    app: Flask, demo: dict[str, int]
) -> None:
    tui = _client(app, "tui")
    page = tui.get("/groups").get_data(as_text=True)
    assert "DBT skills group" in page and "Carer support group" not in page
    assert f"/groups/{demo['dbt_group']}/sessions/new" in page
    form = tui.get(f"/groups/{demo['dbt_group']}/sessions/new").get_data(as_text=True)
    # Tui's list: people who came to her sessions, and the consumers she supports.
    for key in ("alex", "maya", "jordan", "dr.walsh", "sam", "dr.chen"):
        assert NAMES[key] in form
    start = _head(app)
    response = _post(
        tui,
        f"/groups/{demo['dbt_group']}/sessions/new",
        {
            "held_on": _today(app),
            "topic": "Interpersonal effectiveness: DEAR MAN",
            "attendees": _ids(app, "maya", "jordan"),
        },
    )
    assert response.status_code == 302
    session_id = int(
        rows(_url(app), "SELECT max(id) FROM group_sessions")[0][0]  # type: ignore[call-overload]
    )
    assert rows(
        _url(app),
        "SELECT user_id, role FROM group_participants WHERE session_id = :s ORDER BY id",
        {"s": session_id},
    ) == [
        (user_id(app, "tui"), "facilitator"),
        (user_id(app, "maya"), "attendee"),
        (user_id(app, "jordan"), "attendee"),
    ]
    assert _entries(app, start) == [
        (
            user_id(app, "tui"),
            "group:session_record",
            user_id(app, key),
            "group_session",
            str(session_id),
            "allowed",
            "facilitator",
        )
        for key in ("maya", "jordan")
    ]
    # Dr Walsh did not facilitate this one: its attendance is not hers to read.
    assert _client(app, "dr.walsh").get(f"/groups/sessions/{session_id}").status_code == 404
    assert tui.get(f"/groups/sessions/{session_id}").status_code == 200


@pytest.mark.parametrize("key", ["sam", "dr.chen", "helen"])
def test_someone_who_never_facilitated_the_group_cannot_record_a_session(
    app: Flask, demo: dict[str, int], key: str
) -> None:
    client = _client(app, key)
    before = _stored(app)
    start = _head(app)
    path = f"/groups/{demo['dbt_group']}/sessions/new"
    assert client.get(path).status_code == 404
    response = _post(
        client, path, {"held_on": _yesterday(app), "topic": "Hi", "attendees": _ids(app, "alex")}
    )
    assert response.status_code == 404
    assert _stored(app) == before
    denied = [e for e in _entries(app, start) if e[5] == "denied"]
    assert [e[1:] for e in denied if e[3] == "peer_group"] == [
        (
            "group:session_record",
            None,
            "peer_group",
            str(demo["dbt_group"]),
            "denied",
            "not_facilitator",
        )
    ] * 2  # the form page, and the post
    # A missing group answers the same way.
    assert client.get("/groups/999999/sessions/new").status_code == 404


# Who reads attendance -----------------------------------------------------------------------------

#: The DBT group's newer session (Tui and Dr Walsh; Alex and Maya came): who gets what.
FACILITATOR_PAGE = {
    "tui": 200,
    "dr.walsh": 200,
    "sam": 404,
    "dr.chen": 404,
    "helen": 404,
    "admin": 403,
    "auditor": 403,
    "alex": 403,
    "maya": 403,
    "jordan": 403,
    "linh": 403,
    "robert": 403,
}
ATTENDEES = ("alex", "maya")


def _shows_attendees(response: TestResponse, viewer: str) -> bool:
    """Whether any attendee's name is on the page (the viewer's own name is in the header)."""
    body = response.get_data(as_text=True)
    return any(NAMES[k] in body for k in ATTENDEES if k != viewer)


@pytest.mark.parametrize("key", sorted(FACILITATOR_PAGE))
def test_the_session_page_shows_attendance_only_to_its_facilitators_and_coordinators(
    app: Flask, demo: dict[str, int], key: str
) -> None:
    client = _client(app, key)
    session_id = demo["dbt_session"]
    start = _head(app)
    response = client.get(f"/groups/sessions/{session_id}")
    assert response.status_code == FACILITATOR_PAGE[key]
    assert _shows_attendees(response, key) is (FACILITATOR_PAGE[key] == 200)
    admin_page = client.get(f"/admin/groups/sessions/{session_id}")
    assert admin_page.status_code == (200 if key == "admin" else 403)
    assert _shows_attendees(admin_page, key) is (key == "admin")
    # Every attempt is on record: allowed reads by their basis, refusals as denied.
    reads = [e for e in _entries(app, start) if e[3] in ("group_attendance", "route")]
    actor = user_id(app, key)
    expected = []
    if FACILITATOR_PAGE[key] == 200:
        # One entry about each attendee.
        expected.extend([("allowed", "facilitator")] * len(ATTENDEES))
    elif FACILITATOR_PAGE[key] == 404:
        expected.append(("denied", "not_facilitator"))
    else:
        expected.append(("denied", "no_permission"))
    if key == "admin":
        expected.extend([("allowed", "role:admin")] * len(ATTENDEES))
    else:
        expected.append(("denied", "no_permission"))
    assert [(e[5], e[6]) for e in reads] == expected
    attendees = {user_id(app, k) for k in ATTENDEES}
    assert all(e[0] == actor for e in reads)
    # Allowed reads are about each attendee, once; refusals are about no one.
    assert sorted(e[2] for e in reads if e[5] == "allowed") == sorted(
        list(attendees) * (len([x for x in expected if x[0] == "allowed"]) // len(ATTENDEES))
    )
    assert all(e[2] is None for e in reads if e[5] == "denied")
    assert all(e[4] == str(session_id) for e in reads if e[3] == "group_attendance")
    assert all(e[1] == "group:session_read" for e in reads if e[3] == "group_attendance")


def test_a_missing_session_answers_like_a_refused_one(app: Flask, demo: dict[str, int]) -> None:
    sam = _client(app, "sam")
    start = _head(app)
    assert sam.get("/groups/sessions/999999").status_code == 404
    assert sam.get(f"/groups/sessions/{demo['dbt_session']}").status_code == 404
    assert [(e[4], e[5], e[6]) for e in _entries(app, start)] == [
        ("999999", "denied", "not_found"),
        (str(demo["dbt_session"]), "denied", "not_facilitator"),
    ]


@pytest.mark.parametrize(
    ("key", "path", "status"),
    [
        ("tui", "/groups", 200),
        ("dr.walsh", "/groups", 200),
        ("helen", "/groups", 200),
        ("sam", "/groups", 200),
        ("admin", "/admin/groups", 200),
        ("admin", "/admin/groups/{dbt_group}", 200),
        ("alex", "/my/groups", 200),
        ("maya", "/my/groups", 200),
        ("jordan", "/my/groups", 200),
        ("alex", "/groups", 403),
        ("tui", "/my/groups", 403),
        ("tui", "/admin/groups/{dbt_group}", 403),
    ],
)
def test_lists_never_name_attendees(
    app: Flask, demo: dict[str, int], key: str, path: str, status: int
) -> None:
    response = _client(app, key).get(path.format(**demo))
    assert response.status_code == status
    body = response.get_data(as_text=True)
    for other in ("alex", "maya", "jordan", "linh", "robert"):
        if other != key:
            assert NAMES[other] not in body, (key, path, other)


def test_an_attendee_sees_only_the_groups_they_attended(app: Flask, demo: dict[str, int]) -> None:
    alex = _client(app, "alex").get("/my/groups").get_data(as_text=True)
    assert "Distress tolerance: TIPP skills" in alex
    assert "Emotion regulation: checking the facts" in alex
    assert NAMES["tui"] in alex and NAMES["dr.walsh"] in alex
    assert "Carer support group" not in alex
    jordan = _client(app, "jordan").get("/my/groups").get_data(as_text=True)
    assert "Distress tolerance: TIPP skills" in jordan
    assert "Emotion regulation: checking the facts" not in jordan
    linh = _client(app, "linh").get("/my/groups").get_data(as_text=True)
    assert "Looking after yourself while you care" in linh and NAMES["helen"] in linh
    assert "DBT skills group" not in linh
    assert NAMES["robert"] not in linh
    robert = _client(app, "robert").get("/my/groups").get_data(as_text=True)
    assert "Carer support group" in robert and NAMES["linh"] not in robert


def test_attendees_read_the_recording_in_their_own_access_log(
    app: Flask, demo: dict[str, int]
) -> None:
    tui = _client(app, "tui")
    response = _post(
        tui,
        f"/groups/{demo['dbt_group']}/sessions/new",
        {
            "held_on": _yesterday(app),
            "topic": "Mindfulness: what skills",
            "attendees": _ids(app, "jordan"),
        },
    )
    assert response.status_code == 302
    log = _client(app, "jordan").get("/my/access-log").get_data(as_text=True)
    assert f"{NAMES['tui']} (peer worker) recorded that you attended a group session" in log
    assert "because they facilitated it" in log
    # The topic, like any content, is not in the log.
    assert "Mindfulness: what skills" not in log
    assert not rows(_url(app), "SELECT seq FROM audit_log WHERE basis LIKE '%Mindfulness%'")


# Bad input stores nothing ---------------------------------------------------------------------------


BAD_SESSIONS: list[tuple[str, dict[str, object], str]] = [
    ("no topic", {"topic": "   "}, "Give the session"),
    ("topic too long", {"topic": "x" * 201}, "keep it to 200 or fewer"),
    ("no date", {"held_on": ""}, "Give the date of the session."),
    ("not a date", {"held_on": "next Tuesday"}, "Enter a date, for example 2026-05-03."),
    ("a future date", {"held_on": "+1"}, "today or a day in the past"),
    ("a date years ago", {"held_on": "-400"}, "more than 366 days ago; check the year"),
    ("no facilitator", {"facilitators": []}, "Choose who facilitated the session."),
    ("no attendee", {"attendees": []}, "Tick who came."),
    (
        "a carer in a consumer group",
        {"attendees": ["linh"]},
        "is a carer, and this is a group for consumers",
    ),
    ("a carer peer worker facilitating it", {"facilitators": ["helen"]}, "is a carer peer worker"),
    (
        "a consumer facilitating it",
        {"facilitators": ["maya"], "attendees": ["alex"]},
        "is a consumer;",
    ),
    (
        "the same person facilitating and attending",
        {"facilitators": ["sam", "maya"]},
        "is ticked both",
    ),
    ("an unknown person", {"attendees": ["999999"]}, "We could not find one of the people"),
    ("not a person id", {"facilitators": ["sam", "x"]}, "We could not find one of the people"),
]


@pytest.mark.parametrize(
    ("case", "change", "message"), BAD_SESSIONS, ids=[c[0] for c in BAD_SESSIONS]
)
def test_a_bad_session_is_refused_with_a_clear_message_and_nothing_stored(
    app: Flask, demo: dict[str, int], case: str, change: dict[str, object], message: str
) -> None:
    data: dict[str, object] = {
        "held_on": _yesterday(app),
        "topic": "Wise mind",
        "facilitators": ["sam"],
        "attendees": ["alex", "maya"],
    }
    data.update(change)
    if data["held_on"] in ("+1", "-400"):
        data["held_on"] = _today(app, int(str(data["held_on"])))
    for name in ("facilitators", "attendees"):
        people = data[name]
        assert isinstance(people, list)
        data[name] = [str(user_id(app, p)) if p in NAMES else p for p in people]
    admin = _client(app, "admin")
    before = _stored(app)
    start = _head(app)
    response = _post(admin, f"/admin/groups/{demo['dbt_group']}/sessions/new", data)  # type: ignore[arg-type]
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _stored(app) == before
    assert _entries(app, start) == []


def test_a_facilitator_cannot_record_someone_outside_their_list(
    app: Flask, demo: dict[str, int]
) -> None:
    # Linh is a carer, and neither came to Tui's sessions nor is supported by her: to Tui she
    # is no one, so the refusal says nothing about who she is.
    tui = _client(app, "tui")
    before = _stored(app)
    response = _post(
        tui,
        f"/groups/{demo['dbt_group']}/sessions/new",
        {"held_on": _yesterday(app), "topic": "Wise mind", "attendees": _ids(app, "alex", "linh")},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "We could not find one of the people chosen" in body
    assert NAMES["linh"] not in body
    assert _stored(app) == before


BAD_GROUPS: list[tuple[str, dict[str, str], str]] = [
    ("no name", {"name": "  "}, "Give the group a name"),
    ("name too long", {"name": "x" * 121}, "120 characters or fewer"),
    ("a name in use", {"name": "dbt SKILLS group"}, "There is already a group called"),
    ("no kind", {"kind": ""}, "Choose who the group is for"),
    ("an unknown kind", {"kind": "clinician"}, "Choose who the group is for"),
    ("description too long", {"description": "x" * 501}, "500 characters or fewer"),
]


@pytest.mark.parametrize(("case", "change", "message"), BAD_GROUPS, ids=[c[0] for c in BAD_GROUPS])
def test_a_bad_group_is_refused_with_a_clear_message_and_nothing_stored(
    app: Flask, demo: dict[str, int], case: str, change: dict[str, str], message: str
) -> None:
    admin = _client(app, "admin")
    before = _stored(app)
    start = _head(app)
    data = {"name": "Art group", "kind": "consumer", "description": "", **change}
    response = _post(admin, "/admin/groups", data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _stored(app) == before
    assert _entries(app, start) == []


def test_a_name_in_use_is_refused_whatever_its_letters(app: Flask, demo: dict[str, int]) -> None:
    # SQLite's lower() folds ASCII only: the check is made in Python, so this is a message,
    # not a failed insert.
    admin = _client(app, "admin")
    assert (
        _post(admin, "/admin/groups", {"name": "Übungsgruppe", "kind": "consumer"}).status_code
        == 302
    )
    before = _stored(app)
    for name in ("Übungsgruppe", "übungsgruppe", "ÜBUNGSGRUPPE"):
        response = _post(admin, "/admin/groups", {"name": name, "kind": "consumer"})
        assert response.status_code == 200, name
        assert "There is already a group called" in response.get_data(as_text=True)
    assert _stored(app) == before


def test_only_coordinators_set_up_groups_in_the_service(app: Flask) -> None:
    """The service refuses by itself too, not only the page's permission."""
    from peernotes.audit.writer import By
    from peernotes.auth.roles import Role

    with app.app_context(), get_database(app).session() as db:
        with pytest.raises(groups.GroupError):
            groups.create_group(
                db, By(user_id(app, "tui"), Role.CONSUMER_PEER_WORKER, "t"), "Mine", "consumer"
            )
        assert db.scalar(select(Group.id).where(Group.name == "Mine")) is None
        db.rollback()
    assert GroupKind.CONSUMER in groups.ATTENDEE_ROLE


def test_the_group_tables_hold_no_text_about_people(app: Flask) -> None:
    """Attendance and the topic only: no column for notes about anyone."""
    from sqlalchemy import inspect

    found = inspect(get_database(app).engine)
    assert [c["name"] for c in found.get_columns("group_participants")] == [
        "id",
        "session_id",
        "user_id",
        "role",
    ]
    assert [c["name"] for c in found.get_columns("group_sessions")] == [
        "id",
        "group_id",
        "held_on",
        "topic",
        "created_by_id",
        "created_at",
    ]


def test_an_attendee_sees_who_looked_at_the_attendance(app: Flask, demo: dict[str, int]) -> None:
    tui = _client(app, "tui")
    assert tui.get(f"/groups/sessions/{demo['dbt_session']}").status_code == 200
    own = _client(app, "alex").get("/my/access-log").get_data(as_text=True)
    assert "looked at who attended a group session you went to" in own
    # Jordan did not come to that session: nothing about it on his page.
    jordan = _client(app, "jordan").get("/my/access-log").get_data(as_text=True)
    assert "looked at who attended" not in jordan
