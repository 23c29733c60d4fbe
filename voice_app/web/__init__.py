"""The web process: `create_app()` answers Twilio's webhooks and serves the pages.

It never starts a scheduler: the clock is its own process (`python -m scheduler`).
"""

from __future__ import annotations

from flask import Flask

from voice_app.bootstrap import Veille
from voice_app.bootstrap import bootstrap
from voice_app.config import Settings
from voice_app.logging_setup import configure_logging

MAX_REQUEST_BYTES = 64 * 1024  # Twilio's webhook bodies are a few kB


def create_app(test_config: dict | None = None, *, veille: Veille | None = None) -> Flask:
    """Build the web application (gunicorn: `voice_app.web:create_app()`)."""
    if veille is None:
        veille = bootstrap(Settings.from_env())
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=veille.settings.SECRET_KEY,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=veille.settings.is_production,
    )
    if test_config:
        app.config.update(test_config)
    configure_logging(veille.settings.LOG_LEVEL)
    register_extensions(app, veille)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask, veille: Veille) -> None:
    app.extensions["veille"] = veille


def register_blueprints(app: Flask) -> None:
    from voice_app.web.health import blueprint as health
    from voice_app.web.voice import blueprint as voice

    app.register_blueprint(health)
    app.register_blueprint(voice)


def register_errorhandlers(app: Flask) -> None:
    from voice_app.web.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from voice_app.web.cli import register

    register(app)
