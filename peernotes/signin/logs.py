"""Keep reset links out of the server's logs.

A reset link's token is a password until it is used, and it travels in the URL path. The
development server (and gunicorn's access log, when an operator turns it on) writes every
request's path, and an unexpected error logs the path too. This filter rewrites the token in
any such line before a handler sees it.
"""

from __future__ import annotations

import logging
import re

from flask.sansio.app import App

_RESET_PATH = re.compile(r"(/password/reset/)[^\s/?\"']+")
REDACTED = r"\1[redacted]"

#: The loggers that write request paths: the development server's, gunicorn's access log.
_REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class RedactResetTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/password/reset/" in message:
            record.msg = _RESET_PATH.sub(REDACTED, message)
            record.args = None
        return True


def install(app: App) -> None:
    """Add the filter to the app's logger and the request loggers, once each."""
    for logger in (app.logger, *(logging.getLogger(n) for n in _REQUEST_LOGGERS)):
        if not any(isinstance(f, RedactResetTokens) for f in logger.filters):
            logger.addFilter(RedactResetTokens())
