"""Carer peer workers on call (issue 17): the weekly windows against the service's local time
(midnight, the end of the week, clocks changing), who is on call now and who is next, the
carer's home beside the crisis lines, who may read the roster, and the coordinator's page
(changes logged about the worker, bad input stores nothing, nobody else may change it).

The service's zone here is Melbourne's, not UTC, so a time mixed up between the two shows."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from peernotes.audit.writer import By
from peernotes.auth.models import User
from peernotes.auth.roles import Role
from peernotes.db import get_database, utcnow
from peernotes.demo.language_oncall import HELEN_REACH
from peernotes.workforce.oncall import schedule
from peernotes.workforce.oncall import service as oncall
from peernotes.workforce.oncall.models import OnCallSlot
from peernotes.workforce.oncall.schedule import Window
from tests.helpers import client_as, count_rows, last_entry, post_with_token, user_id

ZONE = "Australia/Melbourne"
MELBOURNE = ZoneInfo(ZONE)
MON, TUE, WED, SAT, SUN = 0, 1, 2, 5, 6


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"timezone": ZONE}


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment in Melbourne in the week of Monday 7 December 2026 (`day` 0 is Monday)."""
    return datetime(2026, 12, 7 + day, hour, minute, second, tzinfo=MELBOURNE)


def hm(hours: int, minutes: int = 0) -> int:
    return hours * 60 + minutes


# The windows, pure ------------------------------------------------------------------------------


def test_a_window_covers_its_start_and_not_its_end() -> None:
    evening = Window(TUE, hm(18), hm(22))
    assert not schedule.covers(evening, at(TUE, 17, 59, 59))
    assert schedule.covers(evening, at(TUE, 18))
    assert schedule.covers(evening, at(TUE, 21, 59, 59))
    assert not schedule.covers(evening, at(TUE, 22))
    assert not schedule.covers(evening, at(WED, 19))


def test_an_overnight_window_runs_past_midnight_into_the_next_day() -> None:
    night = Window(TUE, hm(22), hm(6))
    assert night.crosses_midnight and night.length == hm(8)
    assert not schedule.covers(night, at(TUE, 21, 59))
    assert schedule.covers(night, at(TUE, 23, 59))
    assert schedule.covers(night, at(WED, 0))
    assert schedule.covers(night, at(WED, 5, 59))
    assert not schedule.covers(night, at(WED, 6))
    # The same hours the morning before belong to Monday night's window, not this one.
    assert not schedule.covers(night, at(TUE, 3))
    assert schedule.on_call_until([night], at(WED, 1)) == at(WED, 6)


def test_sunday_night_wraps_into_monday_morning() -> None:
    night = Window(SUN, hm(20), hm(8))
    assert schedule.covers(night, at(SUN, 23))
    monday_after = at(SUN, 0) + timedelta(days=1, hours=3)  # Monday 14 December, 03:00
    assert monday_after.weekday() == MON
    assert schedule.covers(night, monday_after)
    # Monday 7 December, 03:00: the previous Sunday's night.
    assert schedule.covers(night, at(MON, 3))
    assert schedule.on_call_until([night], at(MON, 3)) == at(MON, 8)
    assert not schedule.covers(night, at(MON, 8))


def test_midnight_at_the_end_of_the_day_is_24_00() -> None:
    late = Window(MON, hm(18), hm(24))
    assert not late.crosses_midnight
    assert schedule.covers(late, at(MON, 23, 59, 59))
    assert not schedule.covers(late, at(TUE, 0))
    assert schedule.on_call_until([late], at(MON, 20)) == at(TUE, 0)


def test_the_next_start_is_strictly_later_and_wraps_the_week() -> None:
    monday = Window(MON, hm(9), hm(17))
    assert schedule.next_start(monday, at(SAT, 12)) == at(MON, 9) + timedelta(days=7)
    assert schedule.next_start(monday, at(MON, 8, 59)) == at(MON, 9)
    # At the very start, the next start is next week's.
    assert schedule.next_start(monday, at(MON, 9)) == at(MON, 9) + timedelta(days=7)


def test_windows_that_meet_read_as_one_stretch() -> None:
    windows = [Window(MON, 0, hm(24)), Window(TUE, 0, hm(9)), Window(TUE, hm(12), hm(13))]
    assert schedule.on_call_until(windows, at(MON, 10)) == at(TUE, 9)
    all_week = [Window(day, 0, hm(24)) for day in range(7)]
    assert schedule.covers(all_week[TUE], at(TUE, 10))
    assert schedule.on_call_until(all_week, at(TUE, 10)) is None


