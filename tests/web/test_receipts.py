"""Receipts say what changed, and what did not, from the access map before and after.

Alex offering Dr Chen (already in his care team) his peer notes changes nothing today, and the
receipt says so with the reason; stopping it says that Dr Chen still reads them, and why. A
grant that does let someone read more gets the usual receipt.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import client_as, csrf_token, grant_by_form, user_id


def _grant(alex: FlaskClient, grantee: str, categories: list[str]) -> str:
    assert grant_by_form(alex, grantee, categories).status_code == 302
    return alex.get("/my/consent").get_data(as_text=True)


def _flashes(page: str) -> str:
    found = re.search(r'<div class="messages"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r"\s+", " ", found.group(1)) if found else ""


def test_a_grant_that_changes_nothing_says_so_and_its_end_says_what_stays(app: Flask) -> None:
    alex = client_as(app, "alex")
    chen = user_id(app, "dr.chen")
    receipt = _flashes(_grant(alex, f"person:{chen}", ["peer_notes"]))
    assert "This changes nothing today" in receipt
    assert "Dr Mei Chen can already read your peer notes, because they are in your care team" in (
        receipt
    )

    page = alex.get("/my/consent").get_data(as_text=True)
    # The newest share is the one just made (the demo's own, his letters with Sam, is older).
    provision = max(int(i) for i in re.findall(r'action="/my/consent/(\d+)/revoke"', page))
    alex.post(f"/my/consent/{provision}/revoke", data={"csrf_token": csrf_token(page)})
    ended = _flashes(alex.get("/my/consent").get_data(as_text=True))
    assert "can no longer see peer notes through this share" in ended
    assert "Dr Mei Chen can still read your peer notes, because they are in your care team" in ended


def test_a_grant_that_lets_someone_read_more_gets_the_usual_receipt(app: Flask) -> None:
    alex = client_as(app, "alex")
    receipt = _flashes(_grant(alex, f"person:{user_id(app, 'sam')}", ["care_plan"]))
    assert "From now on, Sam Rivera (peer worker) can read your care plan until" in receipt
    assert "changes nothing" not in receipt


def test_a_team_grant_names_the_team_and_reaches_its_members(app: Flask) -> None:
    alex = client_as(app, "alex")
    page = alex.get("/my/consent").get_data(as_text=True)
    team = re.search(r'value="team:(\d+)"[^>]*>Everyone in ([^<]+)<', page)
    assert team is not None, "Alex's care team works in a team he can share with"
    receipt = _flashes(_grant(alex, f"team:{team.group(1)}", ["care_plan"]))
    assert f"From now on, everyone in {team.group(2)} can read your care plan until" in receipt
    # Sam works in that team: the map now shows him reading it through the team share.
    sharing = alex.get("/my/sharing").get_data(as_text=True)
    row = re.search(r"Sam Rivera.*?</tr>", sharing, re.S)
    assert row is not None and f"you shared with everyone in {team.group(2)}" in row.group(0)
