"""Error pages: calm words for every failure, and the throttled attempts put on record."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers import Response

from peernotes.auth.throttle import record_throttled_emergency_access, record_throttled_sign_in
from peernotes.web.counts import mark_error_page

ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: (
        "Something went wrong with that request",
        "The page may have been open for a long time. Go back, reload it, and try again.",
    ),
    403: ("You don't have access to this page", "If you think you should, ask your coordinator."),
    404: ("We couldn't find that page", "It may have moved, or the link may be wrong."),
    405: ("That didn't work", "Go back and try again from the page you were on."),
    413: (
        "That was too much to send at once",
        "Nothing was saved. Shorten what you wrote, or send a smaller file, and try again.",
    ),
    429: (
        "Too many attempts",
        "For your safety we've paused sign-in for a little while. Please wait and try again.",
    ),
    500: (
        "Something went wrong on our side",
        "Nothing you did caused this. Please try again in a moment.",
    ),
}


class ExplainedBadRequest(BadRequest):
    """A 400 that says what was wrong in the app's words. The words are the app's own, never
    what was sent: a page that echoes input back is how a 1 MB field became a 1 MB page."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(description=message)
        self.title = title
        self.message = message


#: Renders an error for a machine (an API): the status and, when there is one, the app's own
#: words for it.
ErrorBody = Callable[[int, str | None], Response]
_ERROR_BODIES = "peernotes_error_bodies"


def register_error_body(app: Flask, prefix: str, render: ErrorBody) -> None:
    """Answer errors under `prefix` (say "/api/") with `render` instead of an HTML page: an
    app reading JSON must get JSON, from a missing route to an unexpected failure."""
    app.extensions.setdefault(_ERROR_BODIES, {})[prefix] = render


def _error_body(code: int, message: str | None) -> Response | None:
    bodies: dict[str, ErrorBody] = current_app.extensions.get(_ERROR_BODIES, {})
    for prefix, render in bodies.items():
        if request.path.startswith(prefix):
            return render(code, message)
    return None


def install_error_pages(app: Flask) -> None:
    def render_error(code: int, words: tuple[str, str] | None = None) -> tuple[str, int] | Response:
        body = _error_body(code, words[1] if words else None)
        if body is not None:
            return body
        mark_error_page()
        title, message = words or ERROR_PAGES.get(code, ERROR_PAGES[500])
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc: CSRFError) -> tuple[str, int] | Response:
        title = "This form has expired"
        message = (
            "For your safety, forms stop working after a while or when opened elsewhere. "
            "Go back, reload the page, and try again. Nothing was saved."
        )
        return render_error(400, (title, message))

    @app.errorhandler(429)
    def _too_many(exc: HTTPException) -> tuple[str, int] | Response:
        if exc.response is not None:
            return exc.get_response()  # a limit that answers in its own words (its `on_breach`)
        if request.endpoint in ("signin.login", "signin.login_code") and request.method == "POST":
            record_throttled_sign_in()
        if request.endpoint == "emergency.start":
            record_throttled_emergency_access()
            message = (
                "For your safety we've paused password checks for a little while. If someone is"
                " at risk now, call the on-call clinician or the crisis line."
            )
            return render_error(429, (ERROR_PAGES[429][0], message))
        return render_error(429)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str, int] | HTTPException | Response:
        if exc.code is None or exc.code < 400:
            return exc
        if exc.response is not None:
            return exc.get_response()  # it carries its own answer (an API's error body)
        if isinstance(exc, ExplainedBadRequest):
            return render_error(400, (exc.title, exc.message))
        return render_error(exc.code)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[str, int] | Response:
        # The stack trace goes to the server log only; the person sees a calm page. The
        # endpoint, not the path: paths hold people's ids (and, for a reset link, a token).
        app.logger.exception("unhandled error on %s %s", request.method, request.endpoint)
        return render_error(500)
