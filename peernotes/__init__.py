"""PeerNotes: case notes for peer support, written with the person they are about."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from peernotes import db, requests
from peernotes.auth import login as login_setup
from peernotes.auth.roles import ROLE_LABELS
from peernotes.auth.throttle import limiter
from peernotes.crypto.keyring import Keyring, key_sources
from peernotes.web.converters import DatabaseId
from peernotes.web.errors import install_error_pages
from peernotes.web.headers import install_response_headers

csrf = CSRFProtect()


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
            key_sources=key_sources(Keyring(config.master_key_file)),
            sqlite_busy_timeout_ms=config.sqlite_busy_timeout_ms,
        ),
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_setup.init_app(app)
    # Before the routes exist: `<int:…>` then means an id the database can hold.
    app.url_map.converters["int"] = DatabaseId
    _register_blueprints(app)
    install_response_headers(app)
    install_error_pages(app)
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS[role]
    return app


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
    from peernotes.web.routes import install_guard
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
