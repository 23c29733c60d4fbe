"""gunicorn's own logs (access and error) through the masking filter of every Veille log.

Access lines carry the path without its query string (gunicorn.conf.py); the filter is the
second guard, for anything else gunicorn quotes (an invalid request line, say).
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from voice_app.logging_setup import MaskPhonesFilter


class MaskedLogger(Logger):
    """gunicorn's logger, with phone numbers masked in every line it writes."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                handler.addFilter(MaskPhonesFilter())
