"""One demo app per test module (building one costs more than most tests here), tokens for
the demo's people, and a client that checks every FHIR answer against its R4B model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from peernotes import create_app
from peernotes.auth.api_tokens import TokenScope
from peernotes.db import get_database
from tests.api.tokens import make_token
from tests.conftest import Templates, _config, _copy_database, _drop_database
from tests.fhir.client import Fhir
from tests.fhir.world import World, build


@pytest.fixture(scope="module")
def fhir_app(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("fhir")
    url, token = _copy_database(templates.demo, tmp)
    app = create_app(_config(url, Path(tmp)))
    yield app
    get_database(app).engine.dispose()
    _drop_database(token)


@pytest.fixture(scope="module")
def fhir(fhir_app: Flask) -> Iterator[dict[str, Fhir]]:
    """A FHIR client per demo person, each with a read token of their own."""
    people = ("alex", "linh", "sam", "helen", "dr.chen", "auditor", "admin", "jordan")
    yield {
        key: Fhir(fhir_app.test_client(), make_token(fhir_app, key, TokenScope.READ))
        for key in people
    }


@pytest.fixture(scope="module")
def world(fhir_app: Flask) -> World:
    return build(fhir_app)
