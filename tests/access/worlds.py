"""Running a check over random worlds built in a real database, one transaction a world."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from peernotes.db import Database


def hold_in_random_worlds(
    database_url: str,
    world: st.SearchStrategy[Any],
    build: Callable[[Session, Any], tuple[Any, ...]],
    check: Callable[..., None],
    examples: int,
) -> None:
    """Build each generated world with `build`, `check(db, *built)` it, and throw it away
    (rolled back); fail unless at least `examples` worlds were checked."""
    database = Database(database_url, audit_key=lambda: b"k" * 32)
    checked = 0

    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(w=world)
    def run(w: Any) -> None:
        nonlocal checked
        checked += 1
        with database.session() as db:
            check(db, *build(db, w))
            db.rollback()

    try:
        run()
    finally:
        database.engine.dispose()
    assert checked >= examples
