"""The server's own log lines: one JSON object each, with the request's id, and no one's details.

Every line names its time, level, logger, message and the id of the request it belongs to (the
`X-Request-ID` header and the access log carry the same id, `peernotes.requests`). One line
per request says it completed: method, endpoint (the route's name, never the path, which holds
ids and reset tokens, nor the query string, which holds what people typed), status and
duration. Nothing else about the request is logged: no address, cookie, form value or email.

An exception is logged by type and where it was raised, never its message: messages repeat
values (`invalid literal for int(): '…'`, a database error's parameters) that may be what
someone typed. The request id finds the request; the stack finds the code.

Development may choose readable text instead (`PEERNOTES_LOG_FORMAT=text`), with whole
tracebacks. The log format is configured once per process, by whoever starts it: `wsgi.py`
(gunicorn's workers), the command line, and `gunicorn.conf.py` for gunicorn's own lines.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from flask import Flask, g, has_app_context, request
from werkzeug.wrappers import Response

from config import LogFormat
from peernotes.db import SERIAL_SECONDS

#: The logger of the one line each request writes when it completes.
REQUEST_LOGGER = "peernotes.request"
REQUEST_COMPLETED = "request completed"
#: The fields that line adds, in order.
REQUEST_FIELDS = ("method", "endpoint", "status", "duration_ms")

#: Methods named as they are; anything else a client sends is "OTHER" (it is theirs to choose).
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: The frames of a stack that are kept, innermost last.
_STACK_FRAMES = 12
#: The marker on the handler `configure_logging` adds, so that calling it again replaces it.
_OURS = "_peernotes_handler"


def _request_id() -> str | None:
    """The current request's id, if a request (or CLI command) has one. Never makes one."""
    if not has_app_context():
        return None
    value = g.get("request_id")
    return value if isinstance(value, str) else None


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _error(exc_info: ExcInfo) -> dict[str, object]:
    """An exception's type and the frames it passed through, without its message."""
    kind, _exc, tb = exc_info
    frames = traceback.extract_tb(tb)[-_STACK_FRAMES:]
    return {
        "type": f"{kind.__module__}.{kind.__qualname__}",
        "stack": [f"{Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames],
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the request
    fields when the record carries them."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            line["error"] = _error(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for development: the same fields, and whole tracebacks."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", None) or _request_id() or "-"
        text = super().format(record)
        fields = [f"{n}={getattr(record, n)}" for n in REQUEST_FIELDS if hasattr(record, n)]
        if fields:
            first, _, rest = text.partition("\n")
            text = " ".join([first, *fields]) + (f"\n{rest}" if rest else "")
        return text


def formatter(log_format: LogFormat) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


# The development server's request lines -----------------------------------------------------

#: Werkzeug's request line: `127.0.0.1 - - [date] "GET /path?query HTTP/1.1" 200 -`.
_WERKZEUG_REQUEST_LINE = re.compile(r'^\S+ - - \[[^\]]*\] "')


class DropServerRequestLines(logging.Filter):
    """Drops the development server's own request lines: they hold the client's address and
    the whole path and query. The app's `request completed` line replaces them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and _WERKZEUG_REQUEST_LINE.match(record.msg))


def configure_logging(log_format: LogFormat, level: int = logging.INFO) -> None:
    """Send every logger's lines to stderr in `log_format`. Calling it again replaces ours."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, _OURS, False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    handler.setFormatter(formatter(log_format))
    root.setLevel(level)
    # Alembic announces each of its plugins at INFO on every migration check (`/ready`, the
    # backup commands): noise that would bury what an operator needs to read.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    server = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropServerRequestLines) for f in server.filters):
        server.addFilter(DropServerRequestLines())


def gunicorn_logconfig(log_format: LogFormat) -> dict[str, object]:
    """gunicorn's `logconfig_dict`: its own lines (boot, workers, signals) in our format.

    gunicorn's access log stays off: it would write the client's address, the path and the
    query string of every request; the app's `request completed` line says what an operator
    needs.
    """
    kind = "JsonFormatter" if log_format == "json" else "TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"peernotes": {"()": f"{__name__}.{kind}"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "peernotes",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            # Off (gunicorn writes it whenever a log configuration is given, whatever
            # `accesslog` says): only levels above CRITICAL would pass, and it logs at INFO.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }


# The request line ---------------------------------------------------------------------------


def install_request_log(app: Flask, *, server_timing: bool = False) -> None:
    """One `request completed` line per request. Install right after the request id, so its
    clock starts before every other hook and its line is written after theirs.

    With `server_timing`, each response also says, in a `Server-Timing` header, how long the
    app took (`app`) and how much of it the request held the lock that serializes writers
    (`serial`: the access-log append and its commit; `peernotes.db`). The bench divides one by
    the other: the share of a request no second process can run beside it.
    """
    log = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _log_request(response: Response) -> Response:
        started = g.get("request_started")
        duration = None if started is None else round((time.perf_counter() - started) * 1000, 1)
        if server_timing and started is not None:
            session = g.get("db_session")
            serial = session.info.get(SERIAL_SECONDS, 0.0) if session is not None else 0.0
            response.headers["Server-Timing"] = (
                f"app;dur={(time.perf_counter() - started) * 1000:.3f}, "
                f"serial;dur={serial * 1000:.3f}"
            )
        log.info(
            REQUEST_COMPLETED,
            extra={
                "method": request.method if request.method in _METHODS else "OTHER",
                "endpoint": request.endpoint,
                "status": response.status_code,
                "duration_ms": duration,
            },
        )
        return response
