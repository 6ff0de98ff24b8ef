"""Fresh, empty, migrated databases with an app over each, for the generator's tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from peernotes import create_app
from peernotes.db import get_database
from tests.conftest import Templates, _config, _copy_database, _drop_database

#: Makes an app over a new empty database: `make(**config overrides) -> (app, url)`.
MakeApp = Callable[..., tuple[Flask, str]]


@pytest.fixture
def fresh(templates: Templates, tmp_path: Path) -> Iterator[MakeApp]:
    """Makes apps over fresh, empty, migrated databases; disposes of them afterwards."""
    made: list[tuple[Flask, object]] = []

    def make(**overrides: object) -> tuple[Flask, str]:
        url, token = _copy_database(templates.empty, tmp_path)
        app = create_app(_config(url, tmp_path, **overrides))
        made.append((app, token))
        return app, url

    yield make
    for app, token in made:
        get_database(app).engine.dispose()
        _drop_database(token)
