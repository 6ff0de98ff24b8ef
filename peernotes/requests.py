"""A short random id for each request, written into the access log and the response headers.

It lets an auditor tie together the entries one request wrote, and lets an operator find the
server log lines of a request someone reports, without either log holding personal details.
"""

from __future__ import annotations

import secrets

from flask import Flask, g
from werkzeug.wrappers import Response


def current_request_id() -> str:
    if "request_id" not in g:
        g.request_id = secrets.token_hex(8)
    request_id: str = g.request_id
    return request_id


def init_app(app: Flask) -> None:
    @app.before_request
    def _assign_request_id() -> None:
        current_request_id()

    @app.after_request
    def _expose_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = current_request_id()
        return response
