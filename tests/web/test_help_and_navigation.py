"""The crisis lines on every page and on a public page of their own, and the navigation grouped
into areas, built from permissions."""

from __future__ import annotations

import re

from flask import Flask

from config import CrisisLine
from peernotes.auth.roles import Role
from peernotes.web.navigation import NAVIGATION, Area, areas_for
from tests.helpers import client_as

AUSTRALIAN = ('href="tel:000"', 'href="tel:131114"', 'href="tel:1300659467"')


def test_the_crisis_lines_page_is_public_and_gives_every_number(app: Flask) -> None:
    page = app.test_client().get("/help")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for number, tel in (
        ("000", "000"),
        ("13 11 14", "131114"),
        ("1300 659 467", "1300659467"),
        ("13 92 76", "139276"),
        ("1300 22 4636", "1300224636"),
    ):
        assert f'<a href="tel:{tel}">Call {number}</a>' in text, number


def test_every_page_links_to_help_and_names_the_first_lines(app: Flask) -> None:
    anonymous = app.test_client().get("/login").get_data(as_text=True)
    signed_in = client_as(app, "alex").get("/").get_data(as_text=True)
    missing = app.test_client().get("/no-such-page").get_data(as_text=True)
    for text in (anonymous, signed_in, missing):
        assert '<a class="help-now" href="/help">Need help now?</a>' in text
        footer = text[text.index('<footer class="site-footer">') :]
        assert all(tel in footer for tel in AUSTRALIAN)
        assert 'href="tel:139276"' not in footer  # the footer shows the first lines only


def test_the_service_s_own_lines_replace_the_defaults(app: Flask) -> None:
    config = app.config["PEERNOTES"]
    app.config["PEERNOTES"] = config.with_overrides(
        crisis_lines=(CrisisLine("Samaritans", "116 123", "any time"),)
    )
    text = app.test_client().get("/help").get_data(as_text=True)
    assert '<a href="tel:116123">Call 116 123</a>' in text and "Answers any time" in text
    assert "tel:131114" not in text


def test_each_role_sees_a_handful_of_areas_with_password_in_its_account() -> None:
    for role in Role:
        areas = areas_for(role)
        assert areas[0].area is Area.HOME and areas[-1].area is Area.ACCOUNT, role
        assert 3 <= len(areas) <= 6, (role, [a.label for a in areas])
        assert [a.area for a in areas] == sorted((a.area for a in areas), key=list(Area).index)
        assert "signin.change_password" in {i.endpoint for i in areas[-1].items}
        assert all(area.items for area in areas)


def test_every_navigation_link_goes_to_a_real_page(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {item.endpoint for item in NAVIGATION} <= endpoints


def test_the_areas_are_rendered_with_their_links_and_sign_out(app: Flask) -> None:
    text = client_as(app, "admin").get("/").get_data(as_text=True)
    nav = text[text.index('<nav class="main-nav"') : text.index("</nav>")]
    assert "<summary>Menu" in nav
    labels = re.findall(r'<span class="area-label" id="area-\w+">([^<]+)</span>', nav)
    assert labels == ["People", "Service", "Your account"]
    assert 'href="/admin/accounts"' in nav and ">Sign out</button>" in nav
    assert re.search(r'aria-current="page">Home( <span class="badge">\d+</span>)?', nav)


def test_home_carries_the_needs_attention_count_when_there_is_one(app: Flask) -> None:
    # The admin has things waiting in the demo; Sam has none.
    text = client_as(app, "admin").get("/").get_data(as_text=True)
    badge = re.search(r'id="attention-heading">Needs attention <span class="badge">(\d+)', text)
    assert badge is not None
    assert (
        f'Home <span class="badge">{badge.group(1)}</span><span class="visually-hidden"> needing'
        " your attention" in text
    )
    quiet = client_as(app, "sam").get("/").get_data(as_text=True)
    assert "Nothing is waiting for you right now." in quiet
    assert not re.search(r'>Home <span class="badge">', quiet)
