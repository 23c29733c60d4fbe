"""Recorded prompts (blueprint `recordings`): the audio files `<Play>` points at.

Public and unsigned, as the provider fetches a `<Play>` URL with a plain GET and no session.
They hold the script's words in an organisation's voice, never personal data. Only URLs
naming a known language, prompt id and audio extension are served (services.recordings
builds the path from those parts alone: no traversal); anything else is 404. Caches may keep
a file for an hour: a replaced recording reaches calls within the hour.
"""

from __future__ import annotations

import logging

from flask import Blueprint
from flask import abort
from flask import send_file

from voice_app.domain.webhook_urls import RECORDINGS_PREFIX
from voice_app.services.recordings import media_type
from voice_app.services.recordings import recording_file
from voice_app.web.extensions import get_veille

log = logging.getLogger("veille.voice")

CACHE_SECONDS = 3600

blueprint = Blueprint("recordings", __name__, url_prefix=RECORDINGS_PREFIX)


@blueprint.get("/<slug>/<language>/<file_name>")
def recording(slug: str, language: str, file_name: str):
    path = recording_file(get_veille().settings, slug, language, file_name)
    if path is None:
        log.info("voice.recording_not_found")
        abort(404)
    return send_file(path, mimetype=media_type(file_name), conditional=True, etag=True,
                     max_age=CACHE_SECONDS)
