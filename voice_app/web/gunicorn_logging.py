"""gunicorn's own logs (access and error) through the masking filter of every Veille log.

Access lines carry the path without its query string (gunicorn.conf.py); the filter is the
second guard, for anything else gunicorn quotes (an invalid request line, say). A recorded
prompt's file name is left out of its access line: fetched right after a key press, a prompt
such as `confirm_health.mp3` next to that call's line would tell what the tenant answered.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from voice_app.domain.webhook_urls import RECORDINGS_PREFIX
from voice_app.logging_setup import MaskPhonesFilter


class MaskedLogger(Logger):
    """gunicorn's logger, with phone numbers masked in every line it writes."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                handler.addFilter(MaskPhonesFilter())

    def atoms(self, resp, req, environ, request_time) -> dict:
        found = super().atoms(resp, req, environ, request_time)
        found["U"] = without_prompt_name(found.get("U", ""))
        return found


def without_prompt_name(path: str) -> str:
    """`/voice/recordings/habitat/fr/confirm_health.mp3` -> `/voice/recordings/habitat/fr/•`."""
    if not path.startswith(RECORDINGS_PREFIX + "/"):
        return path
    return path.rsplit("/", 1)[0] + "/•"
