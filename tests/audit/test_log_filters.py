"""The auditor's filter: actions in words, grouped by area; reads, times to the second, entry
numbers; bad input answered with a clear error and no entries."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask

from peernotes.audit.events import Action
from peernotes.audit.labels import ACTION_GROUPS, ACTION_LABELS, READS, action_label, basis_words
from tests.helpers import client_as, query, user_id
from tests.insight import world as w
from tests.insight.pages import listed_seqs


@pytest.fixture
def config_overrides() -> dict[str, object]:
    return {"timezone": "Australia/Melbourne"}


def test_every_action_the_log_can_hold_has_one_group_and_a_label_in_words() -> None:
    placed = [action for group in ACTION_GROUPS for action, _ in group.actions]
    assert sorted(placed) == sorted(Action), "each action in exactly one group, none left out"
    unlabelled = [a.value for a in Action if action_label(a.value) == a.value]
    assert unlabelled == []
    for group in ACTION_GROUPS:
        assert group.label and group.actions
        for action, label in group.actions:
            # Words, not a code: no colon or underscore, a capital first letter.
            assert ":" not in label and "_" not in label and label[0].isupper(), action
    labels = list(ACTION_LABELS.values())
    assert len(labels) == len(set(labels)), "two actions read the same"
    assert len({g.label for g in ACTION_GROUPS}) == len(ACTION_GROUPS)
    assert READS <= set(Action)


def test_bases_read_in_words() -> None:
    roles = {"admin": "coordinator"}
    assert basis_words("consent:12") == "Consent #12"
    assert basis_words("emergency:3") == "Emergency access #3"
    assert basis_words("role:admin", roles) == "Their role (coordinator)"
    assert basis_words("role:auditor", roles) == "Their role (auditor)"
    assert basis_words("care_assignment") == "In their care"
    assert basis_words("training_lapsed") == "Training lapsed"


def _select(page: str, name: str) -> str:
    found = re.search(rf'<select[^>]*name="{name}".*?</select>', page, flags=re.S)
    assert found, name
    return found.group(0)


def test_the_filter_offers_actions_in_words_grouped_by_area(app: Flask) -> None:
    page = client_as(app, "auditor").get("/audit").get_data(as_text=True)
    select = _select(page, "action")
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, flags=re.S)
    assert [unescape(label) for label, _ in groups] == [g.label for g in ACTION_GROUPS]
    for (_, options), group in zip(groups, ACTION_GROUPS, strict=True):
        shown = re.findall(r'<option title="([^"]+)" value="([^"]+)">([^<]+)</option>', options)
        assert [(t, v, unescape(text)) for t, v, text in shown] == [
            (a.value, a.value, label) for a, label in group.actions
        ]
    # Outside the groups: any action, and any read of a person's information.
    head = select.split("<optgroup", 1)[0]
    assert re.findall(r'<option[^>]*value="([^"]*)"', head) == ["", "reads"]


def test_entries_say_what_happened_in_words_with_the_code_beside(app: Flask) -> None:
    auditor = client_as(app, "auditor")
    page = auditor.get("/audit?action=auth:login").get_data(as_text=True)
    assert re.search(r"<td>Signed in<br><small class=\"muted code\">auth:login</small></td>", page)
    assert "<td>Password checked<br>" in page


def test_reads_lists_every_read_of_someone_and_nothing_else(app: Flask) -> None:
    w.build(app)
    auditor = client_as(app, "auditor")
    alex = user_id(app, "alex")
    listed = listed_seqs(
        auditor.get(f"/audit?action=reads&subject_id={alex}").get_data(as_text=True)
    )
    codes = ", ".join(f"'{a.value}'" for a in READS)
    expected = [
        int(r[0])
        for r in query(
            app,
            f"SELECT seq FROM audit_log WHERE subject_id = :s AND action IN ({codes})"
            " ORDER BY seq DESC LIMIT 50",
            {"s": alex},
        )
    ]
    assert listed == expected and len(expected) >= 8


def test_a_time_window_to_the_minute_or_the_second(app: Flask) -> None:
    world = w.build(app)
    auditor = client_as(app, "auditor")
    maya = world.ids["maya"]
    day = w.local(3, 0).date().isoformat()
    at = {int(r[0]): int(r[1]) for r in query(app, "SELECT seq, occurred_at_us FROM audit_log")}
    burst = sorted(world.burst, key=lambda s: at[s])  # 16:00, 16:01, 16:01:30, 16:02, 16:03, 16:04

    def listed(window: str) -> set[int]:
        path = f"/audit?actor_id={maya}&date_from={day}&date_to={day}&{window}"
        return set(listed_seqs(auditor.get(path).get_data(as_text=True)))

    # "To 16:03" takes in the whole minute; "to 16:03:00" only that second.
    assert listed("time_from=16:01&time_to=16:03") == set(burst[1:5])
    assert listed("time_from=16:01:30&time_to=16:03:00") == set(burst[2:5])
    assert listed("time_from=16:01:31&time_to=16:02:59") == {burst[3]}
    # A date alone is the whole day, as before.
    assert set(burst) <= listed("outcome=denied")


def test_entry_numbers_narrow_the_list(app: Flask) -> None:
    auditor = client_as(app, "auditor")
    assert listed_seqs(auditor.get("/audit?seq_from=3&seq_to=7").get_data(as_text=True)) == [
        7,
        6,
        5,
        4,
        3,
    ]


@pytest.mark.parametrize(
    ("query_string", "message"),
    [
        ("time_from=10:00", "Give the date as well as the time."),
        ("date_to=2026-05-01&time_to=25:00", "Not a valid time value."),
        (
            "date_from=2026-05-01&time_from=10:00&date_to=2026-05-01&time_to=09:59",
            "can't be before the start",
        ),
        ("seq_from=9&seq_to=3", "can't be before the first"),
        ("seq_from=0", "Entry numbers start at 1."),
        ("seq_to=many", "Not a valid integer value."),
        ("action=reads:all", "Not a valid choice."),
    ],
)
def test_bad_filters_get_a_clear_error_and_no_entries(
    app: Flask, query_string: str, message: str
) -> None:
    auditor = client_as(app, "auditor")
    response = auditor.get(f"/audit?{query_string}")
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and message in page, query_string
    assert listed_seqs(page) == []
    assert auditor.get(f"/audit/export.csv?{query_string}").status_code == 400
