"""A step happens whole, or leaves nothing behind but its refusal on the record.

The route decorator commits at the request's boundary, also when a view caught a refusal and
answered normally. Without this, whatever a service had flushed before it said no (an empty
profile, half an agreement) would be committed with the refusal. So every service function a
view may see refused runs as a `step`, inside a savepoint:

- it returns: the savepoint is released and everything it did stays in the transaction;
- it raises anything: the savepoint rolls back, and the refusals it put on the access log
  (entries with outcome `denied`) are written again, so the attempt stays on record while
  nothing else of it does. An `allowed` entry inside a failed step described part of an action
  that never happened, and goes with it.

Steps nest: an inner step's entries belong to the outer one until the outer one ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from peernotes.audit.events import Outcome
from peernotes.audit.writer import OPEN_STEPS, Recorded, pending_entries, record_event

P = ParamSpec("P")
R = TypeVar("R")

#: Marks a function as a step (the structural test of the views looks for it).
STEP_ATTR = "__peernotes_step__"


@contextmanager
def refusable(session: Session) -> Iterator[None]:
    """Run the block as one step of `session`'s transaction (see the module's docstring)."""
    steps: list[list[Recorded]] = session.info.setdefault(OPEN_STEPS, [])
    current: list[Recorded] = []
    steps.append(current)
    savepoint = session.begin_nested()
    try:
        yield
    except BaseException:
        steps.pop()
        if not savepoint.is_active:
            raise  # the whole transaction is gone already: nothing to keep
        savepoint.rollback()
        # Entries of the step not appended yet are dropped here; appended ones went with the
        # savepoint. The refusals among them are written again either way.
        dropped = {id(entry.entry) for entry in current}
        pending = pending_entries(session)
        pending[:] = [entry for entry in pending if id(entry) not in dropped]
        for entry in current:
            if entry.outcome is Outcome.DENIED:
                record_event(
                    session,
                    entry.actor,
                    entry.action,
                    entry.subject,
                    entry.target,
                    entry.outcome,
                    entry.basis,
                    now=entry.at,
                )
        raise
    steps.pop()
    savepoint.commit()
    if steps:
        steps[-1].extend(current)


def step(
    function: Callable[Concatenate[Session, P], R],
) -> Callable[Concatenate[Session, P], R]:
    """Declare a service function a step: it takes the session first, and runs `refusable`."""

    @wraps(function)
    def run(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with refusable(session):
            return function(session, *args, **kwargs)

    setattr(run, STEP_ATTR, True)
    return run


def is_step(function: object) -> bool:
    return bool(getattr(function, STEP_ATTR, False))