def test_a_window_keeps_its_wall_clock_hours_when_the_clocks_change() -> None:
    # Melbourne's clocks go back an hour at 03:00 on Sunday 5 April 2026.
    evening = Window(SUN, hm(18), hm(22))
    saturday = datetime(2026, 4, 4, 12, tzinfo=MELBOURNE)
    start = schedule.next_start(evening, saturday)
    assert (start.day, start.hour, start.minute) == (5, 18, 0)
    assert start.utcoffset() == timedelta(hours=10)


@given(
    weekday=st.integers(0, 6),
    start=st.integers(0, 1439),
    end=st.integers(1, 1440),
    minute_of_week=st.integers(0, 7 * 1440 - 1),
)
def test_covering_agrees_with_minutes_of_the_week(
    weekday: int, start: int, end: int, minute_of_week: int
) -> None:
    """Counted another way: a moment is covered when it falls within `length` minutes after
    the window's start, around a week of 10,080 minutes."""
    if end == start:
        return  # refused by the service: not a window
    window = Window(weekday, start, end)
    moment = at(MON, 0) + timedelta(minutes=minute_of_week)
    since_start = (minute_of_week - (weekday * 1440 + start)) % (7 * 1440)
    assert schedule.covers(window, moment) is (since_start < window.length)
    if schedule.covers(window, moment):
        until = schedule.on_call_until([window], moment)
        assert until is not None and until > moment
        assert until - moment == timedelta(minutes=window.length - since_start)
    else:
        assert moment < schedule.next_start(window, moment) <= moment + timedelta(days=7)


@pytest.mark.parametrize(
    ("text", "end", "minutes"),
    [
        ("18:00", False, hm(18)),
        ("9:30", False, hm(9, 30)),
        ("00:00", False, 0),
        ("24:00", True, hm(24)),
        ("24:00", False, None),
        ("24:01", True, None),
        ("18:60", False, None),
        ("18", False, None),
        ("6pm", False, None),
        ("１８:００", False, None),
        ("", False, None),
    ],
)
def test_times_are_read_as_24_hour_clock_times(text: str, end: bool, minutes: int | None) -> None:
    assert schedule.parse_clock(text, end=end) == minutes


def test_times_near_now_in_words() -> None:
    now = at(TUE, 10)
    assert schedule.in_words(at(TUE, 22), now) == "22:00"
    assert schedule.in_words(at(WED, 9), now) == "tomorrow at 09:00"
    assert schedule.in_words(at(SAT, 9), now) == "Saturday at 09:00"


# Who is on call, in the service -----------------------------------------------------------------


def _replace_roster(app: Flask, slots: list[tuple[str, int, str, str]]) -> None:
    """End every on-call time, then add these (worker key, weekday, start, end)."""
    coordinator = user_id(app, "admin")
    workers = {key: user_id(app, key) for key in {s[0] for s in slots}}
    with app.app_context(), get_database(app).session() as db:
        by = By(coordinator, Role.ADMIN, "test-oncall")
        for slot in db.scalars(select(OnCallSlot).where(OnCallSlot.ended_at.is_(None))):
            oncall.end_slot(db, by, slot.id)
        for key, day, start, end in slots:
            oncall.add_slot(db, by, workers[key], str(day), start, end, f"{key}'s phone")
        db.commit()


def _now_for(app: Flask, key: str, role: Role, moment: datetime) -> oncall.OnCallNow | None:
    who = user_id(app, key)
    with app.app_context(), get_database(app).session() as db:
        found = oncall.on_call(db, By(who, role, "test-oncall"), moment)
        db.rollback()
    return found


def test_the_demo_has_helen_on_call_whenever_it_is_opened(app: Flask) -> None:
    for moment in (utcnow().astimezone(MELBOURNE), at(SUN, 23, 59), at(MON, 0)):
        found = _now_for(app, "linh", Role.CARER, moment)
        assert found is not None
        # Round the clock: "all week", no end time.
        assert [(p.name, p.reach, p.until) for p in found.now] == [("Helen Costa", HELEN_REACH, "")]


