"""Flask's own logger (an exception the error handlers could not handle) writes through the
same phone masking as Veille's loggers, never straight to stderr."""

from __future__ import annotations

import io
import logging

from flask.logging import default_handler


def test_flasks_logger_masks_phone_numbers_like_every_veille_line(app):
    handlers = [h for h in logging.getLogger("voice_app").handlers if getattr(h, "_veille", False)]
    assert handlers and default_handler not in app.logger.handlers
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    try:
        app.logger.error("Exception on /suivis [POST] while calling +33612345678")
    finally:
        handlers[0].setStream(previous)
    assert "while calling +33 6 •• •• •• 78" in stream.getvalue()
    assert "+33612345678" not in stream.getvalue()
