"""PeerNotes: case notes for peer support, written with the person they are about."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from config import Config
from peernotes import db, requests
from peernotes.auth import login as login_setup
from peernotes.auth.roles import ROLE_LABELS
from peernotes.auth.throttle import (
    limiter,
    record_throttled_emergency_access,
    record_throttled_sign_in,
)
from peernotes.keyring import Keyring

csrf = CSRFProtect()

# No inline script or style anywhere, so the policy can forbid both outright.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

ERROR_PAGES: dict[int, tuple[str, str]] = {
    400: (
        "Something went wrong with that request",
        "The page may have been open for a long time. Go back, reload it, and try again.",
    ),
    403: ("You don't have access to this page", "If you think you should, ask your coordinator."),
    404: ("We couldn't find that page", "It may have moved, or the link may be wrong."),
    405: ("That didn't work", "Go back and try again from the page you were on."),
    429: (
        "Too many attempts",
        "For your safety we've paused sign-in for a little while. Please wait and try again.",
    ),
    500: (
        "Something went wrong on our side",
        "Nothing you did caused this. Please try again in a moment.",
    ),
}


def create_app(config: Config) -> Flask:
    """Compose the app from its parts. No queries, no file or network I/O."""
    app = Flask(__name__, instance_path=str(config.instance_path))
    cookie_name = "__Host-peernotes" if config.secure_cookies else "peernotes_session"
    app.config.update(
        PEERNOTES=config,
        SECRET_KEY=config.secret_key,
        TESTING=config.env == "test",
        SESSION_COOKIE_NAME=cookie_name,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_lifetime_hours),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=config.secure_cookies,
        WTF_CSRF_SSL_STRICT=config.secure_cookies,
        RATELIMIT_STORAGE_URI=config.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=True,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
    )
    if config.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=config.trusted_proxies, x_proto=config.trusted_proxies
        )

    requests.init_app(app)  # first, so every later hook and the log can use the id
    db.init_app(
        app,
        db.Database(
            config.database_url,
            keyring=Keyring(config.master_key_file),
            sqlite_busy_timeout_ms=config.sqlite_busy_timeout_ms,
        ),
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_setup.init_app(app)
    # Before the routes exist: `<int:…>` then means an id the database can hold.
    app.url_map.converters["int"] = DatabaseId
    _register_blueprints(app)
    _install_response_headers(app)
    _install_error_pages(app)
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS[role]
    return app


class DatabaseId(IntegerConverter):
    """`<int:…>` in a route: an id beyond what the database holds answers 404 like any missing
    id, instead of reaching the query and failing there (a 500)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    from peernotes import home, timefmt
    from peernotes.admin.supervision_views import bp as supervision_bp
    from peernotes.admin.training_views import bp as training_bp
    from peernotes.admin.views import bp as admin_bp
    from peernotes.audit.views import bp as audit_bp
    from peernotes.auth.views import bp as auth_bp
    from peernotes.care.views import bp as my_bp
    from peernotes.consent.emergency_views import bp as emergency_bp
    from peernotes.consent.flag_views import bp as flags_bp
    from peernotes.consent.views import bp as consent_bp
    from peernotes.notes.risk_views import bp as risk_bp
    from peernotes.notes.views import bp as notes_bp
    from peernotes.records.views import bp as records_bp
    from peernotes.web import install_guard
    from peernotes.workforce.agreement_views import bp as agreements_bp
    from peernotes.workforce.contact_views import bp as contacts_bp
    from peernotes.workforce.group_views import bp as groups_bp
    from peernotes.workforce.matching_views import bp as matching_bp
    from peernotes.workforce.profile_views import bp as profile_bp
    from peernotes.workforce.supervision_views import bp as supervising_bp

    for blueprint in (
        auth_bp,
        home.bp,
        my_bp,
        admin_bp,
        training_bp,
        supervision_bp,
        audit_bp,
        records_bp,
        consent_bp,
        emergency_bp,
        flags_bp,
        notes_bp,
        risk_bp,
        profile_bp,
        matching_bp,
        agreements_bp,
        contacts_bp,
        supervising_bp,
        groups_bp,
    ):
        app.register_blueprint(blueprint)
    timefmt.register(app)
    install_guard(app)


def _install_response_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000")
        if request.endpoint != "static":
            # Any page may show personal information: never keep a copy in any cache,
            # so Back after signing out cannot bring one up again.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        return response


def _install_error_pages(app: Flask) -> None:
    def render_error(code: int) -> tuple[str, int]:
        title, message = ERROR_PAGES.get(code, ERROR_PAGES[500])
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(CSRFError)
    def _csrf_error(_exc: CSRFError) -> tuple[str, int]:
        title = "This form has expired"
        message = (
            "For your safety, forms stop working after a while or when opened elsewhere. "
            "Go back, reload the page, and try again. Nothing was saved."
        )
        return render_template("errors/error.html", code=400, title=title, message=message), 400

    @app.errorhandler(429)
    def _too_many(_exc: HTTPException) -> tuple[str, int]:
        if request.endpoint == "auth.login" and request.method == "POST":
            record_throttled_sign_in()
        if request.endpoint == "emergency.start":
            record_throttled_emergency_access()
            message = (
                "For your safety we've paused password checks for a little while. If someone is"
                " at risk now, call the on-call clinician or the crisis line."
            )
            return render_template(
                "errors/error.html", code=429, title=ERROR_PAGES[429][0], message=message
            ), 429
        return render_error(429)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str, int] | HTTPException:
        if exc.code is None or exc.code < 400:
            return exc
        return render_error(exc.code)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[str, int]:
        # The stack trace goes to the server log only; the person sees a calm page.
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