def test_on_call_now_until_when_and_the_next_one(app: Flask) -> None:
    _replace_roster(app, [("helen", TUE, "18:00", "22:00"), ("helen", SUN, "22:00", "06:00")])
    evening = _now_for(app, "linh", Role.CARER, at(TUE, 21, 30))
    assert evening is not None and [p.until for p in evening.now] == ["22:00"]
    assert evening.next is None
    after = _now_for(app, "linh", Role.CARER, at(TUE, 22))
    assert after is not None and after.now == []
    assert after.next is not None and after.next.starts == at(SUN, 22)
    assert after.next.starts_words == "Sunday at 22:00"
    # Sunday night, past midnight: still on call, until Monday 06:00 ("tomorrow" no more).
    night = _now_for(app, "linh", Role.CARER, at(MON, 5, 59))
    assert night is not None and [p.until for p in night.now] == ["06:00"]


def test_nobody_on_call_ever(app: Flask) -> None:
    _replace_roster(app, [])
    found = _now_for(app, "robert", Role.CARER, at(TUE, 12))
    assert found is not None and found.now == [] and found.next is None


def test_an_inactive_workers_times_are_not_shown(app: Flask) -> None:
    helen = user_id(app, "helen")
    with app.app_context(), get_database(app).session() as db:
        db.execute(update(User).where(User.id == helen).values(active=False))
        db.commit()
    found = _now_for(app, "linh", Role.CARER, at(TUE, 12))
    assert found is not None and found.now == [] and found.next is None


@pytest.mark.parametrize(
    ("key", "role", "reads"),
    [
        ("linh", Role.CARER, True),
        ("robert", Role.CARER, True),
        ("helen", Role.CARER_PEER_WORKER, True),
        ("admin", Role.ADMIN, True),
        ("alex", Role.CONSUMER, False),
        ("sam", Role.CONSUMER_PEER_WORKER, False),
        ("dr.chen", Role.CLINICIAN, False),
        ("auditor", Role.AUDITOR, False),
    ],
)
def test_who_reads_the_roster(app: Flask, key: str, role: Role, reads: bool) -> None:
    assert (_now_for(app, key, role, at(TUE, 12)) is not None) is reads


# The carer's home -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["linh", "robert"])
def test_a_carers_home_shows_who_is_on_call_beside_the_crisis_lines(app: Flask, key: str) -> None:
    page = client_as(app, key).get("/").get_data(as_text=True)
    crisis = page.split('id="crisis-heading"')[1].split("</section>")[0]
    assert "Helen Costa</strong> is on call all week" in crisis
    assert HELEN_REACH in crisis
    assert "Lifeline" in crisis and 'href="tel:' in crisis


def test_a_carers_home_says_when_nobody_is_on_call_and_who_is_next(app: Flask) -> None:
    local = utcnow().astimezone(MELBOURNE)
    later = (local.weekday() + 2) % 7
    _replace_roster(app, [("helen", later, "10:00", "11:00")])
    page = client_as(app, "linh").get("/").get_data(as_text=True)
    assert "No carer peer worker is on call right now" in page
    assert f"The next is Helen Costa, from {schedule.WEEKDAYS[later]} at 10:00" in page


