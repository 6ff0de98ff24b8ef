"""No dead links: every link the app shows a person leads to a page that person may open.

For each demo person, a crawl from their home page follows every same-site link (GET only,
never a form) to every page reachable by links, and fails on any link that answers 403 or
404: a link the app renders is a promise that the page is there for them.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import Flask

from tests.helpers import client_as, user_id

PEOPLE = [
    "admin",
    "auditor",
    "dr.chen",
    "dr.walsh",
    "sam",
    "tui",
    "helen",
    "alex",
    "jordan",
    "maya",
    "linh",
    "robert",
]
#: Links that end the session or that answer with a file, not a page.
SKIP = ("/logout", "/static/", ".csv", "/health")
LIMIT = 400


def _links(html: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"]+)"', html)


@pytest.mark.parametrize("who", PEOPLE)
def test_every_link_leads_somewhere_the_person_may_go(app: Flask, who: str) -> None:
    client = client_as(app, who)
    seen: set[str] = set()
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    dead: list[tuple[str, str, int]] = []
    while queue and len(seen) < LIMIT:
        url, came_from = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (403, 404):
            dead.append((came_from, url, response.status_code))
            continue
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for href in _links(response.get_data(as_text=True)):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if any(s in href for s in SKIP) or href in seen:
                continue
            queue.append((href, url))
    assert len(seen) > 3, "the crawl reached the person's pages"
    assert dead == [], dead


def test_a_carer_sees_what_is_shared_or_a_kind_empty_state(app: Flask) -> None:
    linh = client_as(app, "linh")
    page = linh.get("/").get_data(as_text=True)
    alex = user_id(app, "alex")
    # The link to the person who named her goes to what he shares with her: nothing, yet.
    assert f'<a href="/people/{alex}/record">Alex Nguyen</a>: nothing shared with you yet' in page
    shown = linh.get(f"/people/{alex}/record")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "There is nothing of Alex Nguyen's for you to read here at the moment." in text
    # No link onward to a page that would not open (the timeline: nothing shared either).
    assert f"/people/{alex}/timeline" not in text
    # Someone who did not name her: the same 404 as no one at all.
    maya, nobody = user_id(app, "maya"), 999_999
    theirs, missing = linh.get(f"/people/{maya}/record"), linh.get(f"/people/{nobody}/record")
    assert theirs.status_code == missing.status_code == 404


def test_an_empty_timeline_opens_for_a_worker_in_care_and_stays_missing_for_others(
    app: Flask,
) -> None:
    robert = user_id(app, "robert")
    assert client_as(app, "helen").get(f"/people/{robert}/timeline").status_code == 200
    assert client_as(app, "tui").get(f"/people/{robert}/timeline").status_code == 404
