"""Access to the wired Veille, and the web extensions (sign-in, CSRF, rate limits)."""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from voice_app.bootstrap import Veille

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(get_remote_address, default_limits=[])


def get_veille() -> Veille:
    return current_app.extensions["veille"]
