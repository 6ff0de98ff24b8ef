"""PeerNotes: case notes for peer support, written with the person they are about."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config
from peernotes import db, replica, requests
from peernotes.api.endpoint import install_api
from peernotes.api.errors import generic_error
from peernotes.auth import login as login_setup
from peernotes.auth.roles import ROLE_LABELS, Permission
from peernotes.auth.throttle import limiter
from peernotes.crypto.keyring import Keyring, key_sources
from peernotes.crypto.vault import KeyVault
from peernotes.fhir.outcome import error_outcome
from peernotes.notifications.holds import held_until
from peernotes.notifications.mail import install_mail
from peernotes.ops.logs import install_request_log
from peernotes.web.converters import DatabaseId
from peernotes.web.errors import install_error_pages, register_error_body
from peernotes.web.headers import install_response_headers
from peernotes.web.inputs import install_input_checks
from peernotes.web.navigation import install_navigation

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
    # Next: API paths never see a browser session, whatever hook asks who is signed in.
    install_api(app, generic_error)
    register_error_body(app, "/fhir", error_outcome)
    install_request_log(
        app, server_timing=config.server_timing
    )  # next: its clock starts first, its line is written last
    db.init_app(
        app,
        db.Database(
            config.database_url,
            key_sources=key_sources(Keyring(config.master_key_file), KeyVault(config.key_vault)),
            sqlite_busy_timeout_ms=config.sqlite_busy_timeout_ms,
            pool_size=config.db_pool_size,
            max_overflow=config.db_max_overflow,
        ),
    )
    # The read replica, when PEERNOTES_REPLICA_DATABASE_URL is set: for reads that decide nothing.
    replica.init_app(app, config)
    # Email, when PEERNOTES_SMTP_URL is set: sent after commits, by a thread started lazily.
    install_mail(app, hold=held_until)
    csrf.init_app(app)
    # After the CSRF check (a forged post is refused as forged), before any view reads input.
    install_input_checks(app)
    limiter.init_app(app)
    login_setup.init_app(app)
    # Before the routes exist: `<int:…>` then means an id the database can hold.
    app.url_map.converters["int"] = DatabaseId
    _register_blueprints(app)
    install_response_headers(app)
    install_error_pages(app)
    install_navigation(app)
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS[role]
    # Templates ask `current_user.can(Permission.…)`, never which role someone has.
    app.jinja_env.globals["Permission"] = Permission
    return app


def _register_blueprints(app: Flask) -> None:
    """Each feature's blueprint, named as its package. Only this function imports views."""
    from peernotes import timefmt
    from peernotes.aboutme import views as aboutme
    from peernotes.accesslog import views as accesslog
    from peernotes.admin import views as admin
    from peernotes.api import views as api
    from peernotes.care import views as care
    from peernotes.consent import views as consent
    from peernotes.emergency import views as emergency
    from peernotes.erasure import views as erasure
    from peernotes.export import views as export
    from peernotes.fhir import views as fhir
    from peernotes.flags import views as flags
    from peernotes.help import views as help_pages
    from peernotes.home import views as home
    from peernotes.insight import views as insight
    from peernotes.language import views as language
    from peernotes.mfa import views as mfa
    from peernotes.notes import views as notes
    from peernotes.notifications import views as notifications
    from peernotes.records import views as records
    from peernotes.risk import views as risk
    from peernotes.sessions import views as sessions
    from peernotes.settings import views as settings
    from peernotes.signin import views as signin
    from peernotes.skills import views as skills
    from peernotes.supervision import views as supervision
    from peernotes.tokens import views as tokens
    from peernotes.training import views as training
    from peernotes.web.routes import install_guard
    from peernotes.wishes import views as wishes
    from peernotes.workforce.agreements import views as agreements
    from peernotes.workforce.choosing import views as choosing
    from peernotes.workforce.contacts import views as contacts
    from peernotes.workforce.groups import views as groups
    from peernotes.workforce.oncall import views as oncall
    from peernotes.workforce.profiles import views as profiles
    from peernotes.workforce.wellbeing import views as wellbeing

    for feature in (
        signin,
        mfa,
        help_pages,
        home,
        care,
        admin,
        training,
        supervision,
        accesslog,
        insight,
        records,
        consent,
        emergency,
        flags,
        notes,
        notifications,
        risk,
        profiles,
        choosing,
        agreements,
        contacts,
        groups,
        sessions,
        erasure,
        tokens,
        export,
        api,
        fhir,
        wishes,
        language,
        oncall,
        settings,
        wellbeing,
        aboutme,
        skills,
    ):
        app.register_blueprint(feature.bp)
    # The APIs act only with a bearer token, never a cookie, so there is nothing to forge.
    csrf.exempt(api.bp)
    csrf.exempt(fhir.bp)
    timefmt.register(app)
    install_guard(app)
