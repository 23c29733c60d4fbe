"""The web process: `create_app()` answers Twilio's webhooks and serves the pages.

It never starts a scheduler: the clock is its own process (`python -m scheduler`).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from db.engine import Role
from voice_app.bootstrap import Veille
from voice_app.bootstrap import bootstrap
from voice_app.config import Settings
from voice_app.domain.people import SESSION_IDLE_LIMIT
from voice_app.env_file import load_env_file
from voice_app.logging_setup import configure_logging
from voice_app.web.inputs import refuse_unusable_text
from voice_app.web.inputs import use_database_ids

MAX_REQUEST_BYTES = 1024 * 1024  # pages; webhooks have their own, smaller limit (pages.py)


def create_app(test_config: dict | None = None, *, veille: Veille | None = None,
               role: Role = Role.WEB) -> Flask:
    """Build the web application (gunicorn: `voice_app.web:create_app()`). `role` sets how long
    it waits for the database: the web's budget, or a command's for the `veille` CLI."""
    if veille is None:
        load_env_file()
        veille = bootstrap(Settings.from_env(), role=role)
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=veille.settings.SECRET_KEY,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=veille.settings.is_production,
        SESSION_COOKIE_NAME="veille_session",
        PERMANENT_SESSION_LIFETIME=SESSION_IDLE_LIMIT,  # refreshed at each request: an idle limit
        REMEMBER_COOKIE_DURATION=0,
        WTF_CSRF_TIME_LIMIT=None,  # valid as long as the session: a long form never expires
        RATELIMIT_STORAGE_URI=veille.settings.RATELIMIT_STORAGE_URI,
        RATELIMIT_HEADERS_ENABLED=False,
        API_RATE_LIMIT=veille.settings.API_RATE_LIMIT,
    )
    if test_config:
        app.config.update(test_config)
    configure_logging(veille.settings.LOG_LEVEL)
    use_database_ids(app)  # before the routes: it replaces their `int` converter
    register_extensions(app, veille)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask, veille: Veille) -> None:
    from voice_app.web import access  # noqa: F401  (registers the user loader)
    from voice_app.web.extensions import csrf
    from voice_app.web.extensions import limiter
    from voice_app.web.extensions import login_manager
    from voice_app.web.webhook_requests import PageSessions
    from voice_app.web.webhook_requests import pages_only

    app.extensions["veille"] = veille
    app.session_interface = PageSessions()
    if veille.settings.PROXY_COUNT:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=veille.settings.PROXY_COUNT)
    from voice_app.web.pages import limit_request_sizes

    limit_request_sizes(app)  # before CSRF protection, which reads the form
    refuse_unusable_text(app)
    with pages_only(app):  # the provider's requests have no session, user, CSRF token or rate limit
        login_manager.init_app(app)
        csrf.init_app(app)
        limiter.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"


def register_blueprints(app: Flask) -> None:
    from voice_app.web.admin import blueprint as admin
    from voice_app.web.api import blueprint as api
    from voice_app.web.auth import blueprint as auth
    from voice_app.web.bridge import blueprint as bridge
    from voice_app.web.bridge import hooks as bridge_hooks
    from voice_app.web.campaigns import blueprint as campaigns
    from voice_app.web.coordinator import blueprint as coordinator
    from voice_app.web.eligibility import blueprint as rules
    from voice_app.web.extensions import csrf
    from voice_app.web.figures import blueprint as figures
    from voice_app.web.health import blueprint as health
    from voice_app.web.home import blueprint as home
    from voice_app.web.pages import register_page_helpers
    from voice_app.web.paper import blueprint as paper
    from voice_app.web.privacy import blueprint as privacy
    from voice_app.web.recordings import blueprint as recordings
    from voice_app.web.rounds import blueprint as rounds
    from voice_app.web.tenants import blueprint as tenants
    from voice_app.web.voice import blueprint as voice
    from voice_app.web.volunteer import blueprint as volunteer

    for webhooks in (voice, bridge_hooks):
        csrf.exempt(webhooks)  # proved by the provider's signature instead
    csrf.exempt(health)
    csrf.exempt(api)  # no cookie: a bearer token, which a cross-site form cannot send
    for blueprint in (health, voice, bridge_hooks, auth, home, volunteer, paper, bridge, tenants, coordinator,
                      privacy, rules, admin, campaigns, rounds, figures, recordings, api):
        app.register_blueprint(blueprint)
    register_page_helpers(app)


def register_errorhandlers(app: Flask) -> None:
    from voice_app.web.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from voice_app.web.cli import register

    register(app)
