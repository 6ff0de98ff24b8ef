""" "Who can see my information" is the access map, not hand-written sentences.

The page lists who can read what today, from `access.map` (itself `decide()`): the care team
with its basis, a carer once the person shares with them (and the sentence about that carer
changes with it), and never "no one else" while someone else can read something.
"""

from __future__ import annotations

import re

from flask import Flask

from tests.helpers import client_as, grant_by_form, query, user_id


def _rows(page: str) -> dict[str, str]:
    """The map's rows: the person's name → the row's text."""
    table = re.search(r'<table class="sharing-map">(.*?)</table>', page, re.S)
    assert table is not None, "the page has the map"
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)[1:]:
        name = re.search(r'<th scope="row">(.*?) <span', row, re.S)
        assert name is not None
        found[name.group(1).strip()] = re.sub(r"<[^>]+>|\s+", " ", row)
    return found


def test_the_map_shows_the_care_team_and_a_share_as_it_happens(app: Flask) -> None:
    alex = client_as(app, "alex")
    before = alex.get("/my/sharing").get_data(as_text=True)
    rows = _rows(before)
    assert "Dr Mei Chen" in rows and "in your care team" in rows["Dr Mei Chen"]
    # Nobody else reads a whole peer note, and the column says which parts.
    assert "Peer notes: the parts you marked “care team”" in before
    assert "Linh Nguyen" not in rows
    assert "can't see any of your information unless you choose to share it" in before

    linh = f"person:{user_id(app, 'linh')}"
    granted = grant_by_form(alex, linh, ["care_plan"], purpose="so mum knows my plan")
    assert granted.status_code == 302

    after = alex.get("/my/sharing").get_data(as_text=True)
    rows = _rows(after)
    assert "Linh Nguyen" in rows and "you shared with them until" in rows["Linh Nguyen"]
    assert "can read what you shared with them: care plan." in after
    # The cell that rests on Alex's own consent links straight to changing or stopping it.
    link = re.search(r'href="/my/consent#provision-(\d+)"', after)
    assert link is not None
    consent_page = alex.get("/my/consent").get_data(as_text=True)
    assert f'id="provision-{link.group(1)}"' in consent_page
    assert "can't see any of your information unless you choose to share it" not in after
    # Exactly what the map says she reads, she reads; nothing else.
    linh = client_as(app, "linh")
    alex_id = user_id(app, "alex")
    listing = linh.get(f"/people/{alex_id}/record").get_data(as_text=True)
    assert "Care plan" in listing and "Medication" not in listing


def test_with_no_one_else_the_page_says_so(app: Flask) -> None:
    # Whoever is in Maya's map reads something, and says why; with nobody, the page says so.
    maya = client_as(app, "maya")
    page = maya.get("/my/sharing").get_data(as_text=True)
    people = {name: text for name, text in _rows(page).items() if "(" in text}
    # Whoever is listed must really read something: every row has a basis in words.
    for name, text in people.items():
        if name.startswith("Every "):
            assert "they check the access log" in text
            continue
        assert re.search(
            r"in your care team|you shared with|emergency access|your peer worker"
            r"|supervises your peer worker|they raised it|duty of care|they wrote them",
            text,
        ), name
    named = [n for n in people if not n.startswith("Every ")]
    assert ("nobody else can read any of your information today" in page) == (not named)


def test_the_home_page_names_the_people_in_the_map(app: Flask) -> None:
    alex = client_as(app, "alex")
    named = [
        n
        for n in _rows(alex.get("/my/sharing").get_data(as_text=True))
        if not n.startswith("Every ")
    ]
    assert named, "the demo gives Alex a care team"
    home = re.sub(r"\s+", " ", alex.get("/").get_data(as_text=True))
    assert (
        f"Today {len(named)} people can read some of your information: {', '.join(named)}." in home
    )


def test_maya_is_told_who_reads_her_wishes_and_why(app: Flask) -> None:
    # Tui helped write them; Dr Walsh is in her care team and she sent them: both read them
    # (decide_wishes), so both are in her map and her preview, in her words.
    maya = client_as(app, "maya")
    page = maya.get("/my/sharing").get_data(as_text=True)
    assert "Your wishes for an admission or a discharge" in page
    rows = _rows(page)
    assert "your peer worker: you chose to write them together" in rows["Tui Henare"]
    assert "in your care team: you sent them" in rows["Dr Fiona Walsh"]
    (wish,) = query(app, "SELECT id FROM wishes WHERE subject_id = :s", {"s": user_id(app, "maya")})
    for key, why in (
        ("tui", "your peer worker: you chose to write them together"),
        ("dr.walsh", "in your care team: you sent them"),
    ):
        shown = maya.get(f"/my/consent/preview?person={user_id(app, key)}").get_data(as_text=True)
        item = re.search(rf'<li data-item="wish:{wish[0]}">(.*?)</li>', shown, re.S)
        assert item is not None, key
        assert why in item.group(1)
        # And the page opens for them.
        assert client_as(app, key).get(f"/wishes/{wish[0]}").status_code == 200
