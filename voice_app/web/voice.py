"""Twilio voice webhooks (blueprint `voice`)."""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint("voice", __name__, url_prefix="/voice")
