"""The FHIR matrix, checked here too: every FHIR GET route is paired (or has its own statuses),
and each role gets what the paired web page gives it (`tests/web/test_deny_by_default.PAGES`)."""

from __future__ import annotations

from flask import Flask

from peernotes.auth.roles import Role
from peernotes.web.routes import PUBLIC_ENDPOINTS
from tests.fhir.client import Fhir
from tests.fhir.matrix_fhir import API_OWN, API_PAGES, NOT_IN_MATRIX
from tests.web.test_deny_by_default import DEMO_BY_ROLE, PAGES, _path


def test_every_fhir_route_is_in_the_matrix(fhir_app: Flask) -> None:
    rules = {
        rule.rule
        for rule in fhir_app.url_map.iter_rules()
        if rule.rule.startswith("/fhir") and rule.endpoint not in PUBLIC_ENDPOINTS
    }
    assert rules == set(API_PAGES) | set(API_OWN) | NOT_IN_MATRIX
    assert set(API_PAGES.values()) <= set(PAGES)


def test_each_role_gets_what_the_web_page_gives(fhir_app: Flask, fhir: dict[str, Fhir]) -> None:
    wrong = []
    for role in Role:
        client = fhir[DEMO_BY_ROLE[role]]
        expected = {rule: PAGES[page][role] for rule, page in API_PAGES.items()}
        expected |= {rule: statuses[role] for rule, statuses in API_OWN.items()}
        for rule, status in expected.items():
            # A web redirect (the consumer's own list, say) is a read the API answers itself.
            got = client.raw(_path(fhir_app, rule).removeprefix("/fhir")).status_code
            if got != (200 if status == 302 else status):
                wrong.append((role.value, rule, got, status))
    assert wrong == []
