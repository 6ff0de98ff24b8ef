"""Every line the server would log, captured exactly as production writes it (JSON)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from peernotes.ops.logs import JsonFormatter


class CapturedLog:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, object]]:
        """Each line, parsed: fails if any line is not one JSON object."""
        parsed = [json.loads(line) for line in self.text.splitlines()]
        assert all(isinstance(line, dict) for line in parsed)
        return parsed

    def assert_free_of(self, *canaries: str) -> None:
        text = self.text
        for canary in canaries:
            assert canary not in text and canary.lower() not in text, canary
        self.lines()


@contextmanager
def json_logs() -> Iterator[CapturedLog]:
    """Every logger that logs at DEBUG or above (SQLAlchemy keeps its own at WARNING), as
    production formats it."""
    captured = CapturedLog()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