def test_a_carers_home_reads_the_roster_in_the_services_time(app: Flask) -> None:
    """A time set around now in Melbourne covers now; read in UTC (eleven hours off) it
    would not."""
    local = utcnow().astimezone(MELBOURNE)
    week = 7 * 1440
    began = (local.weekday() * 1440 + local.hour * 60 + local.minute - 30) % week
    start, end = began % 1440, (began % 1440 + 90) % 1440
    _replace_roster(
        app,
        [("helen", began // 1440, schedule.clock_words(start), schedule.clock_words(end))],
    )
    page = client_as(app, "linh").get("/").get_data(as_text=True)
    assert "Helen Costa</strong> is on call until" in page


@pytest.mark.parametrize("key", ["alex", "sam", "dr.chen"])
def test_other_homes_do_not_show_the_roster(app: Flask, key: str) -> None:
    page = client_as(app, key).get("/").get_data(as_text=True)
    assert HELEN_REACH not in page and "is on call" not in page


# The coordinator's page -------------------------------------------------------------------------


def test_a_coordinator_adds_a_time_and_it_is_logged_about_the_worker(app: Flask) -> None:
    helen = user_id(app, "helen")
    before = count_rows(app, "on_call_slots")
    admin = client_as(app, "admin")
    response = post_with_token(
        admin,
        "/admin/on-call",
        {
            "worker": str(helen),
            "weekday": str(SAT),
            "start": "22:00",
            "end": "06:00",
            "reach": "The carer line",
        },
    )
    assert response.status_code == 302
    assert count_rows(app, "on_call_slots") == before + 1
    actor, subject, target_type, _, outcome, basis = last_entry(app, "admin:on_call_add")
    assert (actor, subject, target_type, outcome, basis) == (
        user_id(app, "admin"),
        helen,
        "on_call_slot",
        "allowed",
        "role:admin",
    )
    page = admin.get("/admin/on-call").get_data(as_text=True)
    assert "22:00 to 06:00 (the next morning)" in page


def test_a_coordinator_ends_a_time_which_is_kept(app: Flask) -> None:
    with app.app_context(), get_database(app).session() as db:
        slot_id = db.scalars(select(OnCallSlot.id).where(OnCallSlot.weekday == TUE)).one()
        db.rollback()
    admin = client_as(app, "admin")
    assert post_with_token(admin, f"/admin/on-call/{slot_id}/end", {}).status_code == 302
    assert count_rows(app, "on_call_slots", "id = :i AND ended_at IS NOT NULL", {"i": slot_id})
    assert last_entry(app, "admin:on_call_end")[1:5] == (
        user_id(app, "helen"),
        "on_call_slot",
        str(slot_id),
        "allowed",
    )
    again = post_with_token(admin, f"/admin/on-call/{slot_id}/end", {})
    assert "ended already" in admin.get(again.headers["Location"]).get_data(as_text=True)
    # Helen is no longer on call on Tuesdays; the other six days she still is.
    found = _now_for(app, "linh", Role.CARER, at(TUE, 12))
    assert found is not None and found.now == []
    assert found.next is not None and found.next.starts == at(WED, 0)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"worker": "sam"}, "carer peer workers"),
        ({"worker": "robert"}, "carer peer workers"),
        ({"worker": "999999"}, "carer peer workers"),
        ({"worker": ""}, "carer peer workers"),
        ({"weekday": "7"}, "day of the week"),
        ({"weekday": "²"}, "day of the week"),
        ({"start": "25:00"}, "start as a time of day"),
        ({"start": "24:00"}, "start as a time of day"),
        ({"end": "6pm"}, "end as a time of day"),
        ({"start": "18:00", "end": "18:00"}, "must differ"),
        ({"reach": "   "}, "how carers reach them"),
        ({"reach": "x" * 201}, "200 characters"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    app: Flask, change: dict[str, str], error: str
) -> None:
    form = {
        "worker": "helen",
        "weekday": str(SAT),
        "start": "09:00",
        "end": "17:00",
        "reach": "The carer line",
    }
    form.update(change)
    if form["worker"] in ("helen", "sam", "robert"):
        form["worker"] = str(user_id(app, form["worker"]))
    before = count_rows(app, "on_call_slots")
    admin = client_as(app, "admin")
    response = post_with_token(admin, "/admin/on-call", form)
    assert response.status_code == 200
    assert error in response.get_data(as_text=True)
    assert count_rows(app, "on_call_slots") == before


@pytest.mark.parametrize("key", ["helen", "linh", "dr.chen", "sam", "auditor"])
def test_only_coordinators_change_the_roster(app: Flask, key: str) -> None:
    before = count_rows(app, "on_call_slots", "ended_at IS NULL")
    client = client_as(app, key)
    assert client.get("/admin/on-call").status_code == 403
    form = {"worker": str(user_id(app, "helen")), "weekday": "1", "start": "09:00"}
    assert post_with_token(client, "/admin/on-call", form).status_code == 403
    assert post_with_token(client, "/admin/on-call/1/end", {}).status_code == 403
    assert count_rows(app, "on_call_slots", "ended_at IS NULL") == before


def test_the_service_refuses_and_logs_a_non_coordinator(app: Flask) -> None:
    helen = user_id(app, "helen")
    with app.app_context(), get_database(app).session() as db:
        by = By(helen, Role.CARER_PEER_WORKER, "t")
        with pytest.raises(oncall.OnCallError):
            oncall.add_slot(db, by, helen, "1", "09:00", "17:00", "me")
        with pytest.raises(oncall.OnCallError):
            oncall.end_slot(db, by, 1)
        db.commit()
    assert last_entry(app, "admin:on_call_add")[0::4] == (helen, "denied")
    assert last_entry(app, "admin:on_call_end")[0::4] == (helen, "denied")
