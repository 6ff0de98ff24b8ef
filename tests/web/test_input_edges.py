"""Input edges, on every form: a NUL character and an over-long value are refused with words
saying so (400, or 413 for a request too large to read), nothing is stored, and the page sent
back repeats nothing of what was typed.

A probe found a NUL stored on SQLite (PostgreSQL refuses it: a 500) and a 1 MB field echoed
whole in the form sent back with its error. The check is one hook for every request
(`peernotes.web.inputs`), so the walk here is of the forms as the app renders them: each demo
person's pages are crawled, every POST form on them is filled as rendered, and each of its
free-text boxes in turn gets the bad value.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from peernotes.demo.loader import PEOPLE
from peernotes.web.inputs import MAX_FIELD_CHARS
from tests.helpers import client_as, csrf_token, post_with_token, user_id
from tests.web.test_idor_sweep import _snapshot

NUL_WORDS = "Something you typed can&#39;t be saved"
LONG_WORDS = "Something you typed is too long"
TOO_LARGE_WORDS = "That was too much to send at once"
#: The largest page a refusal may be: a page with the app's frame, not with what was sent.
SMALL_PAGE = 16_000

#: Boxes people type free text into (not ticks, choices, dates, numbers or hidden values).
_TEXT_INPUTS = {"text", "email", "search", "password", "tel", "url", ""}
#: Forms that end the session (a refused one would not, but a crawl must not post them first).
_SKIP_ACTIONS = ("/logout",)


@dataclass
class Form:
    action: str
    #: Every named field as rendered, with its value (a choice's first option, ticks ticked).
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: The names of its free-text boxes.
    text: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    """The POST forms on a page, with their fields as a browser would send them untouched."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._selected: bool = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(a.get("action") or self.page)
            return
        form = self._form
        if form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if kind == "radio" and any(n == name for n, _ in form.fields):
                    return
                form.fields.append((name, a.get("value", "y")))
                return
            form.fields.append((name, a.get("value", "")))
            if kind in _TEXT_INPUTS and name != "csrf_token":
                form.text.append(name)
        elif tag == "textarea":
            self._textarea = name
            form.fields.append((name, ""))
            form.text.append(name)
        elif tag == "select":
            self._select, self._selected = name, False
        elif tag == "option" and self._select is not None and not self._selected:
            form.fields.append((self._select, a.get("value", "")))
            self._selected = True

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            name, _ = self._form.fields[-1]
            self._form.fields[-1] = (name, data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def _shape(path: str) -> str:
    """A form's action with its ids blanked: one of each kind of form is enough."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


def _forms_of(client: FlaskClient, start: str, limit: int = 250) -> dict[str, Form]:
    """Every POST form with a free-text box on the pages reachable from `start`, one per
    kind (GET only: the crawl changes nothing but the access log)."""
    found: dict[str, Form] = {}
    seen: set[str] = set()
    queue: deque[str] = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        html = response.get_data(as_text=True)
        parser = _Forms(urlsplit(url).path)
        parser.feed(html)
        for form in parser.forms:
            if form.text and not form.action.startswith(_SKIP_ACTIONS):
                found.setdefault(_shape(form.action), form)
        for href in re.findall(r'<a [^>]*href="([^"]+)"', html):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.netloc or not href.startswith("/") or href.startswith(("/static/", "/logout")):
                continue
            if href.endswith(".csv") or href.startswith("/health"):
                continue
            if href not in seen:
                queue.append(href)
    return found


def _post(client: FlaskClient, token: str, form: Form, name: str, value: str) -> tuple[int, str]:
    data: dict[str, str | list[str]] = {"csrf_token": token}
    for key, old in form.fields:
        if key == "csrf_token":
            continue
        new = value if key == name else old
        existing = data.get(key)
        if existing is None:
            data[key] = new
        elif isinstance(existing, list):
            existing.append(new)
        else:
            data[key] = [existing, new]
    response = client.post(form.action.replace("&amp;", "&"), data=data)
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("who", [*(p.key for p in PEOPLE), "(signed out)"])
def test_every_form_refuses_a_nul_and_an_overlong_value(app: Flask, who: str) -> None:
    signed_out = who == "(signed out)"
    client = app.test_client() if signed_out else client_as(app, who)
    forms = _forms_of(client, "/login" if signed_out else "/")
    token = csrf_token(client.get("/login" if signed_out else "/").get_data(as_text=True))
    # Everyone has some form with a box to type in (their own history's filters, at least).
    assert forms, f"{who}: no forms found"
    before = _snapshot(app)
    long = "L" * (MAX_FIELD_CHARS + 1)
    for shape, form in forms.items():
        for name in form.text:
            where = f"{who} {shape} {name}"
            status, body = _post(client, token, form, name, "Saw them\x00today")
            assert status == 400, f"{where}: NUL answered {status}"
            assert NUL_WORDS in body, where
            status, body = _post(client, token, form, name, long)
            assert status == 400, f"{where}: {len(long)} characters answered {status}"
            assert LONG_WORDS in body, where
            assert f"{MAX_FIELD_CHARS:,}" in body, f"{where}: the limit is not named"
            assert long[:200] not in body and len(body) < SMALL_PAGE, f"{where}: echoed"
        # A megabyte in the first box: refused before the form is even read (413).
        status, body = _post(client, token, form, form.text[0], "M" * 1_000_000)
        assert status in (400, 413), f"{who} {shape}: 1 MB answered {status}"
        assert "M" * 200 not in body and len(body) < SMALL_PAGE, f"{who} {shape}: echoed"
    assert _snapshot(app) == before, f"{who}: something was stored"


def test_a_value_at_the_limit_still_reaches_its_form(app: Flask) -> None:
    """The hook's limit is the longest box's (a record entry's body): a body of exactly that
    length is saved, so the hook refuses nothing a form would take."""
    client = client_as(app, "dr.chen")
    jordan = user_id(app, "jordan")
    response = post_with_token(
        client,
        f"/people/{jordan}/record/new",
        {"category": "clinical_note", "title": "Long", "body": "B" * MAX_FIELD_CHARS},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_a_nul_in_the_address_is_refused(app: Flask) -> None:
    """Query strings reach queries too (the auditor's filters): the same refusal."""
    client = client_as(app, "auditor")
    for path in ("/audit?basis=consent%00", "/audit?before=7%00", "/audit?%00=1"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert NUL_WORDS in response.get_data(as_text=True), path


def test_a_request_too_large_to_read_gets_a_plain_page(app: Flask) -> None:
    client = client_as(app, "dr.chen")
    jordan = user_id(app, "jordan")
    response = post_with_token(
        client,
        f"/people/{jordan}/record/new",
        {"category": "clinical_note", "title": "Big", "body": "B" * 3_000_000},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 413
    assert TOO_LARGE_WORDS in body and "Nothing was saved" in body
    assert "B" * 200 not in body and len(body) < SMALL_PAGE


def test_a_typed_section_count_is_read_no_further_than_a_note_goes(app: Flask) -> None:
    """Approving a note posts how many sections it has; the form was read that many times, so
    a typed 10**30 looped for ever. The service refuses any count but the note's own."""
    from peernotes.notes.service import MAX_SECTIONS
    from peernotes.notes.views import _approval_form

    typed = {"sections": str(10**7), "revision": "1"}
    with app.test_request_context("/notes/1/approve", method="POST", data=typed):
        audiences, revision = _approval_form()
    assert len(audiences) == MAX_SECTIONS + 1
    assert revision == 1
