"""Every main page of every role issues the same number of SQL statements however much data
there is: counted on the demo service, then after growing it for the same people
(`growth.grow`: notes in every state, record entries and statements, consent versions,
caseloads, contacts, concerns, notifications and log entries), then after growing it again
as much.

The list of pages is `bench.main_pages.MAIN_PAGES` (the benchmark prints the same counts). A
statement is counted whatever sends it through the app's engine during one GET: the session
check, the page, its access-log entries, the commit. A count, never a timing.

The two grown sizes must agree exactly: a statement per row shown (an N+1) or per row held
would differ between them. The demo's own count may be lower by a constant where a part of a
page is skipped while it has nothing to show (no contacts yet); it is printed, not required.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from bench.main_pages import MAIN_PAGES, Counted, MainPage, count_pages, roles_covered
from peernotes import create_app
from peernotes.auth.roles import Role
from peernotes.db import get_database
from tests.conftest import Templates, _config, _copy_database, _drop_database
from tests.perf.growth import grow

#: How much each growth adds, in multiples of what the demo has (see `growth.grow`).
FACTOR = 6


@pytest.fixture(scope="module")
def counted(
    templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[MainPage, list[Counted]]]:
    """Each page counted three times: on the demo, after one growth, after a second."""
    tmp = tmp_path_factory.mktemp("query-counts")
    url, token = _copy_database(templates.demo, tmp)
    app: Flask = create_app(_config(url, tmp))
    found: dict[MainPage, list[Counted]] = {page: [] for page in MAIN_PAGES}
    try:
        for round_ in range(3):
            if round_:
                with get_database(app).session() as db:
                    grow(db, FACTOR, round_)
                    db.commit()
            for result in count_pages(app):
                found[result.page].append(result)
        yield found
    finally:
        get_database(app).engine.dispose()
        _drop_database(token)


def test_every_role_has_its_main_pages_listed() -> None:
    assert roles_covered() == frozenset(Role)


def _id(page: MainPage) -> str:
    return f"{page.role.value}:{page.name}"


@pytest.mark.parametrize("main_page", MAIN_PAGES, ids=_id)
def test_the_page_issues_a_constant_number_of_queries(
    counted: dict[MainPage, list[Counted]], main_page: MainPage
) -> None:
    page = main_page
    demo, grown, grown_more = counted[page]
    for result in (demo, grown, grown_more):
        assert result.status == 200, (result.url, result.status)
        assert page.shows in result.body, (result.url, page.shows)
    assert grown.queries == grown_more.queries, (
        f"{page.person} opening {grown.url}: {demo.queries} statements on the demo,"
        f" {grown.queries} grown, {grown_more.queries} grown again"
    )
