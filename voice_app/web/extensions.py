"""Access to the wired Veille from inside a request or a CLI command."""

from __future__ import annotations

from flask import current_app

from voice_app.bootstrap import Veille


def get_veille() -> Veille:
    return current_app.extensions["veille"]
