"""The server's log lines: one JSON object each, a request id on every line of a request, one
`request completed` line per request naming its endpoint (never its path or query), and no
one's details, on the error paths too."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from config import Config, ConfigError, log_format_from_env
from peernotes.ops.logs import (
    REQUEST_COMPLETED,
    DropServerRequestLines,
    TextFormatter,
    configure_logging,
)
from tests.helpers import demo_email, post_form, sign_in, user_id
from tests.ops.logcapture import json_logs

CANARY = "LOG-CANARY-4b7d"


def _completed(lines: list[dict[str, object]]) -> list[dict[str, object]]:
    return [line for line in lines if line["message"] == REQUEST_COMPLETED]


def test_every_line_is_json_and_each_request_says_it_completed_by_endpoint(app: Flask) -> None:
    client = app.test_client()
    with json_logs() as log:
        sign_in(client, demo_email("dr.chen"))
        jordan = user_id(app, "jordan")
        page = client.get(f"/people/{jordan}/record?category=diagnosis&q={CANARY}")
        missing = client.get(f"/no-such-page/{CANARY}")
    lines = log.lines()
    assert lines, "nothing was logged"
    for line in lines:
        assert {"time", "level", "logger", "message", "request_id"} <= line.keys()
    completed = _completed(lines)
    shown = next(line for line in completed if line["request_id"] == page.headers["X-Request-ID"])
    assert shown["logger"] == "peernotes.request" and shown["level"] == "INFO"
    assert shown["method"] == "GET" and shown["status"] == 200
    assert shown["endpoint"] == "records.list_entries"
    assert isinstance(shown["duration_ms"], float) and shown["duration_ms"] >= 0
    lost = next(line for line in completed if line["request_id"] == missing.headers["X-Request-ID"])
    assert (lost["endpoint"], lost["status"]) == (None, 404)
    # The path's ids, the query string and the sign-in's form are nowhere.
    log.assert_free_of(CANARY, f"/people/{jordan}", demo_email("dr.chen"), "127.0.0.1")
    # Every line written during a request carries that request's id.
    ids = {line["request_id"] for line in completed}
    assert None not in ids and len(ids) == len(completed)


def test_an_unexpected_error_is_logged_by_type_and_place_never_its_message(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peernotes.home import views as home

    def broken(*_args: object, **_kwargs: object) -> None:
        # An exception whose message repeats what someone typed, as many do.
        raise ValueError(f"invalid literal for int() with base 10: '{CANARY}'")

    monkeypatch.setattr(home, "home_context", broken)
    client = app.test_client()
    sign_in(client, demo_email("alex"))
    with json_logs() as log:
        response = client.get(f"/?note={CANARY}")
    assert response.status_code == 500
    lines = log.lines()
    (error,) = [line for line in lines if "error" in line]
    assert error["level"] == "ERROR" and error["message"] == "unhandled error on GET home.show_home"
    assert error["error"]["type"] == "builtins.ValueError"  # type: ignore[index]
    assert any("in broken" in frame for frame in error["error"]["stack"])  # type: ignore[index]
    assert error["request_id"] == response.headers["X-Request-ID"]
    (done,) = _completed(lines)
    assert (done["endpoint"], done["status"]) == ("home.show_home", 500)
    log.assert_free_of(CANARY)


def test_a_database_errors_own_words_stay_out_of_the_log(app: Flask) -> None:
    # The engine hides its statement's values, but PostgreSQL's own message repeats the row
    # ("Failing row contains (8, …@example.org, …)"): only leaving messages out keeps it out.
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from peernotes.db import get_database

    with json_logs() as log, get_database(app).session() as db:
        try:
            db.execute(
                text("INSERT INTO users (id, email) VALUES (:id, :email)"),
                {"id": user_id(app, "alex"), "email": f"{CANARY}@example.org"},
            )
        except IntegrityError as exc:
            assert "parameters hidden" in str(exc)
            logging.getLogger("peernotes").exception("the insert failed")
        else:
            pytest.fail("the insert should have failed")
    (line,) = log.lines()
    assert line["error"]["type"] == "sqlalchemy.exc.IntegrityError"  # type: ignore[index]
    log.assert_free_of(CANARY)


def test_the_development_servers_request_lines_are_dropped() -> None:
    keep = DropServerRequestLines()

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, message, None, None)

    assert not keep.filter(
        record(f'127.0.0.1 - - [05/Dec/2026 16:00:00] "GET /people/9?q={CANARY} HTTP/1.1" 200 -')
    )
    assert keep.filter(record(" * Running on http://127.0.0.1:5000"))


def test_text_lines_for_development_name_the_request_fields() -> None:
    record = logging.LogRecord(
        "peernotes.request", logging.INFO, __file__, 1, REQUEST_COMPLETED, None, None
    )
    record.method, record.endpoint, record.status, record.duration_ms = (
        "GET",
        "home.health",
        200,
        1.5,
    )
    line = TextFormatter().format(record)
    assert line.endswith(
        "INFO peernotes.request [-] request completed method=GET endpoint=home.health status=200 duration_ms=1.5"
    )


def test_configure_logging_twice_keeps_one_handler() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        configure_logging("json")
        configure_logging("text")
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1 and isinstance(added[0].formatter, TextFormatter)
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "text"),
        ({"PEERNOTES_ENV": "development"}, "text"),
        ({"PEERNOTES_ENV": "production"}, "json"),
        ({"PEERNOTES_ENV": "test"}, "json"),
        ({"PEERNOTES_ENV": "test", "PEERNOTES_LOG_FORMAT": "text"}, "text"),
        ({"PEERNOTES_LOG_FORMAT": " JSON "}, "json"),
    ],
)
def test_the_log_format_is_json_unless_development_or_chosen(
    env: dict[str, str], expected: str
) -> None:
    assert log_format_from_env(env) == expected


def test_an_unknown_log_format_stops_the_app_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="PEERNOTES_LOG_FORMAT must be json or text"):
        log_format_from_env({"PEERNOTES_LOG_FORMAT": "xml"})
    # Text lines carry whole tracebacks, whose messages may repeat what people typed.
    with pytest.raises(ConfigError, match="production logs JSON"):
        log_format_from_env({"PEERNOTES_ENV": "production", "PEERNOTES_LOG_FORMAT": "text"})
    assert Config.__dataclass_fields__["log_format"].default == "json"


def test_a_form_typed_with_a_canary_leaves_no_trace_in_the_log(app: Flask, signed_in) -> None:  # type: ignore[no-untyped-def]
    chen = signed_in("dr.chen")
    jordan = user_id(app, "jordan")
    with json_logs() as log:
        post_form(
            chen,
            f"/people/{jordan}/record/new",
            {"category": "diagnosis", "title": f"T {CANARY}", "body": f"B {CANARY}"},
        )
        # Refused input: the error path echoes the form to its writer, never to the log.
        post_form(
            chen,
            f"/people/{jordan}/record/new",
            {"category": "nonsense", "title": "", "body": f"B {CANARY}"},
        )
        chen.get(f"/people/{jordan}/record")
    assert len(_completed(log.lines())) >= 3
    log.assert_free_of(CANARY)
